"""Node drift rules for the model server itself (MS420–MS429): the spec against the launch flags of
the servers that serve it on this node (``NodeFacts.servers``), the GPUs NVML says they hold and,
with ``--probe-http``, their live ``/v1/models`` and ``/metrics``.

``NodeFacts.servers`` holds the servers the spec claims (see :mod:`..node_report`). No server →
each rule is ``unknown`` naming what was searched, so a pre-flight check of a fresh node still
works; ``--require-server`` turns those into ``missing`` errors (:func:`require`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from ...spec.models import ModelSpec
from ...spec.vocab import canonical_precision
from ...validate.findings import Severity
from ..claims import launch_names, server_names, spec_names
from ..facts import Fact, NodeFacts, ServerFacts
from ..findings import DriftFinding, Status
from ..precision import precision_of
from .base import compare, node_rule, unknown, verdict

_E, _W = Severity.ERROR, Severity.WARNING
NO_SERVER = "no model server found"
SERVER_RULES: list[str] = []


Check = Callable[[ModelSpec, ServerFacts, Any], Iterator[DriftFinding]]


def _server_rule(
    rule_id: str,
    pointer: str,
    source: str,
    severity: Severity,
    title: str,
    remediation: str,
    declared: Callable[[ModelSpec], Any],
) -> Callable[[Check], None]:
    """Register a rule over each server the spec claims, for specs that declare the field
    (``declared`` returns None otherwise); no server → one ``unknown`` saying what was searched."""

    def wrap(check: Check) -> None:
        def over_servers(spec: ModelSpec, f: NodeFacts) -> Iterator[DriftFinding]:
            value = declared(spec)
            if value is None:
                return
            if not f.servers:
                yield unknown(pointer, value, "psutil", f"{NO_SERVER} ({f.server_search})")
            for server in f.servers:
                for finding in check(spec, server, value):
                    yield dataclasses.replace(finding, workload=finding.workload or server.label)

        node_rule(rule_id, pointer, source, severity, title, remediation)(over_servers)
        SERVER_RULES.append(rule_id)

    return wrap


def require(findings: list[DriftFinding]) -> list[DriftFinding]:
    """``--require-server``: the no-server unknowns of the server rules become missing errors."""
    return [
        dataclasses.replace(f, status=Status.MISSING, severity=_E)
        if f.rule in SERVER_RULES and f.status is Status.UNKNOWN and f.message.startswith(NO_SERVER)
        else f
        for f in findings
    ]


def _label(s: ServerFacts, text: str) -> str:
    return f"{s.label}: {text}"


@_server_rule(
    "MS420",
    "/spec/runtime/accelerator/count",
    "vllm-args",
    _E,
    "server parallelism: tensor × pipeline × data parallel size equals the declared count",
    "Restart the server with parallel sizes whose product is the declared accelerator count, or fix the spec.",
    lambda spec: spec.spec.runtime.accelerator.count,
)
def _parallel(spec: ModelSpec, s: ServerFacts, declared: int) -> Iterator[DriftFinding]:
    pointer = "/spec/runtime/accelerator/count"
    gpus = s.launch.get("gpus") or Fact.unknown(s.gpus.source, f"{s.engine} parallel sizes not read")
    if not gpus.known:
        yield unknown(pointer, declared, gpus.source.value, _label(s, f"GPUs in use: {gpus.reason}"))
        return
    sizes = " × ".join(
        f"{k} {s.launch[f'{k}-parallel-size'].value}"
        for k in ("tensor", "pipeline", "data")
        if f"{k}-parallel-size" in s.launch and s.launch[f"{k}-parallel-size"].known
    )
    ok = gpus.value == declared
    tail = "" if ok else f", spec declares {declared}"
    yield verdict(
        pointer, declared, gpus.value, ok, _E, gpus.source.value, _label(s, f"{sizes} = {gpus.value} GPUs{tail}")
    )


@_server_rule(
    "MS421",
    "/spec/runtime/accelerator/count",
    "nvml",
    _E,
    "GPUs the server holds (NVML compute processes of the server and its workers) equal the declared count",
    "Check CUDA_VISIBLE_DEVICES and the parallel sizes of the server; a server holding fewer GPUs than "
    "declared may have lost workers.",
    lambda spec: spec.spec.runtime.accelerator.count,
)
def _held(spec: ModelSpec, s: ServerFacts, declared: int) -> Iterator[DriftFinding]:
    pointer = "/spec/runtime/accelerator/count"
    if not s.gpus.known:
        yield unknown(pointer, declared, "nvml", _label(s, f"GPUs held: {s.gpus.reason}"))
        return
    held = len(s.gpus.value)
    ok = held == declared
    severity = _E if held < declared else _W
    text = f"holds GPU(s) {s.gpus.value or 'none'}" + ("" if ok else f", spec declares {declared} per replica")
    yield verdict(pointer, declared, held, ok, severity, "nvml", _label(s, text))


def _serving_port(spec: ModelSpec) -> int | None:
    serving = spec.spec.operations.serving if spec.spec.operations else None
    return serving.port if serving else None


def _metrics_declared(spec: ModelSpec) -> bool | None:
    obs = spec.spec.operations.observability if spec.spec.operations else None
    return True if obs and obs.metrics and obs.metrics.enabled else None


def _batch_value(spec: ModelSpec, attr: str) -> int | None:
    batch = spec.spec.runtime.batch
    value = getattr(batch, attr) if batch else None
    return value if isinstance(value, int) else None


@_server_rule(
    "MS422",
    "/spec/runtime/batch/maxSequenceLengthTokens",
    "vllm-args",
    _E,
    "server max model length (live /v1/models, else the launch flag) equals the declared one",
    "Set --max-model-len (or the engine's equivalent) to the declared maxSequenceLengthTokens.",
    lambda spec: _batch_value(spec, "max_sequence_length_tokens"),
)
def _max_len(spec: ModelSpec, s: ServerFacts, declared: int) -> Iterator[DriftFinding]:
    live = s.http.get("max_model_len")
    fact = live if live is not None and live.known else s.launch.get("max-model-len")
    yield _compare("/spec/runtime/batch/maxSequenceLengthTokens", declared, fact, s, "max model length")


@_server_rule(
    "MS423",
    "/spec/runtime/batch/maxBatchSize",
    "vllm-args",
    _E,
    "server max concurrent sequences (--max-num-seqs) equal the declared maxBatchSize",
    "Set --max-num-seqs (or the engine's equivalent) to the declared maxBatchSize.",
    lambda spec: _batch_value(spec, "max_batch_size"),
)
def _batch(spec: ModelSpec, s: ServerFacts, declared: int) -> Iterator[DriftFinding]:
    yield _compare("/spec/runtime/batch/maxBatchSize", declared, s.launch.get("max-num-seqs"), s, "max-num-seqs")


def _compare(pointer: str, declared: int, fact: Fact | None, s: ServerFacts, what: str) -> DriftFinding:
    if fact is None:
        return unknown(pointer, declared, "psutil", _label(s, f"{what}: {s.engine} flag not read"))
    found = compare(pointer, declared, fact, what)
    return dataclasses.replace(found, message=_label(s, found.message))


@_server_rule(
    "MS424",
    "/spec/identity/model/precision",
    "vllm-args",
    _E,
    "the precision the server's --dtype / --quantization imply equals the declared precision",
    "Launch the server with the matching --dtype or --quantization.",
    lambda spec: spec.spec.identity.model.precision,
)
def _precision(spec: ModelSpec, s: ServerFacts, declared: str) -> Iterator[DriftFinding]:
    pointer = "/spec/identity/model/precision"
    dtype = s.launch.get("dtype") or Fact.unknown(s.gpus.source, "not read")
    quant = s.launch.get("quantization") or Fact.unknown(s.gpus.source, "not read")
    implied = precision_of(dtype, quant)
    source = "default" if dtype.source.value == quant.source.value == "default" else dtype.source.value
    if implied is None:
        why = f"--dtype {dtype.value}: the checkpoint's torch_dtype decides" if dtype.known else str(dtype.reason)
        yield unknown(pointer, declared, source, _label(s, why), observed=dtype.value)
        return
    want = canonical_precision(declared) or declared
    ok = implied == want or (want.startswith("fp8") and implied == "fp8")
    yield verdict(pointer, declared, implied, ok, _E, source, _label(s, f"launch flags imply {implied}"))


@_server_rule(
    "MS425",
    "/spec/operations/serving/port",
    "vllm-args",
    _E,
    "the server's --port equals the declared serving port",
    "Start the server with --port set to the declared port (or fix the spec).",
    _serving_port,
)
def _port(spec: ModelSpec, s: ServerFacts, declared: int) -> Iterator[DriftFinding]:
    yield _compare("/spec/operations/serving/port", declared, s.launch.get("port"), s, "port")


@_server_rule(
    "MS426",
    "/spec/identity/model/id",
    "vllm-args",
    _E,
    "the server serves the spec's model (launch flags; live /v1/models with --probe-http)",
    "Serve the declared model, or check the node against the spec of the model that runs.",
    lambda spec: spec.spec.identity.model.id,
)
def _model(spec: ModelSpec, s: ServerFacts, declared: str) -> Iterator[DriftFinding]:
    pointer = "/spec/identity/model/id"
    live = s.http.get("models")
    if live is None:
        names = launch_names(s)
        ok = bool(server_names(s) & spec_names(spec))
        source = next((f.source.value for k in ("model", "served-model-name") if (f := s.launch.get(k))), "psutil")
        text = f"serves {', '.join(names) or 'an unnamed model'} (launch flags)"
        yield verdict(pointer, declared, names[0] if names else None, ok, _E, source, _label(s, text))
    elif not live.known:
        yield unknown(pointer, declared, "vllm-http", _label(s, f"/v1/models: {live.reason}"))
    else:
        ok = bool(server_names(s) & spec_names(spec))
        yield verdict(pointer, declared, live.value, ok, _E, "vllm-http", _label(s, f"/v1/models lists {live.value}"))


@_server_rule(
    "MS427",
    "/spec/operations/observability/metrics/enabled",
    "vllm-http",
    _W,
    "with --probe-http, the server's /metrics answers on loopback when metrics are declared",
    "Expose /metrics on the server (vLLM serves it on its API port); an unreachable server is unknown, "
    "never 'disabled'.",
    _metrics_declared,
)
def _metrics(spec: ModelSpec, s: ServerFacts, declared: bool) -> Iterator[DriftFinding]:
    pointer, fact = "/spec/operations/observability/metrics/enabled", s.http.get("metrics")
    if fact is None:
        yield unknown(pointer, True, "vllm-http", _label(s, "/metrics not probed (use --probe-http)"))
    elif fact.known:
        yield verdict(pointer, True, True, True, _W, "vllm-http", _label(s, "/metrics answers on the server port"))
    elif "answered HTTP 404" in (fact.reason or ""):
        yield verdict(pointer, True, False, False, _W, "vllm-http", _label(s, str(fact.reason)))
    else:
        yield unknown(pointer, True, "vllm-http", _label(s, f"/metrics unreachable: {fact.reason}"))
