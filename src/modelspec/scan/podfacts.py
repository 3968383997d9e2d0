"""One workload's facts, read from its running pods.

Pods are the truth: the API server has already applied defaults and admission webhooks to them,
and a rollout in progress runs two revisions at once. Each distinct revision (``pod-template-hash``
/ ``controller-revision-hash``, else the server container itself) yields one
:class:`~.facts.WorkloadFacts`; the controller's template is read only when no pod exists, with
requests defaulted from limits as the API server would do for a pod. Pods that differ from the
template are named in the notes. For a multi-pod replica (a LeaderWorkerSet group, a KAITO
multi-node Workspace) the GPU count per replica is the sum over the pods of one replica.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..spec.accelerators import NodeGpu, from_node_labels
from .autoscale import Autoscalers
from .detect import PodServer, pick_server
from .facts import Fact, Source, WorkloadFacts
from .kube import Listing
from .launch import Launch
from .quantity import QuantityError, parse_quantity
from .workloads import LWS_GROUP, LWS_SIZE, LWS_WORKER, Workload, labels_of, meta

_GPU_KEYS = ("nvidia.com/gpu", "amd.com/gpu", "nvidia.com/gpu.shared", "gpu.intel.com/i915", "gpu.intel.com/xe")
_REVISION_LABELS = ("pod-template-hash", "controller-revision-hash", "serving.knative.dev/revision")


@dataclass(slots=True)
class _Wanted:
    container: dict[str, Any]


@dataclass(slots=True)
class Context:
    """What every workload's facts are read against: nodes and autoscalers, indexed once."""

    listings: dict[str, Listing]
    nodes: dict[str, dict[str, Any]]
    autoscalers: Autoscalers


def context_of(listings: dict[str, Listing]) -> Context:
    nodes = {meta(n)[1]: n for n in listings["nodes"].items}
    return Context(listings, nodes, Autoscalers(listings))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def read_workload(w: Workload, ctx: Context) -> list[WorkloadFacts]:
    """One WorkloadFacts per running revision (or one from the template when nothing runs)."""
    servers = _server_pods(w)
    if not servers:
        return [_facts(w, ctx, None, [], [])]
    revisions: dict[str, list[dict[str, Any]]] = {}
    for pod in servers:
        revisions.setdefault(_revision(pod), []).append(pod)
    out = []
    for rev, pods in sorted(revisions.items(), key=lambda kv: -len(kv[1])):
        suffix = f"@{rev}" if len(revisions) > 1 else ""
        wf = _facts(w, ctx, pods[0], pods, servers, suffix)
        if len(revisions) > 1:
            shown = ", ".join(f"{r} ({len(p)} pods)" for r, p in revisions.items())
            wf.notes.append(f"{len(revisions)} revisions run at once (rollout in progress?): {shown}")
        out.append(wf)
    return out


def _server_pods(w: Workload) -> list[dict[str, Any]]:
    """Pods whose facts describe the server: LWS leaders only (workers run the same image)."""
    pods = [p for p in w.pods if _dict(p.get("status")).get("phase") not in ("Succeeded", "Failed")]
    if w.kind == "LeaderWorkerSet":
        leaders = [p for p in pods if labels_of(p).get(LWS_WORKER, "0") == "0"]
        return leaders or pods
    return pods


def _revision(pod: dict[str, Any]) -> str:
    labels = labels_of(pod)
    for key in _REVISION_LABELS:
        if labels.get(key):
            return labels[key]
    server = pick_server(_dict(pod.get("spec")))
    c = server.container if server else {}
    text = json.dumps([c.get("image"), c.get("command"), c.get("args")], sort_keys=True, default=str)
    return f"spec-{abs(hash(text)) % 10**8:08d}"


