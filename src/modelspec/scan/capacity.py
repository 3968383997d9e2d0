"""GPU capacity of a cluster from its node and pod listings: what exists, what is asked for, what waits.

Pure functions over the raw objects the API server returns (no client here), so the same code
serves the scanner, the benchmark and the tests. Counting follows the scheduler:

* a pod's request is ``max(sum(app containers) + sum(sidecar init containers), max(init
  containers))`` per resource, requests defaulting from limits as the API server does;
* pods that hold a node's GPUs are the bound ones (``spec.nodeName``) not yet Succeeded/Failed;
* a pending GPU pod is unbound, and its reason is the ``PodScheduled`` condition the scheduler
  wrote (``Unschedulable: 0/12 nodes are available: 4 Insufficient nvidia.com/gpu …``);
* fragmentation counts free GPUs that no pending GPU pod can use: its request is larger than the
  node's free count, or its nodeSelector / required node affinity / taints keep it off the node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..spec.accelerators import from_node_labels
from .quantity import QuantityError, parse_quantity

GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu")
MIG_PREFIX = "nvidia.com/mig-"
DONE_PHASES = ("Succeeded", "Failed")


def is_gpu_resource(name: str) -> bool:
    return name in GPU_RESOURCES or name.startswith(MIG_PREFIX)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _gpu_amounts(container: Any) -> dict[str, float]:
    res = _dict(_dict(container).get("resources"))
    requests, limits = _dict(res.get("requests")), _dict(res.get("limits"))
    out: dict[str, float] = {}
    for name in set(requests) | set(limits):
        if not isinstance(name, str) or not is_gpu_resource(name):
            continue
        raw = requests.get(name, limits.get(name))
        try:
            amount = parse_quantity(raw) if raw is not None else 0.0
        except (QuantityError, TypeError):
            continue
        if amount > 0:
            out[name] = amount
    return out


def pod_gpu_requests(pod: Mapping[str, Any]) -> dict[str, float]:
    """GPU-like extended resources the pod asks for (``nvidia.com/gpu``, MIG slices, ``amd.com/gpu``)."""
    spec = _dict(pod.get("spec"))
    total: dict[str, float] = {}
    for c in _list(spec.get("containers")):
        for k, v in _gpu_amounts(c).items():
            total[k] = total.get(k, 0.0) + v
    init_max: dict[str, float] = {}
    for c in _list(spec.get("initContainers")):
        amounts = _gpu_amounts(c)
        if _dict(c).get("restartPolicy") == "Always":  # native sidecar: runs beside the app containers
            for k, v in amounts.items():
                total[k] = total.get(k, 0.0) + v
        else:
            for k, v in amounts.items():
                init_max[k] = max(init_max.get(k, 0.0), v)
    for k, v in init_max.items():
        total[k] = max(total.get(k, 0.0), v)
    return total


def node_gpu_type(labels: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(canonical type, the label value it came from) for a node, or (None, None).

    Read through the one GPU-naming module (GFD, GKE, AMD, EKS/Karpenter, Azure, instance types).
    """
    found = from_node_labels({str(k): str(v) for k, v in labels.items() if isinstance(v, (str, int, float))})
    if found is None:
        return None, None
    if found.gpu is None:
        return None, found.product
    # a MIG slice is not its parent GPU: named apart, so it is never priced as a whole one
    return (f"{found.gpu.type} MIG {found.gpu.mig_profile}" if found.gpu.mig_profile else found.gpu.type), found.product


@dataclass(slots=True)
class NodeCapacity:
    name: str
    gpu_type: str | None
    product: str | None  # the label value the type was read from
    allocatable: dict[str, int]
    requested: dict[str, float] = field(default_factory=dict)
    pods: list[str] = field(default_factory=list)  # namespace/name of the pods holding GPUs here

    def free(self, resource: str) -> float:
        return max(0.0, self.allocatable.get(resource, 0) - self.requested.get(resource, 0.0))

    @property
    def gpus(self) -> int:
        return sum(self.allocatable.values())

    @property
    def free_gpus(self) -> float:
        return sum(self.free(r) for r in self.allocatable)


@dataclass(frozen=True, slots=True)
class PendingPod:
    namespace: str
    name: str
    requests: dict[str, float]
    reason: str
    message: str
    node_selector: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"


def _allocatable(node: Mapping[str, Any]) -> dict[str, int]:
    alloc = _dict(_dict(node.get("status")).get("allocatable"))
    out: dict[str, int] = {}
    for name, raw in alloc.items():
        if isinstance(name, str) and is_gpu_resource(name):
            try:
                n = int(parse_quantity(raw))
            except (QuantityError, TypeError, ValueError, OverflowError):
                continue
            if n > 0:
                out[name] = n
    return out


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    return _dict(obj.get("metadata"))


