"""Cluster drift rules (MS5xx): one workload's Kubernetes and launch facts against its spec.

Every finding names its evidence in ``source`` (k8s, vllm-args, launch-args, vllm-http, default,
inferred); the runner adds the workload id.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...spec.accelerators import canonical_type
from ...spec.engine_flags import ENGINE_ALIASES
from ...spec.models import ModelSpec
from ...spec.vocab import canonical_precision
from ...validate.findings import Severity
from ..facts import WorkloadFacts
from ..findings import DriftFinding
from ..launch import NO_HTTP
from ..precision import precision_of
from .base import cluster_rule, compare, drifted, match, missing, unknown, verdict

_ACC = "/spec/runtime/accelerator"
_E, _W = Severity.ERROR, Severity.WARNING


def _no_server(pointer: str, declared: object, w: WorkloadFacts) -> DriftFinding:
    """A declared field the launch command would tell, when no server invocation was found."""
    why = "; ".join(e["detail"] for e in w.detection.get("evidence", [])[:2]) or "no container"
    return unknown(pointer, declared, "k8s", f"no model server command found in the pod ({why})")


@cluster_rule(
    "MS501",
    f"{_ACC}/count",
    "k8s",
    _E,
    "GPUs per replica: GPU limit per pod × pods per replica",
    "Set limits nvidia.com/gpu (or amd.com/gpu) so each replica gets the declared accelerators.",
)
def _gpu_limit(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    count = spec.spec.runtime.accelerator.count
    gpu, pods = w.resources["gpu"], w.pods_per_replica
    per_replica = w.resources.get("replicaGpu", gpu)
    pointer = f"{_ACC}/count"
    if not per_replica.known:
        yield unknown(pointer, count, per_replica.source.value, f"GPU limit: {per_replica.reason}")
        return
    multi = isinstance(pods.value, int) and pods.value > 1
    how = f"GPU limit {gpu.value}" + (
        f" per pod, {per_replica.value} over {pods.value} pods per replica" if multi else ""
    )
    ok = float(per_replica.value) == float(count)
    yield verdict(pointer, count, per_replica.value, ok, _E, "k8s", how + ("" if ok else f", spec declares {count}"))


@cluster_rule(
    "MS502",
    f"{_ACC}/count",
    "vllm-args",
    _E,
    "GPUs the server uses: tensor × pipeline × data parallel",
    "Make --tensor-parallel-size × --pipeline-parallel-size × --data-parallel-size equal the count.",
)
def _parallel(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    count = spec.spec.runtime.accelerator.count
    if not w.launch.is_server:
        yield _no_server(f"{_ACC}/count", count, w)
        return
    gpus = w.launch.get("gpus")
    pointer = f"{_ACC}/count"
    if not gpus.known:
        yield unknown(pointer, count, gpus.source.value, gpus.reason or "parallel sizes unknown")
        return
    parts = [
        f"{n.split('-')[0]} {w.launch.get(n).value}"
        for n in ("tensor-parallel-size", "pipeline-parallel-size", "data-parallel-size")
        if w.launch.get(n).known
    ]
    ok = gpus.value == count
    yield verdict(
        pointer,
        count,
        gpus.value,
        ok,
        _E,
        gpus.source.value,
        f"{' × '.join(parts)} = {gpus.value} GPUs in use" + ("" if ok else f", spec declares {count}"),
    )


@cluster_rule(
    "MS503",
    f"{_ACC}/type",
    "k8s",
    _E,
    "GPU type of the nodes the pods run on",
    "Pin the pods to the declared GPU (nodeSelector/affinity), or list the type in alternatives.",
)
def _gpu_type(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    acc = spec.spec.runtime.accelerator
    accepted = {canonical_type(t) for t in [acc.type, *(acc.alternatives or [])]} - {None}
    g, pointer = w.node_gpu, f"{_ACC}/type"
    if not g.known:
        yield unknown(pointer, acc.type, g.source.value, f"GPU type: {g.reason}")
        return
    observed, product = g.value.get("type"), g.value.get("product")
    label = g.value.get("label") or "nvidia.com/gpu.product"
    if g.value.get("mixed") or observed is None:
        yield unknown(pointer, acc.type, g.source.value, f"node GPU {product} not recognised or mixed", product, _W)
    elif observed in accepted and g.value.get("migProfile"):
        yield drifted(
            pointer,
            acc.type,
            f"{observed} MIG {g.value['migProfile']}",
            _W,
            g.source.value,
            f"pods run on MIG slices {g.value['migProfile']} of {product}, not whole GPUs",
        )
    elif observed in accepted:
        yield match(pointer, acc.type, observed, g.source.value, f"node {label}={product}")
    else:
        yield drifted(
            pointer,
            acc.type,
            observed,
            _E,
            g.source.value,
            f"pods run on {product} ({observed}), spec declares {acc.type}",
        )


@cluster_rule(
    "MS504",
    "/spec/runtime/batch/maxSequenceLengthTokens",
    "vllm-args",
    _E,
    "context length (--max-model-len; the live server's answer first)",
    "Launch with --max-model-len (or the engine's twin) equal to the declared length.",
)
def _max_len(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    batch = spec.spec.runtime.batch
    declared = batch.max_sequence_length_tokens if batch else None
    if declared is None:
        return
    if not w.launch.is_server:
        yield _no_server("/spec/runtime/batch/maxSequenceLengthTokens", declared, w)
        return
    live = w.http.get("max_model_len")
    fact = live if live is not None and live.known else w.launch.get("max-model-len")
    yield compare("/spec/runtime/batch/maxSequenceLengthTokens", declared, fact, "max_model_len")


@cluster_rule(
    "MS505",
    "/spec/runtime/batch/maxBatchSize",
    "vllm-args",
    _E,
    "concurrent sequences (--max-num-seqs)",
    "Launch with --max-num-seqs (or the engine's twin) equal to the declared batch size.",
)
def _batch(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    batch = spec.spec.runtime.batch
    declared = batch.max_batch_size if batch else None
    if declared is not None and not w.launch.is_server:
        yield _no_server("/spec/runtime/batch/maxBatchSize", declared, w)
    elif declared is not None:
        yield compare("/spec/runtime/batch/maxBatchSize", declared, w.launch.get("max-num-seqs"), "max-num-seqs")


@cluster_rule(
    "MS506",
    "/spec/identity/model/precision",
    "vllm-args",
    _E,
    "precision the launch flags imply",
    "Launch with --dtype/--quantization matching the declared precision.",
)
def _precision(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    precision = spec.spec.identity.model.precision
    if precision is None:
        return
    if not w.launch.is_server:
        yield _no_server("/spec/identity/model/precision", precision, w)
        return
    dtype, quant = w.launch.get("dtype"), w.launch.get("quantization")
    pointer = "/spec/identity/model/precision"
    explicit = dtype.source.value != "default" or quant.source.value != "default"
    src = w.launch.source.value if explicit else "default"
    implied = precision_of(dtype, quant)
    if implied is None:
        why = "dtype auto: the checkpoint's torch_dtype decides" if dtype.known else f"dtype: {dtype.reason}"
        yield unknown(pointer, precision, src, why, dtype.value)
        return
    declared = canonical_precision(precision) or precision
    ok = implied == declared or (declared.startswith("fp8") and implied == "fp8")
    yield verdict(
        pointer, precision, implied, ok, _E, src, f"--dtype {dtype.value} --quantization {quant.value} means {implied}"
    )


@cluster_rule(
    "MS507",
    "/spec/operations/serving/port",
    "vllm-args",
    _E,
    "port the server (or its routing sidecar) serves",
    "Launch the server (or the routing proxy in front of it) on the declared port.",
)
def _port(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    serving = spec.spec.operations.serving if spec.spec.operations else None
    port = serving.port if serving else None
    if port is None:
        return
    if not w.launch.is_server:
        yield _no_server("/spec/operations/serving/port", port, w)
        return
    front = w.detection.get("frontPort")
    if isinstance(front, int):
        yield verdict(
            "/spec/operations/serving/port",
            port,
            front,
            front == port,
            _E,
            "k8s",
            f"{w.detection.get('front')} serves port {front} in front of the server",
        )
        return
    yield compare("/spec/operations/serving/port", port, w.launch.get("port"), "server port")


@cluster_rule(
    "MS508",
    "/spec/operations/serving/port",
    "k8s",
    _W,
    "containerPorts (informational when the server port is known)",
    "Declare the serving port as a containerPort so Services and tooling can find it.",
)
def _container_port(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    serving = spec.spec.operations.serving if spec.spec.operations else None
    port = serving.port if serving else None
    if port is None or not w.ports.known:
        return
    pointer = "/spec/operations/serving/port"
    if port in w.ports.value:
        yield match(pointer, port, w.ports.value, "k8s", f"containerPorts {w.ports.value} include {port}")
    elif w.launch.is_server and w.launch.get("port").reason == NO_HTTP:
        return  # a worker behind a frontend (Dynamo): the declared port is the frontend's, not its
    elif not (w.launch.is_server and w.launch.get("port").known):
        yield drifted(
            pointer,
            port,
            w.ports.value,
            _W,
            "k8s",
            f"containerPorts {w.ports.value} do not include {port} and the server's port is unknown",
        )


@cluster_rule(
    "MS509",
    "/spec/operations/serving/readinessProbe",
    "k8s",
    _W,
    "readiness and liveness probe path and timeout",
    "Give the server container the declared probes.",
)
def _probes(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    serving = spec.spec.operations.serving if spec.spec.operations else None
    if serving is None:
        return
    for key, probe_name, declared_probe in (
        ("readinessProbe", "readiness", serving.readiness_probe),
        ("livenessProbe", "liveness", serving.liveness_probe),
    ):
        if declared_probe is None:
            continue
        fact = w.probes[probe_name]
        for attr, value in (("path", declared_probe.path), ("timeoutSeconds", declared_probe.timeout_seconds)):
            if value is None:
                continue
            pointer = f"/spec/operations/serving/{key}/{attr}"
            if not fact.known:
                yield missing(pointer, value, _W, "k8s", f"container has no {probe_name} probe")
                continue
            observed = fact.value.get(attr)
            yield verdict(
                pointer, value, observed, observed == value, _W, "k8s", f"{probe_name} probe {attr} is {observed}"
            )


@cluster_rule(
    "MS510",
    "/spec/operations/scaling",
    "k8s",
    _E,
    "replica bounds (HPA, or the fixed replica count)",
    "Match the HPA's min/maxReplicas (or the workload's replicas) to the spec.",
)
def _scaling(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    scaling = spec.spec.operations.scaling if spec.spec.operations else None
    if scaling is None:
        return
    bounds = [
        (f, v)
        for f, v in (("minReplicas", scaling.min_replicas), ("maxReplicas", scaling.max_replicas))
        if v is not None
    ]
    a = w.autoscaler
    for field, value in bounds:
        pointer = f"/spec/operations/scaling/{field}"
        if not a.known:
            yield unknown(pointer, value, a.source.value, f"autoscaling unknown: {a.reason}")
        elif a.value.get("present") and a.value.get(field) is None:
            yield unknown(pointer, value, "k8s", f"{a.value.get('kind')} {a.value.get('name')} sets no {field}")
        elif a.value.get("present"):
            observed = a.value.get(field)
            yield verdict(
                pointer,
                value,
                observed,
                observed == value,
                _E,
                "k8s",
                f"{a.value.get('kind', 'HPA')} {a.value.get('name')} {field} is {observed}",
            )
        else:
            replicas = w.replicas.value
            lo, hi = scaling.min_replicas, scaling.max_replicas
            ok = replicas == value and (lo is None or hi is None or lo == hi)
            message = f"no autoscaler: {w.kind} is fixed at {replicas} replicas"
            if lo is not None and hi is not None and lo != hi:
                message += f", spec expects autoscaling {lo}–{hi}"
            yield verdict(pointer, value, replicas, ok, _W, w.replicas.source.value, message)


@cluster_rule(
    "MS511",
    "/spec/runtime/resources",
    "k8s",
    _E,
    "CPU, memory and ephemeral-storage requests per pod",
    "Request at least the declared resources (requests default from limits).",
)
def _resources(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    res = spec.spec.runtime.resources
    if res is None:
        return
    for key, declared, fact_key, scale, unit in (
        ("cpuCores", res.cpu_cores, "cpu", 1.0, "cores"),
        ("memoryGb", res.memory_gb, "memory", 1e9, "GB"),
        ("ephemeralStorageGb", res.ephemeral_storage_gb, "ephemeralStorage", 1e9, "GB"),
    ):
        if not declared:
            continue
        fact, pointer = w.resources[fact_key], f"/spec/runtime/resources/{key}"
        if not fact.known:
            yield missing(
                pointer,
                declared,
                _W,
                "k8s",
                f"container requests no {fact_key}: the scheduler will not reserve {declared:g} {unit}",
            )
            continue
        observed = round(fact.value / scale, 2)
        yield verdict(
            pointer,
            declared,
            observed,
            observed >= declared * 0.95,
            _E,
            "k8s",
            f"requests {observed:g} {unit}, spec declares {declared:g}",
        )


@cluster_rule(
    "MS512",
    "/spec/runtime/environment/variables",
    "k8s",
    _W,
    "declared environment variable names are set",
    "Set the variables on the server container (values are never read).",
)
def _env(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    env = spec.spec.runtime.environment
    declared = sorted((env.variables or {}) if env else {})
    if not declared:
        return
    pointer = "/spec/runtime/environment/variables"
    if not w.env_names.known:
        yield unknown(pointer, declared, "k8s", w.env_names.reason or "")
        return
    absent = [n for n in declared if n not in w.env_names.value]
    via = " (some names come from envFrom, which is not read)" if "envFrom" in (w.env_names.unit or "") else ""
    if absent:
        yield missing(
            pointer,
            declared,
            _W,
            "k8s",
            f"declared variables not set on the container: {', '.join(absent)}{via}",
            w.env_names.value,
        )
    else:
        yield match(
            pointer, declared, w.env_names.value, "k8s", "every declared variable name is set (values not read)"
        )


@cluster_rule(
    "MS513",
    "/spec/operations/scaling/targetLatencyMsP95",
    "vllm-http",
    _W,
    "observed p95 latency (--probe-http)",
    "Scale out or lower the load until p95 is under the target.",
)
def _latency(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    scaling = spec.spec.operations.scaling if spec.spec.operations else None
    target = scaling.target_latency_ms_p95 if scaling else None
    p95 = w.http.get("latency_p95")
    if target is None or p95 is None:
        return
    pointer = "/spec/operations/scaling/targetLatencyMsP95"
    if not p95.known:
        yield unknown(pointer, target, "vllm-http", f"p95 latency: {p95.reason}")
    else:
        yield verdict(
            pointer, target, p95.value, p95.value <= target, _W, "vllm-http", f"observed p95 {p95.value} {p95.unit}"
        )


@cluster_rule(
    "MS514",
    "/spec/operations/observability/metrics/enabled",
    "vllm-http",
    _E,
    "/metrics answers (--probe-http)",
    "Expose the server's Prometheus endpoint.",
)
def _metrics(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    obs = spec.spec.operations.observability if spec.spec.operations else None
    enabled = obs.metrics.enabled if obs and obs.metrics else None
    metrics = w.http.get("metrics")
    if enabled is True and metrics is not None and not metrics.known:
        # could not look (pod unreachable, slow, not Prometheus text): unknown, never "disabled"
        yield unknown("/spec/operations/observability/metrics/enabled", True, "vllm-http",
                      f"/metrics not read: {metrics.reason}")
    elif enabled is True and metrics is not None:
        ok = bool(metrics.value)
        yield verdict(
            "/spec/operations/observability/metrics/enabled",
            True,
            bool(metrics.value),
            ok,
            _E,
            "vllm-http",
            "/metrics answers" if ok else f"/metrics not reachable: {metrics.reason}",
        )


_FRAMEWORKS = ENGINE_ALIASES  # declared framework → the engine the pods must run


@cluster_rule(
    "MS515",
    "/spec/identity/model/framework",
    "k8s",
    _E,
    "serving framework the pods run",
    "Run the declared engine, or correct identity.model.framework.",
)
def _framework(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    declared = spec.spec.identity.model.framework
    wanted = _FRAMEWORKS.get(declared.lower())
    engine = w.detection.get("engine")
    pointer = "/spec/identity/model/framework"
    evidence = "; ".join(e["detail"] for e in w.detection.get("evidence", [])[:2])
    if wanted is None:
        yield unknown(pointer, declared, "k8s", f"framework {declared!r} is not one the scanner recognises", engine)
    elif engine is None:
        yield unknown(
            pointer, declared, "k8s", f"no known engine found in the server container ({evidence or 'no evidence'})"
        )
    else:
        yield verdict(
            pointer,
            declared,
            engine,
            engine == wanted,
            _E,
            w.launch.source.value if w.launch.engine else "k8s",
            f"runs {engine} ({evidence})",
        )


@cluster_rule(
    "MS516",
    f"{_ACC}/vendor",
    "k8s",
    _E,
    "accelerator vendor of the pods' nodes",
    "Schedule onto nodes of the declared vendor (their resource name and labels differ: nvidia.com/gpu, amd.com/gpu).",
)
def _vendor(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    vendor = spec.spec.runtime.accelerator.vendor
    g, pointer = w.node_gpu, f"{_ACC}/vendor"
    observed = g.value.get("vendor") if g.known else None
    if observed is None:
        yield unknown(pointer, vendor, g.source.value, f"GPU vendor: {g.reason or 'node GPU not recognised'}")
    else:
        yield verdict(
            pointer,
            vendor,
            observed,
            observed == vendor.lower(),
            _E,
            g.source.value,
            f"node {g.value.get('label')}={g.value.get('product')}",
        )


@cluster_rule(
    "MS517",
    f"{_ACC}/memoryGb",
    "k8s",
    _E,
    "memory per GPU from the node labels (GFD nvidia.com/gpu.memory, Karpenter, AMD vram)",
    "Use GPUs with at least the declared memory, or lower the floor.",
)
def _gpu_memory(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    floor = spec.spec.runtime.accelerator.memory_gb
    if floor is None:
        return
    g, pointer = w.node_gpu, f"{_ACC}/memoryGb"
    mib = g.value.get("memoryMiB") if g.known else None
    if not isinstance(mib, (int, float)):
        yield unknown(pointer, floor, g.source.value, "no node label gives the GPU memory")
        return
    gb = round(mib * 1024**2 / 1e9, 1)
    yield verdict(
        pointer, floor, gb, gb >= floor * 0.95, _E, g.source.value, f"{gb:g} GB per GPU, {floor:g} GB declared"
    )


@cluster_rule(
    "MS518",
    "/spec/identity/model/artifacts/modelUri",
    "vllm-args",
    _W,
    "the model the server loads (hf:// URI against --model, KServe storageUri)",
    "Serve the declared weights, or correct artifacts.modelUri.",
)
def _model_uri(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
    artifacts = spec.spec.identity.model.artifacts
    uri = artifacts.model_uri if artifacts else None
    if uri is None:
        return
    pointer = "/spec/identity/model/artifacts/modelUri"
    storage = w.detection.get("storageUri") or w.detection.get("modelUrl")
    model = w.launch.get("model")
    observed = storage if isinstance(storage, str) else (model.value if model.known else None)
    if not isinstance(observed, str):
        yield unknown(pointer, uri, model.source.value, f"model: {model.reason or 'not found'}")
        return
    if observed.startswith("/") and not isinstance(storage, str):
        yield unknown(pointer, uri, model.source.value, f"the server loads a local path {observed}")
        return
    same = _model_id(observed) == _model_id(uri)
    yield verdict(
        pointer,
        uri,
        observed,
        same,
        _W,
        "k8s" if isinstance(storage, str) else model.source.value,
        f"the server loads {observed}",
    )


def _model_id(text: str) -> str:
    """``hf://org/name@rev`` / ``org/name`` / ``hf://org/name`` → ``org/name`` (case-insensitive)."""
    bare = text.split("://", 1)[-1].split("@", 1)[0].strip("/")
    return bare.lower()
