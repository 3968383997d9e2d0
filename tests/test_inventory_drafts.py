"""Spec drafts from inventory rows: only observed values, always loadable, written safely."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelspec
from modelspec.scan import drafts
from modelspec.scan.facts import Fact, Source
from modelspec.scan.inventory import AcceleratorUse, Engine, Observed, Probe, WorkloadRow

NOW = "2026-11-23T20:00:00.000Z"


def row(**changes: object) -> WorkloadRow:
    r = WorkloadRow(
        "llm", "Deployment", "llama", Engine("vllm", "v0.8.5", ("command: vllm serve (vllm)",)),
        "meta-llama/Meta-Llama-3-8B-Instruct", AcceleratorUse("nvidia", "h100", 1, "NVIDIA-H100-80GB-HBM3"),
        max_model_len=8192, max_model_len_set=True, max_num_seqs=256, desired=1,
        observed=Observed(port=8000, readiness=Probe("/health", 8000, 5), env_names=["HF_TOKEN"]),
    )
    for k, v in changes.items():
        setattr(r, k, v)
    return r


def test_only_observed_values_are_written() -> None:
    d = drafts.build(row(), context="prod", observed_at=NOW)
    spec = d.document["spec"]
    assert "batch" in spec["runtime"] and "maxBatchSize" not in spec["runtime"]["batch"]  # 256 is vLLM's default
    assert spec["runtime"]["environment"]["variables"] == {"HF_TOKEN": drafts.ENV_PLACEHOLDER}
    assert spec["operations"]["serving"] == {"protocol": "http", "port": 8000,
                                             "readinessProbe": {"path": "/health", "timeoutSeconds": 5}}
    assert spec["operations"]["scaling"] == {"minReplicas": 1, "maxReplicas": 1, "strategy": "manual"}
    assert d.document["metadata"]["annotations"] == {drafts.WORKLOAD_ANNOTATION: "llm/Deployment/llama"}
    drafts.check(d)
    assert d.problems == []


def test_max_model_len_from_v1_models_is_observed_but_a_default_is_not() -> None:
    r = row(max_model_len=None, max_model_len_set=False)
    d = drafts.build(r, context=None, observed_at=NOW)
    drafts.check(d)
    assert any(p.startswith("MS203") and "--probe-http" in p for p in d.problems)
    r.max_model_len, r.max_model_len_set = 32768, True  # what /v1/models answered
    r.http = {"max_model_len": Fact(32768, Source.VLLM_HTTP, "tokens")}
    d = drafts.build(r, context=None, observed_at=NOW)
    drafts.check(d)
    assert d.problems == [] and d.document["spec"]["runtime"]["batch"]["maxSequenceLengthTokens"] == 32768


def test_unknown_accelerator_is_a_placeholder_a_human_must_replace() -> None:
    d = drafts.build(row(accelerator=AcceleratorUse(None, None, None)), context=None, observed_at=NOW)
    assert d.document["spec"]["runtime"]["accelerator"]["type"] == drafts.PLACEHOLDER
    assert any("not observed" in p for p in d.problems)


def test_write_keeps_existing_files_and_never_follows_a_planted_temp(tmp_path: Path) -> None:
    d = drafts.build(row(), context=None, observed_at=NOW)
    target = tmp_path / "llm.llama.modelspec.yaml"
    victim = tmp_path / "victim"
    victim.write_text("precious")
    os.symlink(victim, tmp_path / "llm.llama.modelspec.yaml.tmp")  # a planted <output>.tmp link
    drafts.write(d, tmp_path)
    assert d.written and target.read_text().startswith("# DRAFT") and victim.read_text() == "precious"
    again = drafts.write(drafts.build(row(model="other/model"), context=None, observed_at=NOW), tmp_path)
    assert not again.written and "exists" in (again.skipped or "") and "other/model" not in target.read_text()
    assert drafts.write(drafts.build(row(model="other/model"), context=None, observed_at=NOW), tmp_path,
                        force=True).written
    assert "other/model" in target.read_text()


def test_emit_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        drafts.emit([row()], tmp_path / "missing", observed_at=NOW)


names = st.text(min_size=1, max_size=20) | st.sampled_from(["a\nb", "x\u2028y", "z\x85w", "#c", "- d", "'e\""])


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(model=names, namespace=names, name=names, env=st.lists(names, max_size=3))
def test_every_draft_loads_whatever_the_cluster_names(model: str, namespace: str, name: str, env: list[str]) -> None:
    r = row(model=model, namespace=namespace, name=name, observed=Observed(env_names=env))
    d = drafts.build(r, context="ctx\nwith newline", observed_at=NOW)
    spec = modelspec.loads(d.text())  # the header is comments only; the document is schema-valid
    assert spec.metadata.annotations == {drafts.WORKLOAD_ANNOTATION: r.id}
    assert "/" not in drafts.file_name(r).replace(".modelspec.yaml", "") and "\n" not in drafts.file_name(r)