def _facts(
    w: Workload,
    ctx: Context,
    pod: dict[str, Any] | None,
    pods: list[dict[str, Any]],
    all_servers: list[dict[str, Any]],
    suffix: str = "",
) -> WorkloadFacts:
    template = w.template()
    source_obj = pod if pod is not None else template
    pod_spec = _dict(source_obj.get("spec"))
    server = pick_server(pod_spec, labels_of(source_obj))
    container = dict(server.container) if server else {}
    launch = server.detection.launch if server else Launch()
    from_template = pod is None
    resources = _resources(container, default_requests=from_template)
    per_replica, replica_pods = _replica_gpus(w, pod, resources["gpu"])
    resources["replicaGpu"] = per_replica
    rows = [_pod_row(p) for p in w.pods]
    notes = [] if not from_template else ["no running pod: facts from the controller's pod template"]
    notes += _differs_from_template(pods, template, str(container.get("name") or ""))
    replicas, ready = _replicas(w, replica_pods, all_servers)
    return WorkloadFacts(
        namespace=w.namespace,
        kind=w.kind,
        name=w.name + suffix,
        replicas=replicas,
        ready_replicas=ready,
        autoscaler=ctx.autoscalers.fact(w),
        pods=rows,
        container={"name": container.get("name"), "image": container.get("image"), "launchForm": launch.form or None},
        resources=resources,
        env_names=_env_names(container),
        probes={
            "readiness": _probe(container.get("readinessProbe")),
            "liveness": _probe(container.get("livenessProbe")),
        },
        ports=_ports(container),
        launch=launch,
        node_gpu=_node_gpu(w, pods, pod_spec, ctx),
        pods_per_replica=replica_pods,
        platform=w.platform,
        notes=notes,
        detection=_detection(server, pod_spec, _platform_facts(w)),
    )


def _pod_row(p: dict[str, Any]) -> dict[str, Any]:
    status = _dict(p.get("status"))
    conditions = _list(status.get("conditions"))
    return {
        "name": meta(p)[1],
        "phase": status.get("phase"),
        "node": _dict(p.get("spec")).get("nodeName"),
        "podIP": status.get("podIP"),
        "ready": any(_dict(c).get("type") == "Ready" and _dict(c).get("status") == "True" for c in conditions),
    }


def _quantity(value: Any, unit: str) -> Fact:
    if value is None:
        return Fact.unknown(Source.K8S, "not set")
    try:
        number = parse_quantity(value)
    except (QuantityError, TypeError, ValueError) as exc:
        return Fact.unknown(Source.K8S, f"unreadable quantity: {str(exc)[:80]}")
    return Fact(int(number) if number.is_integer() else number, Source.K8S, unit)


def _resources(container: dict[str, Any], *, default_requests: bool) -> dict[str, Fact]:
    """Requests per pod; in a template, requests default from limits as the API server does."""
    res = _dict(container.get("resources"))
    limits, requests = _dict(res.get("limits")), _dict(res.get("requests"))
    if default_requests:
        requests = {**limits, **requests}
    return {
        "cpu": _quantity(requests.get("cpu"), "cores"),
        "memory": _quantity(requests.get("memory"), "bytes"),
        "ephemeralStorage": _quantity(requests.get("ephemeral-storage"), "bytes"),
        "gpu": _gpu(limits or requests),
    }


def _gpu(limits: dict[str, Any]) -> Fact:
    key = next((k for k in _GPU_KEYS if k in limits), None)
    if key is not None:
        fact = _quantity(limits[key], "devices")
        return Fact(fact.value, fact.source, key, reason=fact.reason)
    mig = {k: v for k, v in limits.items() if str(k).startswith("nvidia.com/mig-")}
    if mig:
        total = sum(_quantity(v, "").value or 0 for v in mig.values())
        return Fact(total, Source.K8S, f"MIG slices {sorted(mig)}")
    return Fact.unknown(Source.K8S, "no nvidia.com/gpu, amd.com/gpu or MIG limit on the server container")


def _pod_gpus(pod: dict[str, Any]) -> float | None:
    server = pick_server(_dict(pod.get("spec")))
    fact = _gpu(_dict(_dict(server.container.get("resources")).get("limits"))) if server else None
    return float(fact.value) if fact is not None and fact.known else None


def _replica_gpus(w: Workload, pod: dict[str, Any] | None, gpu: Fact) -> tuple[Fact, Fact]:
    """(GPUs per replica, pods per replica): summed over one LWS group or one Workspace."""
    size = _group_size(w, pod)
    if size.value == 1 or not gpu.known:
        return (Fact(gpu.value, gpu.source, gpu.unit) if gpu.known else gpu), size
    if w.kind == "LeaderWorkerSet" and pod is not None:
        group_index = labels_of(pod).get(LWS_GROUP)
        members = [p for p in w.pods if labels_of(p).get(LWS_GROUP) == group_index]
    else:
        members = list(w.pods)
    counts = [_pod_gpus(p) for p in members]
    if len(members) == size.value and all(c is not None for c in counts):
        total = float(sum(c for c in counts if c is not None))
        return Fact(int(total) if total.is_integer() else total, Source.K8S, f"summed over {size.value} pods"), size
    per = float(gpu.value) * int(size.value)
    return Fact(int(per) if per.is_integer() else per, Source.INFERRED, f"{gpu.value} × {size.value} pods"), size


