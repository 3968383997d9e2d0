"""``scan cluster`` without a spec: every inference workload, the GPUs it holds, what they cost.

Pipeline: listings (one paged list per kind, :mod:`.kube`) → workloads with their engine and launch
facts (:mod:`.cluster`) → a :class:`WorkloadRow` per workload → the cluster's GPU capacity
(:mod:`.capacity`) → optional live facts (vLLM ``/metrics``, DCGM per-pod utilisation) → prices
from the resolver's GPU catalog. Everything here is typed; renderers in ``report/`` only format.

Prices are the catalog's indicative on-demand rates per GPU-hour (``--catalog`` overrides them):
an estimate for comparing workloads, not a bill. A value that could not be observed is ``None``
with its reason in ``unknown``; it is never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .._version import __version__
from . import capacity
from .facts import Fact, now

HOURS_PER_DAY = 24.0
INDICATIVE = "indicative: catalog on-demand price per GPU-hour (override with --catalog)"


@dataclass(frozen=True, slots=True)
class Engine:
    name: str  # vllm, sglang, tgi, triton, llama.cpp, ollama, kserve, unknown
    version: str | None
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "evidence": list(self.evidence)}


@dataclass(frozen=True, slots=True)
class AcceleratorUse:
    vendor: str | None
    type: str | None
    count: int | None  # per replica
    product: str | None = None  # as the node labels name it
    mig_profile: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"vendor": self.vendor, "type": self.type, "count": self.count}
        if self.product:
            out["product"] = self.product
        if self.mig_profile:
            out["migProfile"] = self.mig_profile
        return out


@dataclass(frozen=True, slots=True)
class Autoscaling:
    kind: str  # HorizontalPodAutoscaler, KEDA ScaledObject, …
    min: int | None
    max: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "min": self.min, "max": self.max}


@dataclass(frozen=True, slots=True)
class Probe:
    path: str | None
    port: Any
    timeout_seconds: int | None


@dataclass(slots=True)
class Observed:
    """Facts a spec draft is written from (only what was seen; ``None`` = not observed)."""

    model_uri: str | None = None
    precision: str | None = None
    port: int | None = None
    readiness: Probe | None = None
    liveness: Probe | None = None
    cpu_cores: float | None = None
    memory_bytes: float | None = None
    ephemeral_bytes: float | None = None
    env_names: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # spec field -> where it was read


@dataclass(slots=True)
class WorkloadRow:
    namespace: str
    kind: str
    name: str
    engine: Engine
    model: str | None
    accelerator: AcceleratorUse
    tensor: int | None = None
    pipeline: int | None = None
    data: int | None = None
    max_model_len: int | None = None
    max_num_seqs: int | None = None
    max_num_seqs_set: bool = False  # given in the launch arguments (not the engine's default)
    max_model_len_set: bool = False  # given in the launch arguments, or read from /v1/models
    desired: int | None = None
    ready: int | None = None
    autoscaling: Autoscaling | None = None
    created: str | None = None
    spec: str | None = None
    drift: int | None = None
    pods: list[str] = field(default_factory=list)  # namespace/name of its pods
    gpus: float = 0.0  # GPUs its bound pods hold now
    cost_per_hour: float | None = None
    utilisation: float | None = None  # mean GPU utilisation of its pods, percent
    pod_utilisation: dict[str, float] = field(default_factory=dict)  # pod id -> mean of its GPUs (DCGM)
    idle_gpu_hours_per_day: float | None = None
    idle_cost_per_day: float | None = None
    http: dict[str, Fact] = field(default_factory=dict)
    tokens_per_gpu_hour: float | None = None
    observed: Observed = field(default_factory=Observed)
    unknown: dict[str, str] = field(default_factory=dict)  # field -> why it is not known
    observed_at: str = field(default_factory=now)

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.kind}/{self.name}"

    def age_seconds(self, at: datetime | None = None) -> float | None:
        if not self.created:
            return None
        try:
            born = datetime.fromisoformat(self.created.replace("Z", "+00:00"))
        except ValueError:
            return None
        if born.tzinfo is None:
            born = born.replace(tzinfo=timezone.utc)
        return max(0.0, ((at or datetime.now(timezone.utc)) - born).total_seconds())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "namespace": self.namespace,
            "kind": self.kind,
            "name": self.name,
            "engine": self.engine.to_dict(),
            "model": self.model,
            "accelerator": self.accelerator.to_dict(),
            "parallelism": {"tensor": self.tensor, "pipeline": self.pipeline, "data": self.data},
            "maxModelLen": self.max_model_len,
            "maxNumSeqs": self.max_num_seqs,
            "replicas": {"desired": self.desired, "ready": self.ready},
            "autoscaling": self.autoscaling.to_dict() if self.autoscaling else None,
            "createdAt": self.created,
            "ageSeconds": _round(self.age_seconds()),
            "spec": self.spec,
            "drift": self.drift,
            "pods": list(self.pods),
            "gpus": self.gpus,
            "costPerHour": _round(self.cost_per_hour),
            "gpuUtilisation": _round(self.utilisation),
            "gpuUtilisationByPod": {k: round(v, 2) for k, v in self.pod_utilisation.items()},
            "idleGpuHoursPerDay": _round(self.idle_gpu_hours_per_day),
            "idleCostPerDay": _round(self.idle_cost_per_day),
            "tokensPerGpuHour": _round(self.tokens_per_gpu_hour),
            "http": {_camel(k): v.to_dict() for k, v in self.http.items()},
            "unknown": dict(self.unknown),
        }


@dataclass(frozen=True, slots=True)
class NodeRow:
    name: str
    gpu_type: str | None
    product: str | None
    allocatable: int
    requested: float
    free: float
    busy: int | None = None  # GPUs the DCGM exporter saw above the idle threshold
    idle: int | None = None  # GPUs the DCGM exporter saw at or below it

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "gpuType": self.gpu_type,
            "product": self.product,
            "allocatable": self.allocatable,
            "requested": self.requested,
            "free": self.free,
            "busy": self.busy,
            "idle": self.idle,
        }


@dataclass(frozen=True, slots=True)
class TypeRow:
    gpu_type: str  # "unknown" when the nodes do not say
    nodes: int
    allocatable: int
    requested: float
    free: float
    price_per_hour: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "gpuType": self.gpu_type,
            "nodes": self.nodes,
            "allocatable": self.allocatable,
            "requested": self.requested,
            "free": self.free,
            "pricePerGpuHour": self.price_per_hour,
        }


@dataclass(slots=True)
class ClusterSummary:
    nodes: list[NodeRow]
    types: list[TypeRow]
    pending: list[capacity.PendingPod]
    fragmented: float
    fragmented_nodes: list[str]
    capacity_cost_per_hour: float | None
    workload_cost_per_hour: float | None
    dcgm: str  # "read from N exporter pod(s)" or why utilisation is unknown
    idle_threshold: float
    unknown: dict[str, str] = field(default_factory=dict)

    @property
    def allocatable(self) -> int:
        return sum(n.allocatable for n in self.nodes)

    @property
    def requested(self) -> float:
        return sum(n.requested for n in self.nodes)

    @property
    def free(self) -> float:
        return sum(n.free for n in self.nodes)

    @property
    def largest_free_block(self) -> float:
        return max((n.free for n in self.nodes), default=0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "gpuNodes": len(self.nodes),
            "allocatableGpus": self.allocatable,
            "requestedGpus": self.requested,
            "freeGpus": self.free,
            "largestFreeBlock": self.largest_free_block,
            "fragmentedGpus": self.fragmented,
            "fragmentedNodes": list(self.fragmented_nodes),
            "byType": [t.to_dict() for t in self.types],
            "nodes": [n.to_dict() for n in self.nodes],
            "pending": [
                {"namespace": p.namespace, "name": p.name, "requests": p.requests, "reason": p.reason,
                 "message": p.message}
                for p in self.pending
            ],
            "cost": {
                "capacityPerHour": _round(self.capacity_cost_per_hour),
                "workloadsPerHour": _round(self.workload_cost_per_hour),
                "currency": "USD",
                "basis": INDICATIVE,
            },
            "dcgm": self.dcgm,
            "idleThresholdPercent": self.idle_threshold,
            "unknown": dict(self.unknown),
        }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(w.capitalize() for w in rest)


def age_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def meta_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


GENERATOR = f"modelspec {__version__}"


# -- cluster summary ---------------------------------------------------------------------------


def _price(catalog: Mapping[str, Any], gpu_type: str | None) -> float | None:
    entry = catalog.get(gpu_type) if gpu_type else None
    price = getattr(entry, "price_per_hour", None)
    return float(price) if isinstance(price, (int, float)) and price >= 0 else None


def _whole_gpu(resource: str) -> bool:
    return resource in capacity.GPU_RESOURCES


def _node_rows(
    nodes: dict[str, capacity.NodeCapacity], dcgm: Any, threshold: float
) -> list[NodeRow]:
    scraped = dcgm.scraped_nodes() if dcgm is not None else set()
    rows = []
    for name in sorted(nodes):
        cap = nodes[name]
        busy = idle = None
        if name in scraped:
            utils = [g.utilisation for g in dcgm.gpus if g.node == name and g.utilisation is not None]
            busy = sum(1 for u in utils if u > threshold)
            idle = len(utils) - busy
        rows.append(
            NodeRow(name, cap.gpu_type, cap.product, cap.gpus, sum(cap.requested.values()), cap.free_gpus, busy, idle)
        )
    return rows


def _type_rows(nodes: dict[str, capacity.NodeCapacity], catalog: Mapping[str, Any]) -> list[TypeRow]:
    groups: dict[str, list[capacity.NodeCapacity]] = {}
    for cap in nodes.values():
        groups.setdefault(cap.gpu_type or "unknown", []).append(cap)
    return [
        TypeRow(
            t,
            len(caps),
            sum(c.gpus for c in caps),
            sum(sum(c.requested.values()) for c in caps),
            sum(c.free_gpus for c in caps),
            _price(catalog, t),
        )
        for t, caps in sorted(groups.items())
    ]


def _capacity_cost(nodes: dict[str, capacity.NodeCapacity], catalog: Mapping[str, Any]) -> tuple[float | None, str]:
    total = 0.0
    missing: set[str] = set()
    for cap in nodes.values():
        whole = sum(v for k, v in cap.allocatable.items() if _whole_gpu(k))
        sliced = sum(v for k, v in cap.allocatable.items() if not _whole_gpu(k))
        price = _price(catalog, cap.gpu_type)
        if price is None or sliced:
            missing.add(cap.gpu_type or f"node {cap.name} (GPU type unknown)" if price is None else "MIG slices")
            continue
        total += whole * price
    if missing:
        return None, f"no catalog price for {', '.join(sorted(missing))}"
    return total, ""


def summarize(
    raw_nodes: list[dict[str, Any]],
    raw_pods: list[dict[str, Any]],
    catalog: Mapping[str, Any],
    dcgm: Any = None,
    *,
    idle_threshold: float = 5.0,
) -> tuple[ClusterSummary, dict[str, capacity.NodeCapacity]]:
    """The GPU capacity summary, and the per-node capacity the workload costs are priced from."""
    nodes = capacity.gpu_nodes(raw_nodes)
    pending = capacity.bind(nodes, raw_pods)
    by_name = {str(meta_of(n).get("name")): n for n in raw_nodes if isinstance(n, dict)}
    stranded, where = capacity.fragmented(nodes, by_name, capacity.pending_raw(raw_pods))
    cost, why = _capacity_cost(nodes, catalog)
    summary = ClusterSummary(
        _node_rows(nodes, dcgm, idle_threshold),
        _type_rows(nodes, catalog),
        pending,
        stranded,
        where,
        cost,
        None,
        _dcgm_status(dcgm),
        idle_threshold,
    )
    if why:
        summary.unknown["capacityPerHour"] = why
    return summary, nodes


def _dcgm_status(dcgm: Any) -> str:
    if dcgm is None:
        return "not read (run with --probe-http to read the DCGM exporter)"
    reason = dcgm.reason
    if reason:
        return f"unknown: {reason}"
    errors = f"; {len(dcgm.errors)} exporter(s) unreadable" if dcgm.errors else ""
    return f"read from {len(dcgm.exporters) - len(dcgm.errors)} exporter pod(s){errors}"


# -- per-workload cost and utilisation -----------------------------------------------------------


def price_workload(
    row: WorkloadRow,
    pods: list[dict[str, Any]],
    nodes: dict[str, capacity.NodeCapacity],
    catalog: Mapping[str, Any],
    dcgm: Any = None,
) -> None:
    """Fill GPUs held, $/hour and (with a DCGM reading) utilisation and idle cost of one workload."""
    held: list[tuple[str | None, float, bool, str]] = []  # (gpu type, count, whole GPUs, pod id)
    for p in pods:
        meta, spec, status = meta_of(p), _obj(p.get("spec")), _obj(p.get("status"))
        if status.get("phase") in capacity.DONE_PHASES or not spec.get("nodeName"):
            continue
        node = nodes.get(str(spec.get("nodeName")))
        pid = f"{meta.get('namespace')}/{meta.get('name')}"
        for res, n in capacity.pod_gpu_requests(p).items():
            held.append((node.gpu_type if node else None, n, _whole_gpu(res), pid))
    row.gpus = sum(n for _, n, _, _ in held)
    if not held:
        row.cost_per_hour = 0.0  # no scheduled pod holds a GPU now
    else:
        prices = [(_price(catalog, t) if whole else None, n) for t, n, whole, _ in held]
        if any(p is None for p, _ in prices):
            types = sorted({t or "unknown type" for t, _, whole, _ in held})
            row.unknown["costPerHour"] = f"no catalog price for {', '.join(types)} (MIG slices are not priced)"
        else:
            row.cost_per_hour = sum(float(p or 0) * n for p, n in prices)
    _utilisation(row, held, catalog, dcgm)


def _utilisation(
    row: WorkloadRow, held: list[tuple[str | None, float, bool, str]], catalog: Mapping[str, Any], dcgm: Any
) -> None:
    if dcgm is None:
        row.unknown["gpuUtilisation"] = "not read (needs --probe-http and a DCGM exporter)"
        return
    if dcgm.reason:
        row.unknown["gpuUtilisation"] = dcgm.reason
        return
    if not held:
        row.unknown["gpuUtilisation"] = "the workload holds no GPU"
        return
    by_pod = dcgm.by_pod()
    idle_hours = idle_cost = 0.0
    utils: list[float] = []
    pods = {pid: gpu_type for gpu_type, _, _, pid in held}  # a pod with two GPU resources counts once
    for pid, gpu_type in pods.items():
        ns, _, name = pid.partition("/")
        seen = [g.utilisation for g in by_pod.get((ns, name), []) if g.utilisation is not None]
        if not seen:
            row.unknown["gpuUtilisation"] = f"the DCGM exporter lists no GPU for pod {pid}"
            row.pod_utilisation.clear()
            return
        utils += seen
        row.pod_utilisation[pid] = sum(seen) / len(seen)
        price = _price(catalog, gpu_type)
        for u in seen:
            idle_hours += (1 - u / 100.0) * HOURS_PER_DAY
            idle_cost += (1 - u / 100.0) * HOURS_PER_DAY * (price if price is not None else float("nan"))
    row.utilisation = sum(utils) / len(utils)
    row.idle_gpu_hours_per_day = idle_hours
    if idle_cost == idle_cost:  # not NaN: every GPU had a price
        row.idle_cost_per_day = idle_cost
    else:
        row.unknown["idleCostPerDay"] = "no catalog price for the GPU type"


def tokens_per_gpu_hour(row: WorkloadRow) -> None:
    """Generated tokens per GPU-hour of one replica, from the windowed tokens/s of the probed pod."""
    rate = row.http.get("tokens_per_s")
    per_replica = row.accelerator.count
    if rate is None:
        return
    if not rate.known or not per_replica:
        row.unknown["tokensPerGpuHour"] = rate.reason or "GPUs per replica unknown"
        return
    row.tokens_per_gpu_hour = float(rate.value) * 3600.0 / per_replica


# -- engines ---------------------------------------------------------------------------------------


def image_version(image: str) -> str | None:
    """The tag of an image reference (``vllm/vllm-openai:v0.8.5`` -> ``v0.8.5``), digests dropped."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


