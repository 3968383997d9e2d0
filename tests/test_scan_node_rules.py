"""Server rules and claims over generated input: total over every spec the schema accepts and every
shape of server facts (known, unknown, defaults, odd values); claims by model name."""

from __future__ import annotations

import json
from typing import Any

import pydantic
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from modelspec.scan.claims import claim
from modelspec.scan.facts import Fact, NodeFacts, ServerFacts, Source
from modelspec.scan.findings import Status
from modelspec.scan.rules import node_findings
from modelspec.scan.rules.server import SERVER_RULES, require
from modelspec.spec.models import ModelSpec

from .conftest import ROOT
from .strategies import from_schema

SCHEMA = json.loads((ROOT / "schema/modelspec.v1alpha1.json").read_text())
SOURCES = [Source.VLLM_ARGS, Source.LAUNCH_ARGS, Source.DEFAULT]
NAMES = [
    "model",
    "served-model-name",
    "tensor-parallel-size",
    "pipeline-parallel-size",
    "data-parallel-size",
    "gpus",
    "max-model-len",
    "max-num-seqs",
    "dtype",
    "quantization",
    "port",
]

values = st.one_of(
    st.none(), st.integers(-3, 10**6), st.text(max_size=12), st.lists(st.text(max_size=8), max_size=3), st.booleans()
)


@st.composite
def facts_of(draw: st.DrawFn) -> Fact:
    if draw(st.booleans()):
        return Fact.unknown(draw(st.sampled_from(SOURCES)), draw(st.text(max_size=20)))
    return Fact(draw(values.filter(lambda v: v is not None)), draw(st.sampled_from(SOURCES)))


@st.composite
def servers(draw: st.DrawFn) -> ServerFacts:
    launch = {name: draw(facts_of()) for name in draw(st.lists(st.sampled_from(NAMES), unique=True))}
    gpus = draw(
        st.one_of(
            st.just(Fact.unknown(Source.NVML, "NVML down")),
            st.builds(lambda xs: Fact(sorted(set(xs)), Source.NVML), st.lists(st.integers(0, 7), max_size=8)),
        )
    )
    http = draw(st.dictionaries(st.sampled_from(["models", "max_model_len", "metrics"]), facts_of(), max_size=3))
    u = Fact.unknown(Source.PSUTIL, "not a pod")
    return ServerFacts(
        draw(st.integers(1, 4_000_000)),
        draw(st.sampled_from(["vllm", "tgi", "sglang"])),
        launch,
        gpus,
        Fact({}, Source.NVML),
        u,
        u,
        u,
        http,
    )


def _node(server_list: list[ServerFacts]) -> NodeFacts:
    u = Fact.unknown(Source.NVML, "not read")
    return NodeFacts("host", u, u, [], None, u, u, u, u, "/tmp", server_list, "searched 3 processes")


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(from_schema(SCHEMA), st.lists(servers(), max_size=3), st.booleans())
def test_server_rules_are_total(doc: dict[str, Any], server_list: list[ServerFacts], required: bool) -> None:
    try:
        spec = ModelSpec.model_validate(doc)
    except pydantic.ValidationError:
        assume(False)
        return
    found = list(node_findings(spec, _node(server_list)))
    if required:
        found = require(found)
    for f in found:
        assert f.field.startswith("/spec/") and f.rule is not None
        json.dumps(f.to_dict(), default=str)
    server_found = [f for f in found if f.rule in SERVER_RULES]
    if not server_list:
        want = Status.MISSING if required else Status.UNKNOWN
        assert server_found and all(f.status is want for f in server_found)
    else:
        labels = {s.label for s in server_list}
        assert all(f.workload in labels for f in server_found)


def _spec(model_uri: str, model_id: str = "chat-model", name: str = "my-service") -> ModelSpec:
    doc = {
        "apiVersion": "piqc.ai/v1alpha1",
        "kind": "ModelSpec",
        "metadata": {"name": name},
        "spec": {
            "identity": {
                "model": {
                    "id": model_id,
                    "family": "f",
                    "task": "chat",
                    "framework": "vllm",
                    "artifacts": {"modelUri": model_uri},
                }
            },
            "runtime": {"accelerator": {"vendor": "nvidia", "type": "h100", "count": 1}},
        },
    }
    return ModelSpec.model_validate(doc)


def _server(model: str, served: list[str] | None = None) -> ServerFacts:
    launch = {"model": Fact(model, Source.VLLM_ARGS)}
    if served:
        launch["served-model-name"] = Fact(served, Source.VLLM_ARGS)
    u = Fact.unknown(Source.PSUTIL, "x")
    return ServerFacts(42, "vllm", launch, Fact([0], Source.NVML), Fact({}, Source.NVML), u, u, u)


segment = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", min_size=1, max_size=20)


@given(segment, segment, st.sampled_from(["", "@main", "@7129260"]), segment)
def test_claims_by_model_name_in_every_spelling(org: str, name: str, rev: str, other: str) -> None:
    assume(name not in (".", "..") and other.lower() != name.lower())
    spec = _spec(f"hf://{org}/{name}{rev}")
    for server in (_server(f"{org}/{name}"), _server(f"/models/{name}"), _server(f"/mnt/{other}", [name.upper()])):
        assert claim([spec], [server]).by_spec[0] == [server]
    stranger = _server(f"{org}-x/{other}")
    assume(other.lower() not in {"chat-model", "my-service"})
    assert claim([spec], [stranger]).unclaimed == [stranger]