def _group_size(w: Workload, pod: dict[str, Any] | None) -> Fact:
    notes = _dict(_dict(_dict(pod).get("metadata")).get("annotations"))
    if w.kind == "LeaderWorkerSet":
        raw = notes.get(LWS_SIZE) or _dict(_dict(_dict(w.obj).get("spec")).get("leaderWorkerTemplate")).get("size")
        try:
            return Fact(int(raw or 1), Source.K8S, "pods per LWS group")
        except (TypeError, ValueError):
            return Fact(1, Source.DEFAULT)
    if w.kind == "Workspace" and len(w.pods) > 1:
        return Fact(len(w.pods), Source.K8S, "pods of the Workspace's StatefulSet (one multi-node replica)")
    return Fact(1, Source.DEFAULT)


def _replicas(w: Workload, size: Fact, servers: list[dict[str, Any]]) -> tuple[Fact, Fact]:
    spec = _dict(_dict(w.obj).get("spec"))
    ready = sum(1 for p in servers if _pod_row(p)["ready"])
    ready_fact = Fact(ready, Source.K8S, "ready server pods (LWS leaders)" if w.kind == "LeaderWorkerSet" else None)
    if w.kind == "Workspace":
        return Fact(1, Source.K8S, "a Workspace is one replica"), Fact(min(ready, 1), Source.K8S)
    if isinstance(spec.get("replicas"), int):
        return Fact(spec["replicas"], Source.K8S), ready_fact
    for _kind, part in w.parts:
        if isinstance(_dict(part.get("spec")).get("replicas"), int) and _controller_kind(part) != "Pod":
            return Fact(part["spec"]["replicas"], Source.K8S, f"from {meta(part)[1]}"), ready_fact
    if w.obj is not None and w.kind in ("Deployment", "StatefulSet", "LeaderWorkerSet"):
        return Fact(1, Source.DEFAULT, "replicas not set: the API server defaults to 1"), ready_fact
    if servers:
        return Fact(len(servers), Source.INFERRED, "counted from running pods"), ready_fact
    return Fact.unknown(Source.K8S, f"no {w.kind} object and no running pod"), ready_fact


def _controller_kind(obj: dict[str, Any]) -> str | None:
    refs = _dict(obj.get("metadata")).get("ownerReferences")
    first = refs[0] if isinstance(refs, list) and refs and isinstance(refs[0], dict) else {}
    return first.get("kind")


def _differs_from_template(pods: list[dict[str, Any]], template: dict[str, Any], name: str) -> list[str]:
    """Pods whose server container is not what the template declares (rollout, webhook, hand edit)."""
    containers = _list(_dict(template.get("spec")).get("containers"))
    wanted = next((c for c in containers if isinstance(c, dict) and c.get("name") == name), None)
    if wanted is None or not pods:
        return []
    want = _Wanted(wanted)  # the template's server container
    differing: list[str] = []
    for pod in pods:
        have = next(
            (
                c
                for c in _list(_dict(pod.get("spec")).get("containers"))
                if isinstance(c, dict) and c.get("name") == name
            ),
            None,
        )
        if have is None:
            differing.append(f"{meta(pod)[1]} (no container {name})")
            continue
        fields = [f for f in ("image", "command", "args") if have.get(f) != want.container.get(f)]
        limits = _dict(_dict(have.get("resources")).get("limits"))
        if limits != _dict(_dict(want.container.get("resources")).get("limits")):
            fields.append("resources.limits")
        if fields:
            differing.append(f"{meta(pod)[1]} ({', '.join(fields)})")
    if not differing:
        return []
    return [f"pods that differ from the template: {'; '.join(differing[:5])}" + (" …" if len(differing) > 5 else "")]


def _env_names(container: dict[str, Any]) -> Fact:
    env, env_from = _list(container.get("env")), _list(container.get("envFrom"))
    kinds = [next((k for k in _dict(e) if k in ("configMapRef", "secretRef")), "?") for e in env_from]
    names = sorted({str(_dict(e).get("name")) for e in env if _dict(e).get("name")})
    return Fact(names, Source.K8S, f"names; + envFrom {kinds} not read" if kinds else "names")


def _probe(p: Any) -> Fact:
    if not isinstance(p, dict) or not p:
        return Fact.unknown(Source.K8S, "no probe defined")
    http = _dict(p.get("httpGet"))
    kind = "httpGet" if http else next((k for k in p if k in ("exec", "tcpSocket", "grpc")), "?")
    return Fact(
        {
            "path": http.get("path"),
            "port": http.get("port"),
            "timeoutSeconds": p.get("timeoutSeconds", 1),
            "kind": kind,
        },
        Source.K8S,
    )


