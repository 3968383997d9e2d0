"""Drift rules at cluster scope: one workload's Kubernetes and vLLM facts against its spec.

Every finding names its evidence in ``source`` (k8s, vllm-args, vllm-http, default, inferred)
and the workload it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..spec.accelerators import canonical_type
from ..spec.vocab import canonical_precision
from ..validate.findings import Severity
from .cluster import WorkloadFacts
from .drift import DriftFinding, Status, _get, verdict
from .facts import Fact
from .vllm_args import precision_of


class _Emit:
    def __init__(self, workload: str) -> None:
        self.workload = workload

    def __call__(
        self, field: str, declared: Any, observed: Any, status: Status, severity: Severity, source: str, message: str
    ) -> DriftFinding:
        return DriftFinding(field, declared, observed, status, severity, source, message, self.workload)

    def verdict(
        self, field: str, declared: Any, observed: Any, ok: bool, severity: Severity, source: str, message: str
    ) -> DriftFinding:
        """A match (info) when ``ok``, else a drift at ``severity``."""
        return verdict(field, declared, observed, ok, severity, source, message, self.workload)

    def compare(
        self, field: str, declared: Any, fact: Fact, what: str, severity: Severity = Severity.ERROR, equal: Any = None
    ) -> DriftFinding:
        if not fact.known:
            return self(
                field, declared, None, Status.UNKNOWN, Severity.INFO, fact.source.value, f"{what}: {fact.reason}"
            )
        same = equal(declared, fact.value) if equal else declared == fact.value
        default = " (vLLM default)" if fact.source.value == "default" else ""
        if same:
            return self(
                field,
                declared,
                fact.value,
                Status.MATCH,
                Severity.INFO,
                fact.source.value,
                f"{what} is {fact.value}{default}",
            )
        return self(
            field,
            declared,
            fact.value,
            Status.DRIFT,
            severity,
            fact.source.value,
            f"{what} is {fact.value}{default}, spec declares {declared}",
        )


def rules(doc: dict[str, Any], w: WorkloadFacts) -> Iterator[DriftFinding]:
    emit = _Emit(w.id)
    acc = _get(doc, "spec.runtime.accelerator") or {}
    launch = w.launch

    # accelerator count: GPU limit and tensor × pipeline parallel size
    count = acc.get("count")
    if isinstance(count, int):
        yield emit.compare(
            "/spec/runtime/accelerator/count",
            count,
            w.resources["gpu"],
            "GPU limit",
            equal=lambda a, b: float(a) == float(b),
        )
        if launch.is_vllm:
            tp, pp = launch.get("tensor-parallel-size"), launch.get("pipeline-parallel-size")
            if tp.known and pp.known:
                product = int(tp.value) * int(pp.value)
                src = "default" if tp.source.value == "default" and pp.source.value == "default" else "vllm-args"
                ok = product == count
                yield emit.verdict(
                    "/spec/runtime/accelerator/count",
                    count,
                    product,
                    ok,
                    Severity.ERROR,
                    src,
                    f"tensor-parallel {tp.value} × pipeline-parallel {pp.value} = {product} GPUs in use"
                    + ("" if ok else f", spec declares {count}"),
                )
            else:
                yield emit(
                    "/spec/runtime/accelerator/count",
                    count,
                    None,
                    Status.UNKNOWN,
                    Severity.INFO,
                    "vllm-args",
                    f"parallel size unknown: {tp.reason or pp.reason}",
                )

    # accelerator type from the node's GPU Feature Discovery label
    declared_type = acc.get("type")
    if declared_type:
        accepted = {canonical_type(str(t)) for t in [declared_type, *(acc.get("alternatives") or [])]} - {None}
        g = w.node_gpu
        if not g.known:
            yield emit(
                "/spec/runtime/accelerator/type",
                declared_type,
                None,
                Status.UNKNOWN,
                Severity.INFO,
                "k8s",
                f"GPU type: {g.reason}",
            )
        else:
            observed = g.value.get("type")
            product = g.value.get("product")
            if g.value.get("mixed") or observed is None:
                yield emit(
                    "/spec/runtime/accelerator/type",
                    declared_type,
                    product,
                    Status.UNKNOWN,
                    Severity.WARNING,
                    g.source.value,
                    f"node GPU product {product} not recognised or mixed",
                )
            elif observed in accepted and g.value.get("migProfile"):
                yield emit(
                    "/spec/runtime/accelerator/type",
                    declared_type,
                    f"{observed} MIG {g.value['migProfile']}",
                    Status.DRIFT,
                    Severity.WARNING,
                    g.source.value,
                    f"pods run on MIG slices {g.value['migProfile']} of {product}, not whole GPUs",
                )
            elif observed in accepted:
                yield emit(
                    "/spec/runtime/accelerator/type",
                    declared_type,
                    observed,
                    Status.MATCH,
                    Severity.INFO,
                    g.source.value,
                    f"node label nvidia.com/gpu.product={product}",
                )
            else:
                yield emit(
                    "/spec/runtime/accelerator/type",
                    declared_type,
                    observed,
                    Status.DRIFT,
                    Severity.ERROR,
                    g.source.value,
                    f"pods run on {product} ({observed}), spec declares {declared_type}",
                )

    if launch.is_vllm:
        # sequence length: the live server's answer beats the arguments
        max_len = _get(doc, "spec.runtime.batch.maxSequenceLengthTokens")
        if isinstance(max_len, int):
            live = w.http.get("max_model_len")
            fact = live if live is not None and live.known else launch.get("max-model-len")
            yield emit.compare("/spec/runtime/batch/maxSequenceLengthTokens", max_len, fact, "max_model_len")
        batch = _get(doc, "spec.runtime.batch.maxBatchSize")
        if isinstance(batch, int):
            yield emit.compare("/spec/runtime/batch/maxBatchSize", batch, launch.get("max-num-seqs"), "--max-num-seqs")
        precision = _get(doc, "spec.identity.model.precision")
        if isinstance(precision, str):
            implied = precision_of(launch.get("dtype"), launch.get("quantization"))
            declared = canonical_precision(precision) or precision
            src = (
                "vllm-args"
                if "vllm-args" in (launch.get("dtype").source.value, launch.get("quantization").source.value)
                else "default"
            )
            if implied is None:
                yield emit(
                    "/spec/identity/model/precision",
                    precision,
                    launch.get("dtype").value,
                    Status.UNKNOWN,
                    Severity.INFO,
                    src,
                    "--dtype auto: the checkpoint's torch_dtype decides",
                )
            else:
                ok = implied == declared or (declared.startswith("fp8") and implied == "fp8")
                yield emit.verdict(
                    "/spec/identity/model/precision",
                    precision,
                    implied,
                    ok,
                    Severity.ERROR,
                    src,
                    f"--dtype {launch.get('dtype').value} --quantization {launch.get('quantization').value}"
                    f" means {implied}",
                )
        port = _get(doc, "spec.operations.serving.port")
        if isinstance(port, int):
            yield emit.compare("/spec/operations/serving/port", port, launch.get("port"), "--port")
    port = _get(doc, "spec.operations.serving.port")
    if isinstance(port, int) and w.ports.known:
        ok = port in w.ports.value
        yield emit.verdict(
            "/spec/operations/serving/port",
            port,
            w.ports.value,
            ok,
            Severity.WARNING,
            "k8s",
            f"containerPorts {w.ports.value}" + ("" if ok else f" do not include {port}"),
        )

    # probes
    for key, probe_name in (("readinessProbe", "readiness"), ("livenessProbe", "liveness")):
        declared_probe = _get(doc, f"spec.operations.serving.{key}") or {}
        fact = w.probes[probe_name]
        for attr in ("path", "timeoutSeconds"):
            if attr not in declared_probe:
                continue
            field = f"/spec/operations/serving/{key}/{attr}"
            if not fact.known:
                yield emit(
                    field,
                    declared_probe[attr],
                    None,
                    Status.MISSING,
                    Severity.WARNING,
                    "k8s",
                    f"container has no {probe_name} probe",
                )
                continue
            observed = fact.value.get(attr)
            ok = observed == declared_probe[attr]
            yield emit.verdict(
                field,
                declared_probe[attr],
                observed,
                ok,
                Severity.WARNING,
                "k8s",
                f"{probe_name} probe {attr} is {observed}",
            )

    yield from _scaling(doc, w, emit)
    yield from _resources(doc, w, emit)

    # environment: names only
    declared_env = sorted((_get(doc, "spec.runtime.environment.variables") or {}).keys())
    if declared_env:
        if not w.env_names.known:
            yield emit(
                "/spec/runtime/environment/variables",
                declared_env,
                None,
                Status.UNKNOWN,
                Severity.INFO,
                "k8s",
                w.env_names.reason or "",
            )
        else:
            missing = [n for n in declared_env if n not in w.env_names.value]
            via = " (some names come from envFrom, which is not read)" if "envFrom" in (w.env_names.unit or "") else ""
            if missing:
                yield emit(
                    "/spec/runtime/environment/variables",
                    declared_env,
                    w.env_names.value,
                    Status.MISSING,
                    Severity.WARNING,
                    "k8s",
                    f"declared variables not set on the container: {', '.join(missing)}{via}",
                )
            else:
                yield emit(
                    "/spec/runtime/environment/variables",
                    declared_env,
                    w.env_names.value,
                    Status.MATCH,
                    Severity.INFO,
                    "k8s",
                    "every declared variable name is set (values not read)",
                )

    # live behaviour (only with --probe-http)
    if w.http:
        target = _get(doc, "spec.operations.scaling.targetLatencyMsP95")
        p95 = w.http.get("latency_p95")
        if isinstance(target, (int, float)) and p95 is not None:
            if not p95.known:
                yield emit(
                    "/spec/operations/scaling/targetLatencyMsP95",
                    target,
                    None,
                    Status.UNKNOWN,
                    Severity.INFO,
                    "vllm-http",
                    f"p95 latency: {p95.reason}",
                )
            else:
                ok = p95.value <= target
                yield emit.verdict(
                    "/spec/operations/scaling/targetLatencyMsP95",
                    target,
                    p95.value,
                    ok,
                    Severity.WARNING,
                    "vllm-http",
                    f"observed p95 {p95.value} {p95.unit}",
                )
        enabled = _get(doc, "spec.operations.observability.metrics.enabled")
        metrics = w.http.get("metrics")
        if enabled is True and metrics is not None:
            ok = metrics.known
            yield emit.verdict(
                "/spec/operations/observability/metrics/enabled",
                True,
                bool(metrics.value),
                ok,
                Severity.ERROR,
                "vllm-http",
                "/metrics answers" if ok else f"/metrics not reachable: {metrics.reason}",
            )


def _scaling(doc: dict[str, Any], w: WorkloadFacts, emit: _Emit) -> Iterator[DriftFinding]:
    lo = _get(doc, "spec.operations.scaling.minReplicas")
    hi = _get(doc, "spec.operations.scaling.maxReplicas")
    if lo is None and hi is None:
        return
    a = w.autoscaler
    if not a.known:
        for field, value in (("minReplicas", lo), ("maxReplicas", hi)):
            if value is not None:
                yield emit(
                    f"/spec/operations/scaling/{field}",
                    value,
                    None,
                    Status.UNKNOWN,
                    Severity.INFO,
                    "k8s",
                    f"autoscaling unknown: {a.reason}",
                )
        return
    if a.value.get("present"):
        for field, value in (("minReplicas", lo), ("maxReplicas", hi)):
            if value is None:
                continue
            observed = a.value.get(field)
            ok = observed == value
            yield emit.verdict(
                f"/spec/operations/scaling/{field}",
                value,
                observed,
                ok,
                Severity.ERROR,
                "k8s",
                f"HPA {a.value['name']} {field} is {observed}",
            )
        return
    replicas = w.replicas.value
    for field, value in (("minReplicas", lo), ("maxReplicas", hi)):
        if value is None:
            continue
        ok = replicas == value and (lo is None or hi is None or lo == hi)
        message = f"no HPA: {w.kind} is fixed at {replicas} replicas"
        if lo is not None and hi is not None and lo != hi:
            message += f", spec expects autoscaling {lo}–{hi}"
        yield emit.verdict(
            f"/spec/operations/scaling/{field}",
            value,
            replicas,
            ok,
            Severity.WARNING,
            w.replicas.source.value,
            message,
        )


def _resources(doc: dict[str, Any], w: WorkloadFacts, emit: _Emit) -> Iterator[DriftFinding]:
    res = _get(doc, "spec.runtime.resources") or {}
    for key, fact_key, scale, unit in (
        ("cpuCores", "cpu", 1.0, "cores"),
        ("memoryGb", "memory", 1e9, "GB"),
        ("ephemeralStorageGb", "ephemeralStorage", 1e9, "GB"),
    ):
        declared = res.get(key)
        if not isinstance(declared, (int, float)) or declared <= 0:
            continue
        fact = w.resources[fact_key]
        field = f"/spec/runtime/resources/{key}"
        if not fact.known:
            yield emit(
                field,
                declared,
                None,
                Status.MISSING,
                Severity.WARNING,
                "k8s",
                f"container requests no {fact_key}: the scheduler will not reserve {declared:g} {unit}",
            )
            continue
        observed = round(fact.value / scale, 2)
        ok = observed >= declared * 0.95
        yield emit.verdict(
            field,
            declared,
            observed,
            ok,
            Severity.ERROR,
            "k8s",
            f"requests {observed:g} {unit}, spec declares {declared:g}",
        )