# wrappers that run an engine in their own image: the tag is their release, not the engine's
_WRAPPERS = (("dynamo.", "Dynamo"), ("kserve ", "KServe"), ("kaito ", "KAITO"))


def engine_version(image: str, engine: str, form: str = "") -> tuple[str | None, str | None]:
    """(the engine's version from the image tag, why it is not there). A tag naming the engine's
    release inside a longer one (``rocm6.3.1_vllm_0.8.5_20250521`` -> ``0.8.5``) wins; a wrapper's
    image (Dynamo, KServe, KAITO) carries the wrapper's release, which is no version of the engine."""
    import re

    tag = image_version(image)
    if not tag:
        return None, None
    inner = re.search(rf"(?:^|[_-]){re.escape(engine)}[_-]?v?(\d+\.\d+(?:\.\d+)?(?:\.post\d+)?)", tag, re.I)
    if inner:
        return inner.group(1), None
    wrapper = next((name for prefix, name in _WRAPPERS if form.startswith(prefix)), None)
    if wrapper:
        return None, f"image tag {tag} is {wrapper}'s release, not {engine}'s"
    return tag, None


# -- the whole inventory -------------------------------------------------------------------------

NO_SPEC = "no spec"


@dataclass(slots=True)
class Inventory:
    """What ``scan cluster`` without (or beside) specs reports: workloads, capacity, findings."""

    target: dict[str, Any]
    cluster: ClusterSummary
    workloads: list[WorkloadRow]
    findings: list[Any]  # DriftFinding: drift of claimed workloads, "no spec" for the rest
    facts: dict[str, Any]  # listings (items, errors, requests per kind) and, with specs, the drift facts
    generated_at: str = field(default_factory=now)
    drift: Any = None  # the cluster scanner's DriftReport when specs were given

    def summary(self) -> dict[str, Any]:
        from .drift import DriftReport

        counts = DriftReport("cluster", self.target, {}, self.findings).summary()
        counts["workloads"] = len(self.workloads)
        counts["unclaimed"] = sum(1 for w in self.workloads if w.spec is None)
        return counts

    def exit_code(self, fail_on: str = "drift") -> int:
        from .drift import DriftReport

        return DriftReport("cluster", self.target, {}, self.findings).exit_code(fail_on)

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "piqc.ai/v1alpha1",
            "kind": "ScanReport",
            "generatedAt": self.generated_at,
            "generator": GENERATOR,
            "target": self.target,
            "facts": self.facts,
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary(),
            "workloads": [w.to_dict() for w in self.workloads],
            "cluster": self.cluster.to_dict(),
        }