def _ports(container: dict[str, Any]) -> Fact:
    ports = _list(container.get("ports"))
    return Fact(
        sorted({p["containerPort"] for p in ports if isinstance(_dict(p).get("containerPort"), int)}), Source.K8S
    )


def _platform_facts(w: Workload) -> dict[str, Any]:
    """What a platform's own object says that the pods do not: KServe's storageUri, KAITO's preset."""
    spec = _dict(_dict(w.obj).get("spec"))
    if w.kind == "InferenceService":
        predictor = _dict(spec.get("predictor"))
        uri = _dict(predictor.get("model")).get("storageUri") or predictor.get("storageUri")
        return {"storageUri": uri} if isinstance(uri, str) else {}
    if w.kind == "Workspace":
        preset = _dict(_dict(_dict(w.obj).get("inference")).get("preset")).get("name")
        return {"preset": preset} if isinstance(preset, str) else {}
    if w.kind == "Model":
        url = spec.get("url")
        return {"modelUrl": url} if isinstance(url, str) else {}
    return {}


def _detection(server: PodServer | None, pod_spec: dict[str, Any], platform_facts: dict[str, Any]) -> dict[str, Any]:
    if server is None:
        return {"engine": None, "evidence": [], "sidecars": [], **platform_facts}
    out: dict[str, Any] = {**server.detection.to_dict(), "sidecars": [list(s) for s in server.sidecars]}
    front = _front_proxy(pod_spec)
    out.update(platform_facts)
    if front is not None:
        out["front"], out["frontPort"] = front
    return out


def _front_proxy(pod_spec: dict[str, Any]) -> tuple[str, int] | None:
    """A routing sidecar that serves the pod's port in front of the server (llm-d's routing proxy)."""
    candidates = [*(pod_spec.get("initContainers") or []), *(pod_spec.get("containers") or [])]
    for c in candidates:
        if not isinstance(c, dict) or "routing" not in f"{c.get('name')} {c.get('image')}":
            continue
        for arg in [*(c.get("args") or []), *(c.get("command") or [])]:
            text = str(arg)
            if text.startswith("--port="):
                try:
                    return f"routing proxy {c.get('name')}", int(text.split("=", 1)[1])
                except ValueError:
                    return None
    return None


def _node_gpu(w: Workload, pods: list[dict[str, Any]], pod_spec: dict[str, Any], ctx: Context) -> Fact:
    names = sorted({str(_dict(p.get("spec")).get("nodeName")) for p in pods if _dict(p.get("spec")).get("nodeName")})
    nodes_listing = ctx.listings["nodes"]
    if names and not nodes_listing.ok:
        return Fact.unknown(Source.K8S, nodes_listing.error or "nodes not readable")
    seen = [from_node_labels(labels_of(ctx.nodes[n])) for n in names if n in ctx.nodes]
    gpus = [g for g in seen if g is not None]
    if gpus:
        return _gpu_fact(gpus)
    if seen:
        return Fact.unknown(
            Source.K8S, "the pods' nodes carry no GPU label (GFD, GKE, AMD, EKS/AKS) and no known GPU instance type"
        )
    selector = {str(k): str(v) for k, v in _dict(pod_spec.get("nodeSelector")).items()}
    hint = from_node_labels(selector)
    if hint is not None:
        fact = _gpu_fact([hint])
        return Fact({**fact.value, "fromNodeSelector": True}, Source.INFERRED)
    return Fact.unknown(Source.K8S, "no scheduled pod and no GPU nodeSelector")


def _gpu_fact(gpus: list[NodeGpu]) -> Fact:
    products = sorted({g.product for g in gpus})
    types = sorted({g.gpu.type for g in gpus if g.gpu is not None})
    first = gpus[0]
    if len(types) > 1 or (len(products) > 1 and len(types) != 1):
        return Fact({"product": products, "mixed": True, "type": None, "label": first.label}, Source.K8S)
    gpu = first.gpu
    return Fact(
        {
            "product": first.product,
            "label": first.label,
            "type": gpu.type if gpu else None,
            "vendor": gpu.vendor if gpu else None,
            "migProfile": gpu.mig_profile if gpu else None,
            "count": first.count,
            "memoryMiB": first.memory_mib,
        },
        Source.K8S,
    )
