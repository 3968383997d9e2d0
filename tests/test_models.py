"""Typed models: attribute access, aliases, round trips, and agreement with the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import modelspec
from modelspec.spec.models import ModelSpec
from modelspec.spec.schema import bundled, committed_files

from .conftest import EXAMPLES, ROOT

ALL_EXAMPLES = sorted(p for p in EXAMPLES.rglob("*") if p.suffix in (".yaml", ".json"))


def test_load_full_production_typed() -> None:
    spec = modelspec.load(EXAMPLES / "08-full-production.modelspec.yaml")
    assert isinstance(spec, ModelSpec)
    assert spec.api_version == "piqc.ai/v1alpha1"
    assert spec.metadata.name == "llama-3-70b-chat"
    acc = spec.spec.runtime.accelerator
    assert (acc.vendor, acc.type, acc.count) == ("nvidia", "h100", 4)
    assert spec.spec.runtime.batch is not None and spec.spec.runtime.batch.max_sequence_length_tokens == 8192
    scaling = spec.spec.operations.scaling  # type: ignore[union-attr]
    assert scaling is not None and scaling.target_latency_ms_p95 == 4000
    cost = spec.spec.governance.cost  # type: ignore[union-attr]
    assert cost is not None and cost.target_cost_per_1k_tokens_usd == 0.004
    assert spec.spec.pipeline.dependencies[0].spec_ref == "dependencies/llama-guard.modelspec.yaml"  # type: ignore[union-attr,index]


def test_snake_case_and_camel_case_both_accepted() -> None:
    camel = {"vendor": "nvidia", "type": "h100", "count": 1, "memoryGb": 80}
    snake = {"vendor": "nvidia", "type": "h100", "count": 1, "memory_gb": 80}
    from modelspec.spec.models import Accelerator

    assert Accelerator.model_validate(camel) == Accelerator.model_validate(snake)
    assert Accelerator.model_validate(snake).model_dump(by_alias=True, exclude_none=True)["memoryGb"] == 80


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: p.name)
def test_round_trip_every_example(path: Path) -> None:
    spec = modelspec.load(path)
    again = modelspec.loads(spec.to_yaml())
    assert again == spec
    dumped = spec.to_dict()
    original = yaml.safe_load(path.read_text()) if path.suffix != ".json" else json.loads(path.read_text())
    assert dumped == original  # camelCase wire names, nothing added, nothing lost
    assert modelspec.loads(spec.to_json()) == spec


def test_dump_omits_unset_fields() -> None:
    spec = modelspec.load(EXAMPLES / "00-minimal.modelspec.yaml")
    text = spec.to_yaml()
    assert "operations" not in text and "null" not in text
    assert "maxBatchSize" not in text


def test_load_raises_with_location() -> None:
    with pytest.raises(modelspec.SpecLoadError) as info:
        modelspec.load(ROOT / "tests/data/invalid/unknown-key-typo.yaml")
    assert "unknown-key-typo.yaml:13:3: MS102" in str(info.value)
    assert len(info.value.findings) == 2


def test_load_all_multi_document(tmp_path: Path) -> None:
    one = (EXAMPLES / "00-minimal.modelspec.yaml").read_text()
    f = tmp_path / "two.yaml"
    f.write_text(one + "---\n" + one.replace("mistral-7b-instruct\n", "second\n", 1))
    specs = modelspec.load_all(f)
    assert [s.metadata.name for s in specs] == ["mistral-7b-instruct", "second"]


def test_explicit_null_rejected_by_models_as_by_schema() -> None:
    from pydantic import ValidationError

    from modelspec.spec.models import Batch

    with pytest.raises(ValidationError):
        Batch.model_validate({"maxBatchSize": None})


def test_committed_schema_matches_models(root: Path) -> None:
    """The schema files are generated from the models; regenerate with tooling/generate.py."""
    for rel, text in committed_files().items():
        assert (root / rel).read_text() == text, f"{rel} is stale: run python tooling/generate.py"


def test_schema_is_draft_2020_12_and_closed() -> None:
    import jsonschema

    schema = bundled()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties") is False
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema)


def test_public_v01_fields_still_accepted() -> None:
    """Facts of the public v0.1 schema: these paths exist with these types, required sets, enums."""
    schema = bundled()
    defs = schema["$defs"]

    def prop(path: str) -> dict[str, object]:
        node: dict[str, object] = schema
        for part in path.split("."):
            while "$ref" in node:
                node = defs[str(node["$ref"]).rsplit("/", 1)[1]]
            if node.get("type") == "array":
                node = node["items"]  # type: ignore[assignment]
                while "$ref" in node:
                    node = defs[str(node["$ref"]).rsplit("/", 1)[1]]
            node = node["properties"][part]  # type: ignore[index]
        while "$ref" in node:
            node = defs[str(node["$ref"]).rsplit("/", 1)[1]]
        return node

    v01 = {
        "metadata.name": "string",
        "metadata.labels": "object",
        "spec.identity.model.id": "string",
        "spec.identity.model.precision": "string",
        "spec.identity.model.artifacts.modelUri": "string",
        "spec.runtime.accelerator.count": "integer",
        "spec.runtime.batch.maxBatchSize": "integer",
        "spec.runtime.resources.cpuCores": "integer",
        "spec.runtime.resources.memoryGb": "number",
        "spec.runtime.environment.variables": "object",
        "spec.operations.serving.port": "integer",
        "spec.operations.serving.readinessProbe.timeoutSeconds": "integer",
        "spec.operations.scaling.targetLatencyMsP95": "number",
        "spec.operations.scaling.warmPool.strategy": "string",
        "spec.operations.observability.metrics.enabled": "boolean",
        "spec.pipeline.preprocess.steps.enabled": "boolean",
        "spec.pipeline.dependencies.interface.maxLatencyMs": "number",
        "spec.pipeline.dependencies.required": "boolean",
        "spec.governance.compliance.retention.logsDays": "integer",
        "spec.governance.compliance.governance.owner": "string",
        "spec.governance.cost.targetCostPer1kTokensUsd": "number",
        "spec.governance.cost.pricingHints.spotAllowed": "boolean",
    }
    for path, typ in v01.items():
        assert prop(path)["type"] == typ, path
    assert prop("spec.operations.serving.protocol")["enum"] == ["http", "grpc"]
    assert prop("spec.operations.scaling.strategy")["enum"] == ["reactive", "predictive", "manual"]
    assert prop("spec.pipeline.dependencies.role")["enum"] == [
        "input",
        "guardrail",
        "reranker",
        "postprocess",
        "custom",
    ]
    assert schema["required"] == ["apiVersion", "kind", "metadata", "spec"]
    assert defs["Spec"]["required"] == ["identity", "runtime"]
    assert defs["ModelIdentity"]["required"] == ["id", "family", "task", "framework"]
    assert defs["Accelerator"]["required"] == ["vendor", "type", "count"]
    assert defs["Dependency"]["required"] == ["id", "role"]


def test_every_model_is_a_public_name_of_the_package() -> None:
    import modelspec
    from modelspec.spec import models

    exported = set(models.__all__) - {"API_VERSION", "KIND"}
    assert exported <= set(modelspec.__all__)
    assert all(getattr(modelspec, name) is getattr(models, name) for name in exported)
