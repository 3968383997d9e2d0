"""Each semantic rule fires on its trigger and stays quiet on the bundled examples."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

import modelspec
from modelspec.validate.runner import Validator

from .conftest import EXAMPLES

BASE: dict[str, Any] = yaml.safe_load((EXAMPLES / "08-full-production.modelspec.yaml").read_text())
BASE["spec"].pop("pipeline")  # specRef is relative to the file; tested separately


def rules_for(mutate: Any) -> set[str]:
    doc = copy.deepcopy(BASE)
    mutate(doc)
    report = modelspec.validate(doc)
    return {f.rule for f in report.files[0].findings}


def _set(path: str, value: Any) -> Any:
    def apply(doc: dict[str, Any]) -> None:
        node = doc
        parts = path.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value

    return apply


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        ("spec.operations.scaling.minReplicas", 9, "MS201"),
        ("spec.operations.scaling.warmPool.size", 7, "MS202"),
        ("spec.operations.observability.metrics.port", 8000, "MS204"),
        ("spec.operations.serving.livenessProbe.path", "healthz", "MS205"),
        ("spec.operations.serving.readinessProbe.timeoutSeconds", 400, "MS206"),
        ("spec.operations.serving.timeoutSeconds", 3, "MS207"),
        ("spec.operations.scaling.targetRps", 1000, "MS208"),
        ("spec.identity.model.precision", "fp61", "MS209"),
        ("spec.runtime.accelerator.type", "a100-80g", "MS210"),
        ("spec.runtime.accelerator.vendor", "amd", "MS211"),
        ("spec.identity.model.artifacts.modelUri", "s3://", "MS212"),
        ("spec.identity.model.artifacts.modelUri", "ftp://host/x", "MS213"),
        ("spec.identity.model.artifacts.modelUri", "meta-llama/Llama-3-8B", "MS213"),
        ("metadata.name", "Llama_70B", "MS214"),
        ("metadata.labels", {"bad key!": "x"}, "MS215"),
        ("spec.runtime.environment.variables", {"A-B": "1"}, "MS216"),
        ("spec.runtime.environment.variables", {"OPENAI_KEY": "sk-proj-abcdefghijklmnopqrstuvwxyz012345"}, "MS217"),
        ("spec.runtime.environment.variables", {"GH": "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB"}, "MS217"),
        ("spec.runtime.environment.variables", {"X": "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u"}, "MS217"),
        ("spec.runtime.environment.variables", {"DB_PASSWORD": "hunter2"}, "MS223"),
        ("spec.operations.observability.logging.level", "debug", "MS218"),
        ("spec.operations.observability.logging.level", "verbos", "MS225"),
        ("spec.runtime.accelerator.alternatives", ["h1000"], "MS210"),
    ],
)
def test_rule_fires(path: str, value: Any, rule: str) -> None:
    assert rule in rules_for(_set(path, value))


def test_secret_message_never_contains_the_value() -> None:
    token = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    doc = copy.deepcopy(BASE)
    doc["spec"]["runtime"]["environment"]["variables"]["HF_TOKEN"] = token
    report = modelspec.validate(doc)
    from modelspec.report import renderer

    for fmt in ("text", "json", "github", "sarif"):
        assert token not in renderer(fmt)(report)
    assert any(f.rule == "MS217" for f in report.files[0].findings)


def test_no_false_positive_secrets() -> None:
    from modelspec.validate.secrets import looks_like_secret

    for harmless in [
        "FLASH_ATTN",
        "1",
        "/models/meta-llama/Meta-Llama-3-70B-Instruct",
        "hf://org/model",
        "https://example.com/a/b",
        "en_US.UTF-8",
        "${HF_TOKEN}",
        "expandable_segments:True",
    ]:
        assert looks_like_secret(harmless) is None, harmless


def test_vllm_requires_max_len() -> None:
    def drop(doc: dict[str, Any]) -> None:
        del doc["spec"]["runtime"]["batch"]["maxSequenceLengthTokens"]

    assert "MS203" in rules_for(drop)


def test_octal_port_warns() -> None:
    text = (EXAMPLES / "02-serving.modelspec.yaml").read_text().replace("port: 8000", "port: 0700")
    report = modelspec.validate(text)
    assert [f.rule for f in report.files[0].findings] == ["MS310"]
    assert report.valid and not report.passed(strict=True)


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.modelspec.*")), ids=lambda p: p.name)
def test_examples_clean(path: Path) -> None:
    report = modelspec.validate(path)
    assert report.files[0].findings == []


def test_spec_refs_resolve_relative_to_file_and_detect_cycles(tmp_path: Path) -> None:
    a = (EXAMPLES / "00-minimal.modelspec.yaml").read_text()

    def spec(name: str, ref: str | None) -> str:
        text = a.replace("name: mistral-7b-instruct", f"name: {name}")
        if ref:
            text += f"  pipeline:\n    dependencies:\n      - id: dep\n        role: custom\n        specRef: {ref}\n"
        return text

    (tmp_path / "sub").mkdir()
    (tmp_path / "a.yaml").write_text(spec("a", "sub/b.yaml"))
    (tmp_path / "sub" / "b.yaml").write_text(spec("b", "../a.yaml"))
    (tmp_path / "c.yaml").write_text(spec("c", "sub/bad.yaml"))
    (tmp_path / "sub" / "bad.yaml").write_text(a.replace("count: 1", "count: 0"))
    (tmp_path / "d.yaml").write_text(spec("d", "sub/ok.yaml"))
    (tmp_path / "sub" / "ok.yaml").write_text(a)
    v = Validator()
    rules_a = {f.rule for f in v.validate_file(tmp_path / "a.yaml")[0].findings}
    assert "MS222" in rules_a
    c = v.validate_file(tmp_path / "c.yaml")[0].findings
    assert [f.rule for f in c] == ["MS221"] and "bad.yaml:" in c[0].message and "MS105" in c[0].message
    assert v.validate_file(tmp_path / "d.yaml")[0].findings == []


def test_rag_example_dependencies_resolve() -> None:
    report = modelspec.validate(EXAMPLES / "06-dependencies-rag.modelspec.yaml")
    assert report.valid and report.files[0].findings == []


def test_validate_accepts_directories_and_text() -> None:
    report = modelspec.validate(EXAMPLES)
    assert report.valid and report.summary()["files"] >= 14
    text = (EXAMPLES / "00-minimal.modelspec.yaml").read_text()
    assert modelspec.validate(text).valid
    assert modelspec.validate("missing-file.yaml").exit_code() == 2