def _no_spec(row: WorkloadRow) -> Any:
    from ..validate.findings import Severity
    from .drift import DriftFinding, Status

    return DriftFinding(
        "/metadata/name", None, row.id, Status.MISSING, Severity.WARNING, "k8s",
        f"{NO_SPEC}: {row.engine.name} workload {row.id} is claimed by no spec "
        f"(write one: --emit-specs DIR drafts it)", row.id,
    )


def _is_listed(row: WorkloadRow, pod_spec: Mapping[str, Any], holds_gpus: bool) -> bool:
    """Inference workloads: a known server, or GPUs requested (never GPU infrastructure)."""
    from .detect import gpu_infra

    if gpu_infra(pod_spec):
        return False
    return row.engine.name != "unknown" or holds_gpus or bool(row.accelerator.count)


def collect_rows(listings: dict[str, Any], selector: str | None = None) -> list[tuple[WorkloadRow, Any, Any]]:
    """(row, facts of its main revision, the workload) for every inference workload in the listings.

    Workloads come from :func:`modelspec.scan.workloads.group` (pods by ownerReferences and platform
    group labels: a LeaderWorkerSet group is one replica, listed once); facts from its running pods.
    """
    from ._rows import row_from_facts
    from .cluster import selected
    from .podfacts import context_of, read_workload
    from .workloads import group

    ctx = context_of(listings)
    out = []
    for w in group(listings):
        if not selected(w, selector):
            continue
        revisions = read_workload(w, ctx)
        row = row_from_facts(revisions[0], w)
        if len(revisions) > 1:
            row.unknown["revisions"] = "; ".join(revisions[0].notes[-1:]) or f"{len(revisions)} revisions run"
        pod_spec = _obj((w.pods[0] if w.pods else w.template()).get("spec"))
        holds = any(capacity.pod_gpu_requests(p) for p in w.pods) or bool(
            capacity.pod_gpu_requests({"spec": _obj(w.template().get("spec"))})
        )
        if _is_listed(row, pod_spec, holds):
            out.append((row, revisions[0], w))
    return out