def gpu_nodes(nodes: Iterable[Mapping[str, Any]]) -> dict[str, NodeCapacity]:
    out: dict[str, NodeCapacity] = {}
    for n in nodes:
        if not isinstance(n, Mapping):
            continue
        alloc = _allocatable(n)
        if not alloc:
            continue
        name = str(_meta(n).get("name") or "?")
        labels = _dict(_meta(n).get("labels"))
        gpu_type, product = node_gpu_type(labels)
        out[name] = NodeCapacity(name, gpu_type, product, alloc)
    return out


def _scheduled_condition(pod: Mapping[str, Any]) -> tuple[str, str]:
    for c in _list(_dict(pod.get("status")).get("conditions")):
        c = _dict(c)
        if c.get("type") == "PodScheduled" and c.get("status") == "False":
            return str(c.get("reason") or "Unschedulable"), str(c.get("message") or "")
    return "NotYetScheduled", "no PodScheduled condition yet: the scheduler has not reported on this pod"


def bind(nodes: dict[str, NodeCapacity], pods: Iterable[Mapping[str, Any]]) -> list[PendingPod]:
    """Add each bound pod's GPU requests to its node; return the unbound GPU pods."""
    pending: list[PendingPod] = []
    for p in pods:
        if not isinstance(p, Mapping):
            continue
        requests = pod_gpu_requests(p)
        if not requests:
            continue
        status, spec, meta = _dict(p.get("status")), _dict(p.get("spec")), _meta(p)
        if status.get("phase") in DONE_PHASES:
            continue
        pid = f"{meta.get('namespace', '')}/{meta.get('name', '?')}"
        node = spec.get("nodeName")
        if node:
            cap = nodes.get(str(node))
            if cap is not None:
                for k, v in requests.items():
                    cap.requested[k] = cap.requested.get(k, 0.0) + v
                cap.pods.append(pid)
            continue
        reason, message = _scheduled_condition(p)
        selector = {str(k): str(v) for k, v in _dict(spec.get("nodeSelector")).items()}
        pending.append(
            PendingPod(str(meta.get("namespace", "")), str(meta.get("name", "?")), requests, reason, message, selector)
        )
    return pending


def _expr_ok(expr: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    key, op, values = expr.get("key"), expr.get("operator"), [str(v) for v in _list(expr.get("values"))]
    value = labels.get(key) if isinstance(key, str) else None
    if op == "In":
        return value is not None and str(value) in values
    if op == "NotIn":
        return value is None or str(value) not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    return True  # Gt/Lt and unknown operators: not judged here


def _affinity_ok(pod_spec: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    required = _dict(_dict(_dict(pod_spec.get("affinity")).get("nodeAffinity")).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ))
    terms = [_dict(t) for t in _list(required.get("nodeSelectorTerms"))]
    if not terms:
        return True
    return any(all(_expr_ok(_dict(e), labels) for e in _list(t.get("matchExpressions"))) for t in terms)


def _tolerated(pod_spec: Mapping[str, Any], taints: list[Any]) -> bool:
    tolerations = [_dict(t) for t in _list(pod_spec.get("tolerations"))]
    for taint in (_dict(t) for t in taints):
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not any(
            (t.get("operator") == "Exists" and (not t.get("key") or t.get("key") == taint.get("key")))
            or (t.get("key") == taint.get("key") and str(t.get("value", "")) == str(taint.get("value", "")))
            for t in tolerations
            if not t.get("effect") or t.get("effect") == taint.get("effect")
        ):
            return False
    return True


def fits(pod: Mapping[str, Any], node: Mapping[str, Any], cap: NodeCapacity) -> bool:
    """Could the scheduler place this pending pod on this node, GPU-wise and label-wise?"""
    spec = _dict(pod.get("spec"))
    labels = _dict(_meta(node).get("labels"))
    selector = _dict(spec.get("nodeSelector"))
    if any(str(labels.get(k)) != str(v) for k, v in selector.items()):
        return False
    if not _affinity_ok(spec, labels):
        return False
    if not _tolerated(spec, _list(_dict(node.get("spec")).get("taints"))):
        return False
    return all(cap.free(k) >= v for k, v in pod_gpu_requests(pod).items())


def fragmented(
    nodes: dict[str, NodeCapacity], raw_nodes: Mapping[str, Mapping[str, Any]], pending_raw: list[Mapping[str, Any]]
) -> tuple[float, list[str]]:
    """(free GPUs no pending GPU pod can use, names of the nodes holding them).

    With nothing pending, free GPUs are spare capacity, not fragments: the count is 0.
    """
    stranded = 0.0
    if not pending_raw:
        return 0.0, []
    where: list[str] = []
    for name, cap in nodes.items():
        free = cap.free_gpus
        if free <= 0:
            continue
        node = raw_nodes.get(name, {})
        if not any(fits(p, node, cap) for p in pending_raw):
            stranded += free
            where.append(name)
    return stranded, sorted(where)


def pending_raw(pods: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [
        p
        for p in pods
        if isinstance(p, Mapping)
        and not _dict(p.get("spec")).get("nodeName")
        and _dict(p.get("status")).get("phase") not in DONE_PHASES
        and pod_gpu_requests(p)
    ]
