"""Issue 12, correctness: what a first-day user hit with the validator and the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import pydantic
import pytest

import modelspec
from modelspec.spec.schema import SCHEMA_FILE

from .conftest import EXAMPLES, ROOT, run_cli

PUBLIC = ROOT / "tests" / "data" / "public-examples"
MINIMAL = (EXAMPLES / "00-minimal.modelspec.yaml").read_text()


# -- specRefs ------------------------------------------------------------------------------------


def test_public_reference_examples_pass_by_default_and_fail_under_strict() -> None:
    """The nine examples of the public ModelSpec repository name specRefs it does not ship."""
    assert len(list(PUBLIC.glob("*.modelspec.yaml"))) == 9
    proc = run_cli("validate", "--format", "json", str(PUBLIC))
    assert proc.returncode == 0, proc.stdout
    out = json.loads(proc.stdout)
    assert out["summary"]["invalid"] == 0 and out["summary"]["warnings"] == 4
    assert {f["rule"] for d in out["files"] for f in d["findings"]} == {"MS220"}
    assert run_cli("validate", "--strict", str(PUBLIC)).returncode == 1


def _dep_spec(name: str, ref: str) -> str:
    deps = f"  pipeline:\n    dependencies:\n      - id: next\n        role: guardrail\n        specRef: {ref}\n"
    return MINIMAL.replace("name: mistral-7b-instruct", f"name: {name}", 1) + deps


def test_dependency_cycle_stays_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.modelspec.yaml").write_text(_dep_spec("a", "b.modelspec.yaml"))
    (tmp_path / "b.modelspec.yaml").write_text(_dep_spec("b", "a.modelspec.yaml"))
    report = modelspec.validate(tmp_path / "a.modelspec.yaml")
    cycle = [f for d in report.files for f in d.findings if f.rule == "MS222"]
    assert cycle and cycle[0].severity is modelspec.Severity.ERROR and not report.valid


# -- counts --------------------------------------------------------------------------------------


def test_missing_required_keys_are_counted_once_each() -> None:
    proc = run_cli("validate", "--format", "json", "-", stdin="{}")
    findings = json.loads(proc.stdout)["files"][0]["findings"]
    assert sorted(f["message"] for f in findings) == [
        f"missing required key `{k}` in /" for k in ("apiVersion", "kind", "metadata", "spec")]


# -- which documents are ModelSpecs --------------------------------------------------------------

SCAN_REPORT = """apiVersion: piqc.ai/v1alpha1
kind: ScanReport
metadata:
  spec: minimal-llm
  scope: node
summary: {match: 3, drift: 1, warning: 0, unknown: 2}
"""
BUNDLE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: llm-spec
data:
  llm.modelspec.yaml: |
    apiVersion: piqc.ai/v1alpha1
    kind: ModelSpec
    metadata:
      name: embedded
---
{minimal}---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llm
spec:
  replicas: 1
---
"""


def test_directory_discovery_goes_by_kind(tmp_path: Path) -> None:
    (tmp_path / "scan-report.yaml").write_text(SCAN_REPORT)
    (tmp_path / "bundle.yaml").write_text(BUNDLE.format(minimal=MINIMAL))
    (tmp_path / "configmap.yaml").write_text(BUNDLE.split("---")[0])
    proc = run_cli("validate", "--format", "json", str(tmp_path))
    assert proc.returncode == 0, proc.stdout
    out = json.loads(proc.stdout)
    assert [(Path(d["path"]).name, d["document"]) for d in out["files"]] == [("bundle.yaml", 1)]
    assert out["summary"]["skipped"] == 3  # bundle's ConfigMap and Deployment, configmap.yaml
    text = run_cli("validate", str(tmp_path)).stdout
    assert "all valid (3 document(s) of other kinds skipped)" in text


def test_named_file_without_a_modelspec_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(BUNDLE.split("---")[-2])
    proc = run_cli("validate", str(path))
    assert proc.returncode == 1 and "MS320 no ModelSpec document in this file (found kind Deployment)" in proc.stdout