def _probe_rows(
    rows: list[tuple[WorkloadRow, Any, dict[str, Any]]], metrics_ports: dict[str, int], window_s: float,
    deadline_s: float,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from .facts import Source
    from .vllm_http import base_url, probe

    def one(item: tuple[WorkloadRow, Any, dict[str, Any]]) -> None:
        row, w, _ = item
        ready = [p for p in w.pods if p.get("ready") and p.get("podIP")]
        if not ready:
            row.http = {"metrics": Fact.unknown(Source.VLLM_HTTP, "no ready pod with an IP to probe")}
            return
        base = base_url(ready[0]["podIP"], row.observed.port or 8000)
        port = metrics_ports.get(row.id)
        url = f"{base_url(ready[0]['podIP'], port)}/metrics" if port else None
        row.http = probe(base, window_s=window_s, deadline_s=deadline_s, metrics_url=url)
        if row.max_model_len is None and row.http.get("max_model_len", Fact.unknown(Source.VLLM_HTTP, "")).known:
            row.max_model_len = row.http["max_model_len"].value
            row.max_model_len_set = True
            row.unknown.pop("maxModelLen", None)
            row.observed.sources["runtime.batch.maxSequenceLengthTokens"] = "vLLM /v1/models max_model_len"
        tokens_per_gpu_hour(row)

    targets = [r for r in rows if r[0].engine.name == "vllm"]
    if targets:
        with ThreadPoolExecutor(max_workers=min(8, len(targets))) as pool:
            list(pool.map(one, targets))


def _metrics_ports(specs: list[tuple[Any, str | None]], rows: list[Any]) -> dict[str, int]:
    """Workload id -> the metrics port its claiming spec declares (``observability.metrics.port``)."""
    out: dict[str, int] = {}
    by_name = {d.metadata.name: d for d, _ in specs}
    for row, _, _ in rows:
        doc = by_name.get(row.spec or "")
        ops = doc.spec.operations if doc else None
        metrics = ops.observability.metrics if ops and ops.observability else None
        if metrics is not None and metrics.port is not None:
            out[row.id] = metrics.port
    return out


def _snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


def _fact_from(d: Mapping[str, Any]) -> Fact:
    from .facts import Source

    return Fact(d.get("value"), Source(d.get("source", "vllm-http")), d.get("unit"), d.get("observedAt") or now(),
                d.get("reason"))


def _base_id(workload_id: str) -> str:
    return workload_id.split("@", 1)[0]


def attach_drift(rows: list[WorkloadRow], report: Any) -> list[Any]:
    """Mark the rows the specs claim (spec name, drift count, live facts); "no spec" for the rest."""
    from .drift import Status

    claims: dict[str, dict[str, Any]] = {}
    for wid, f in (report.facts.get("workloads") or {}).items():
        if isinstance(f, dict):
            claims.setdefault(_base_id(wid), f)  # "ns/Kind/name@rev": one claim per revision during a rollout
    counts: dict[str, int] = {}
    for f in report.findings:
        if f.workload and f.status in (Status.DRIFT, Status.MISSING):
            counts[_base_id(f.workload)] = counts.get(_base_id(f.workload), 0) + 1
    unclaimed = []
    for row in rows:
        claim = claims.get(row.id)
        if claim is None:
            unclaimed.append(_no_spec(row))
            continue
        row.spec, row.drift = str(claim.get("spec")), counts.get(row.id, 0)
        http = claim.get("http") or {}
        if http and not row.http:
            row.http = {_snake(k): _fact_from(v) for k, v in http.items() if isinstance(v, dict)}
    return unclaimed


def _live(
    rows: list[tuple[WorkloadRow, Any, Any]], raw_pods: list[dict[str, Any]], specs: list[tuple[Any, str | None]],
    window_s: float, deadline_s: float,
) -> Any:
    """``--probe-http``: the DCGM exporters and the vLLM servers, read at the same time under one deadline."""
    from concurrent.futures import ThreadPoolExecutor

    from . import dcgm

    with ThreadPoolExecutor(max_workers=2) as pool:
        reading = pool.submit(dcgm.read, dcgm.find_exporters(raw_pods), deadline_s=deadline_s)
        servers = pool.submit(_probe_rows, [r for r in rows if not r[0].http], _metrics_ports(specs, rows),
                              window_s, deadline_s)
        servers.result()
        return reading.result()


def _price_rows(
    rows: list[WorkloadRow], raw_pods: list[dict[str, Any]], summary: ClusterSummary,
    nodes: dict[str, capacity.NodeCapacity], prices: Mapping[str, Any], reading: Any,
) -> None:
    pods_by_id = {f"{meta_of(p).get('namespace')}/{meta_of(p).get('name')}": p for p in raw_pods}
    for row in rows:
        price_workload(row, [pods_by_id[p] for p in row.pods if p in pods_by_id], nodes, prices, reading)
        if row.http and row.tokens_per_gpu_hour is None:
            tokens_per_gpu_hour(row)
    costs = [r.cost_per_hour for r in rows]
    summary.workload_cost_per_hour = None if any(c is None for c in costs) else sum(c or 0.0 for c in costs)
    if summary.workload_cost_per_hour is None:
        summary.unknown["workloadsPerHour"] = "some workloads run on GPUs without a catalog price"


def _target(reader: Any, specs: list[tuple[Any, str | None]], drift_report: Any, context: str | None,
            count: int) -> dict[str, Any]:
    return {
        "scope": "cluster",
        "context": context,
        "namespace": reader.namespace or "*",
        "selector": reader.label_selector,
        "specs": [p for _, p in specs],
        "specName": ", ".join(d.metadata.name for d, _ in specs) or None,
        **(drift_report.target if drift_report is not None else {}),
        "mode": "inventory+drift" if drift_report is not None else "inventory",
        "inventoryWorkloads": count,
    }


def inventory(
    reader: Any,
    *,
    specs: list[tuple[Any, str | None]] | None = None,
    listings: dict[str, Any] | None = None,
    drift_report: Any = None,
    probe_http: bool = False,
    probe_window_s: float = 10.0,
    probe_deadline_s: float = 30.0,
    catalog: str | None = None,
    context: str | None = None,
) -> Inventory:
    """Every inference workload, the cluster's GPU capacity and cost, drift for the specs given.

    ``reader`` is a :class:`~modelspec.scan.kube.KubeReader`; ``specs`` are (ModelSpec, file)
    pairs, checked by the cluster scanner (:func:`modelspec.scan.cluster.cluster`) on the same
    listings; ``catalog`` a GPU catalog file overriding the shipped prices. A caller that already
    ran the drift scan passes its ``drift_report`` and ``listings`` instead.
    """
    from ..resolve.catalog import load_catalog

    specs = specs or []
    prices = load_catalog(catalog)
    if specs and drift_report is None:
        from .cluster import cluster

        drift_report, listings = cluster(specs, reader, probe_http=probe_http, probe_window_s=probe_window_s,
                                         context=context)
    if listings is None:
        listings = reader.list_all()
    rows = collect_rows(listings, reader.label_selector)
    findings: list[Any] = []
    if drift_report is not None:
        findings = [*drift_report.findings, *attach_drift([r for r, _, _ in rows], drift_report)]
    raw_pods = [p for p in listings["pods"].items if isinstance(p, dict)]
    reading = _live(rows, raw_pods, specs, probe_window_s, probe_deadline_s) if probe_http else None
    summary, nodes = summarize([n for n in listings["nodes"].items if isinstance(n, dict)], raw_pods, prices, reading)
    _price_rows([r for r, _, _ in rows], raw_pods, summary, nodes, prices, reading)
    facts = dict(drift_report.facts) if drift_report is not None else {}
    facts["listings"] = {k: {"items": len(v.items), "error": v.error, "requests": v.requests, "served": v.served}
                         for k, v in listings.items()}
    target = _target(reader, specs, drift_report, context, len(rows))
    return Inventory(target, summary, [r for r, _, _ in rows], findings, facts, drift=drift_report)