def test_near_miss_kind_is_still_checked() -> None:
    report = modelspec.validate(MINIMAL.replace("kind: ModelSpec", "kind: Modelspec"))
    assert [f.rule for d in report.files for f in d.findings] == ["MS104"]


def test_trailing_document_separator_is_not_an_empty_document(tmp_path: Path) -> None:
    path = tmp_path / "x.modelspec.yaml"
    path.write_text(MINIMAL + "---\n")
    assert run_cli("validate", str(path)).returncode == 0
    assert modelspec.load(path).metadata.name == "mistral-7b-instruct"
    assert len(modelspec.load_all(path)) == 1


# -- one pass ------------------------------------------------------------------------------------


def test_every_rule_runs_in_one_pass_on_the_well_formed_parts() -> None:
    text = MINIMAL + (
        "  operations:\n    scaling:\n      minReplicas: 4\n      maxReplicas: 2\n"
        "    serving:\n      port: 010\n      protocl: http\n"
    ).replace("  operations:", "  operations:", 1)
    report = modelspec.validate(text)
    rules = sorted(f.rule for d in report.files for f in d.findings)
    # unknown key (schema), min > max (semantic), octal port (loader trap) in the same run
    assert rules == ["MS101", "MS201", "MS310"], rules


def test_a_malformed_value_is_not_fed_to_the_semantic_rules() -> None:
    text = MINIMAL + "  operations:\n    scaling:\n      minReplicas: four\n      maxReplicas: 2\n"
    rules = [f.rule for d in modelspec.validate(text).files for f in d.findings]
    assert rules == ["MS103"], rules


# -- Python API ----------------------------------------------------------------------------------


def test_validate_reads_text_and_lists() -> None:
    assert modelspec.validate("{}").files[0].path == "<string>"
    report = modelspec.validate([EXAMPLES / "00-minimal.modelspec.yaml", MINIMAL, {"kind": "ModelSpec"}])
    assert [d.valid for d in report.files] == [True, True, False]
    with pytest.raises(TypeError):
        modelspec.validate([3.5])  # type: ignore[list-item]


def test_assignment_is_validated() -> None:
    spec = modelspec.load(EXAMPLES / "00-minimal.modelspec.yaml")
    with pytest.raises(pydantic.ValidationError):
        spec.spec.runtime.accelerator.count = -5
    assert spec.spec.runtime.accelerator.count == 1


def test_one_public_json_schema_equals_the_shipped_file() -> None:
    shipped = json.loads((ROOT / "schema" / SCHEMA_FILE).read_text())
    assert modelspec.json_schema() == shipped
    assert modelspec.json_schema() is not modelspec.json_schema()


def test_a_spec_can_be_built_from_public_models() -> None:
    spec = modelspec.ModelSpec(
        api_version="piqc.ai/v1alpha1", kind="ModelSpec",
        metadata=modelspec.Metadata(name="built-in-code"),
        spec=modelspec.Spec(
            identity=modelspec.Identity(model=modelspec.ModelIdentity(
                id="meta-llama/Meta-Llama-3-8B-Instruct", family="llama", task="chat", framework="vllm")),
            runtime=modelspec.Runtime(accelerator=modelspec.Accelerator(vendor="nvidia", type="l4", count=1)),
        ),
    )
    assert modelspec.loads(spec.to_yaml()) == spec
    assert modelspec.validate(spec.to_dict()).files[0].findings[0].rule == "MS203"  # vllm needs max len


def test_public_entry_points_for_resolve_and_scan() -> None:
    assert callable(modelspec.resolve) and callable(modelspec.resolve.resolve)
    assert callable(modelspec.scan.node) and callable(modelspec.scan.drift)
    assert callable(modelspec.validate) and modelspec.validate.Validator is not None
    assert set(modelspec.__all__) <= set(dir(modelspec))
    for name in modelspec.__all__:
        assert getattr(modelspec, name) is not None
