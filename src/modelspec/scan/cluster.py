"""``scan cluster``: find the workloads that implement each spec and read what they run.

A workload (Deployment or StatefulSet) implements a spec when it (or its pod template) carries the
label ``modelspec.piqc.ai/name=<metadata.name>``, or the annotation ``modelspec.piqc.ai/spec``
names the spec (its metadata.name or file name), or — with ``--selector`` and a single spec — when
the selector picked it. Facts are read from listings shared by every spec of the scan.
"""

from __future__ import annotations

import os
from typing import Any

from ..spec.accelerators import from_product_name
from ..spec.models import ModelSpec
from .detect import pick_server
from .facts import Fact, Source, WorkloadFacts
from .kube import KubeReader, Listing
from .launch import Launch
from .quantity import QuantityError, parse_quantity

LABEL = "modelspec.piqc.ai/name"
ANNOTATION = "modelspec.piqc.ai/spec"


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def _template(obj: dict[str, Any]) -> dict[str, Any]:
    return ((obj.get("spec") or {}).get("template")) or {}


def implements(workload: dict[str, Any], spec_name: str, spec_file: str | None) -> bool:
    labels = {**_labels(_template(workload)), **_labels(workload)}
    if labels.get(LABEL) == spec_name:
        return True
    annotations = {
        **((_template(workload).get("metadata") or {}).get("annotations") or {}),
        **((workload.get("metadata") or {}).get("annotations") or {}),
    }
    ref = annotations.get(ANNOTATION)
    return bool(ref) and (
        ref == spec_name or (spec_file is not None and os.path.basename(str(ref)) == os.path.basename(spec_file))
    )


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _quantity_fact(value: Any, unit: str) -> Fact:
    if value is None:
        return Fact.unknown(Source.K8S, "not set")
    try:
        number = parse_quantity(value)
        return Fact(int(number) if number.is_integer() else number, Source.K8S, unit)
    except QuantityError as exc:
        return Fact.unknown(Source.K8S, str(exc))


def _probe(p: dict[str, Any] | None) -> Fact:
    if not p:
        return Fact.unknown(Source.K8S, "no probe defined")
    http = p.get("httpGet") or {}
    return Fact(
        {
            "path": http.get("path"),
            "port": http.get("port"),
            "timeoutSeconds": p.get("timeoutSeconds", 1),
            "kind": "httpGet" if http else next(iter(k for k in p if k in ("exec", "tcpSocket", "grpc")), "?"),
        },
        Source.K8S,
    )


class Index:
    """Listings indexed once per scan: pods by namespace, nodes by name, HPAs by target."""

    def __init__(self, listings: dict[str, Listing]) -> None:
        self.listings = listings
        self.pods_by_ns: dict[str, list[dict[str, Any]]] = {}
        for p in listings["pods"].items:
            self.pods_by_ns.setdefault((p.get("metadata") or {}).get("namespace", ""), []).append(p)
        self.nodes = {str((n.get("metadata") or {}).get("name")): n for n in listings["nodes"].items}
        self.hpas: dict[tuple[str, str, str], dict[str, Any]] = {}
        for h in listings["horizontalpodautoscalers"].items:
            ref = (h.get("spec") or {}).get("scaleTargetRef") or {}
            self.hpas[((h.get("metadata") or {}).get("namespace", ""), ref.get("kind", ""), ref.get("name", ""))] = h


def workload_facts(obj: dict[str, Any], kind: str, listings: dict[str, Listing] | Index) -> WorkloadFacts:
    index = listings if isinstance(listings, Index) else Index(listings)
    listings = index.listings
    meta = obj.get("metadata") or {}
    ns, name = meta.get("namespace", "default"), meta.get("name", "?")
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    pod_spec = _template(obj).get("spec") or {}
    server = pick_server(pod_spec, _labels(_template(obj)))
    container = server.container if server else {}
    launch = server.detection.launch if server else Launch()
    detection = {**server.detection.to_dict(), "sidecars": [list(s) for s in server.sidecars]} if server else {}

    pods_l = listings["pods"]
    pods = (
        [p for p in index.pods_by_ns.get(ns, []) if _matches(spec.get("selector") or {}, _labels(p))]
        if pods_l.ok
        else []
    )
    pod_rows = [
        {
            "name": p["metadata"].get("name"),
            "phase": (p.get("status") or {}).get("phase"),
            "node": (p.get("spec") or {}).get("nodeName"),
            "podIP": (p.get("status") or {}).get("podIP"),
            "ready": any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in (p.get("status") or {}).get("conditions") or []
            ),
        }
        for p in pods
    ]

    hpa_l = listings["horizontalpodautoscalers"]
    kind_name = {"deployments": "Deployment", "statefulsets": "StatefulSet"}[kind]
    if not hpa_l.ok:
        autoscaler = Fact.unknown(Source.K8S, hpa_l.error or "HPAs not readable")
    else:
        hpa = index.hpas.get((ns, kind_name, name))
        if hpa is None:
            autoscaler = Fact({"present": False}, Source.K8S)
        else:
            hs = hpa.get("spec") or {}
            autoscaler = Fact(
                {
                    "present": True,
                    "name": hpa["metadata"].get("name"),
                    "minReplicas": hs.get("minReplicas", 1),
                    "maxReplicas": hs.get("maxReplicas"),
                    "metrics": [m.get("type") for m in hs.get("metrics") or []],
                },
                Source.K8S,
            )

    res = container.get("resources") or {}
    requests, limits = res.get("requests") or {}, res.get("limits") or {}
    gpu_limit = limits.get("nvidia.com/gpu", limits.get("amd.com/gpu"))
    mig = {k: v for k, v in limits.items() if k.startswith("nvidia.com/mig-")}
    resources = {
        "cpu": _quantity_fact(requests.get("cpu"), "cores"),
        "memory": _quantity_fact(requests.get("memory"), "bytes"),
        "ephemeralStorage": _quantity_fact(requests.get("ephemeral-storage"), "bytes"),
        "gpu": _quantity_fact(gpu_limit, "devices")
        if gpu_limit is not None
        else (
            Fact(float(sum(parse_quantity(v) for v in mig.values())), Source.K8S, f"MIG slices {sorted(mig)}")
            if mig
            else Fact.unknown(Source.K8S, "no nvidia.com/gpu or amd.com/gpu limit")
        ),
    }
    env = container.get("env") or []
    env_from = [
        next(iter(k for k in e if k in ("configMapRef", "secretRef")), "?") for e in container.get("envFrom") or []
    ]
    names = sorted(e.get("name") for e in env if e.get("name"))
    env_names = Fact(names, Source.K8S, f"names; + envFrom {env_from} not read" if env_from else "names")
    probes = {"readiness": _probe(container.get("readinessProbe")), "liveness": _probe(container.get("livenessProbe"))}
    ports = Fact(
        sorted(p.get("containerPort") for p in container.get("ports") or [] if p.get("containerPort")), Source.K8S
    )
    node_gpu = _node_gpu(pod_rows, pod_spec, listings["nodes"], index.nodes)
    replicas = Fact(spec.get("replicas", 1), Source.K8S if "replicas" in spec else Source.DEFAULT)
    ready = Fact(status.get("readyReplicas", 0), Source.K8S)
    cont = {"name": container.get("name"), "image": container.get("image"), "launchForm": launch.form or None}
    facts = WorkloadFacts(
        ns,
        kind_name,
        name,
        replicas,
        ready,
        autoscaler,
        pod_rows,
        cont,
        resources,
        env_names,
        probes,
        ports,
        launch,
        node_gpu,
        detection=detection,
    )
    return facts


def _node_gpu(
    pods: list[dict[str, Any]], pod_spec: dict[str, Any], nodes: Listing, by_name: dict[str, dict[str, Any]]
) -> Fact:
    names = {p["node"] for p in pods if p.get("node")}
    if names and nodes.ok:
        found = [by_name[n] for n in sorted(names) if n in by_name]
        products = set()
        info: dict[str, Any] = {}
        for n in found:
            labels = _labels(n)
            product = labels.get("nvidia.com/gpu.product")
            if product:
                products.add(product)
                info = {
                    "product": product,
                    "memoryMiB": _int(labels.get("nvidia.com/gpu.memory")),
                    "count": _int(labels.get("nvidia.com/gpu.count")),
                    "allocatable": ((n.get("status") or {}).get("allocatable") or {}).get("nvidia.com/gpu"),
                }
        if len(products) > 1:
            info = {"product": sorted(products), "mixed": True}
        if info:
            gpu = from_product_name(str(info["product"]), info.get("memoryMiB")) if not info.get("mixed") else None
            info["type"] = gpu.type if gpu else None
            info["migProfile"] = gpu.mig_profile if gpu else None
            return Fact(info, Source.K8S)
        if found:
            return Fact.unknown(Source.K8S, "nodes carry no nvidia.com/gpu.product label (GPU Feature Discovery)")
    if not nodes.ok and names:
        return Fact.unknown(Source.K8S, nodes.error or "nodes not readable")
    selector = pod_spec.get("nodeSelector") or {}
    if "nvidia.com/gpu.product" in selector:
        product = selector["nvidia.com/gpu.product"]
        gpu = from_product_name(product)
        return Fact(
            {
                "product": product,
                "type": gpu.type if gpu else None,
                "migProfile": gpu.mig_profile if gpu else None,
                "fromNodeSelector": True,
            },
            Source.INFERRED,
        )
    return Fact.unknown(Source.K8S, "no scheduled pod and no GPU nodeSelector")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def find_workloads(
    listings: dict[str, Listing],
    spec_name: str,
    spec_file: str | None,
    use_selector: bool,
    claimed_id: str | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Workloads a spec claims; ``claimed_id`` is the spec's own ``modelspec.piqc.ai/workload``
    annotation (``ns/Kind/name``, written into drafts by ``--emit-specs``)."""
    out = []
    for kind in ("deployments", "statefulsets"):
        for obj in listings[kind].items:
            meta = obj.get("metadata") or {}
            wid = f"{meta.get('namespace', 'default')}/{KIND_NAMES[kind]}/{meta.get('name')}"
            if use_selector or implements(obj, spec_name, spec_file) or (claimed_id is not None and wid == claimed_id):
                out.append((kind, obj))
    return out


KIND_NAMES = {"deployments": "Deployment", "statefulsets": "StatefulSet"}
WORKLOAD_ANNOTATION = "modelspec.piqc.ai/workload"


def read_cluster(reader: KubeReader) -> dict[str, Listing]:
    return reader.list_all()


def cluster(
    specs: list[tuple[ModelSpec, str | None]],
    reader: KubeReader,
    *,
    probe_http: bool = False,
    probe_window_s: float = 10.0,
    context: str | None = None,
) -> Any:
    """Scan the cluster for every (spec document, spec file) pair and return one DriftReport."""
    from ..validate.findings import Severity
    from .findings import DriftFinding, DriftReport, Status
    from .rules import workload_findings

    listings = read_cluster(reader)
    index = Index(listings)
    findings: list[DriftFinding] = []
    facts: dict[str, Any] = {
        "listings": {k: {"items": len(v.items), "error": v.error, "requests": v.requests} for k, v in listings.items()},
        "workloads": {},
    }
    use_selector = reader.label_selector is not None and len(specs) == 1
    workload_count = 0
    for doc, path in specs:
        name = doc.metadata.name
        if not (listings["deployments"].ok or listings["statefulsets"].ok):
            reason = "; ".join(e for e in (listings["deployments"].error, listings["statefulsets"].error) if e)
            findings.append(
                DriftFinding(
                    "/metadata/name",
                    name,
                    None,
                    Status.UNKNOWN,
                    Severity.INFO,
                    "k8s",
                    f"workloads not readable: {reason}",
                    f"spec/{name}",
                )
            )
            continue
        claimed = (doc.metadata.annotations or {}).get(WORKLOAD_ANNOTATION)
        found = find_workloads(listings, name, path, use_selector, claimed)
        if not found:
            findings.append(
                DriftFinding(
                    "/metadata/name",
                    name,
                    None,
                    Status.MISSING,
                    Severity.ERROR,
                    "k8s",
                    f"no Deployment or StatefulSet carries {LABEL}={name} or an {ANNOTATION} annotation for it",
                    f"spec/{name}",
                )
            )
            continue
        for kind, obj in found:
            w = workload_facts(obj, kind, index)
            if probe_http:
                w.http = _probe_workload(w, probe_window_s, _metrics_port(doc))
            workload_count += 1
            facts["workloads"][w.id] = {"spec": name, **w.to_dict()}
            findings.extend(workload_findings(doc, w))
    target = {
        "scope": "cluster",
        "context": context,
        "namespace": reader.namespace or "*",
        "selector": reader.label_selector,
        "specs": [p for _, p in specs],
        "workloads": workload_count,
        "specName": ", ".join(d.metadata.name for d, _ in specs),
    }
    report = DriftReport("cluster", target, facts, findings)
    return report, listings


def _metrics_port(doc: ModelSpec) -> int | None:
    ops = doc.spec.operations
    metrics = ops.observability.metrics if ops and ops.observability else None
    return metrics.port if metrics is not None else None


def _probe_workload(w: WorkloadFacts, window_s: float, metrics_port: int | None = None) -> dict[str, Fact]:
    """vLLM's endpoints on one ready pod (IPv6 in brackets); /metrics on the spec's metrics port if it
    declares one."""
    from .vllm_http import base_url, probe

    ready = [p for p in w.pods if p.get("ready") and p.get("podIP")]
    if not ready:
        return {"metrics": Fact.unknown(Source.VLLM_HTTP, "no ready pod with an IP to probe")}
    port = (
        w.launch.get("port").value
        if w.launch.is_server and w.launch.get("port").known
        else (w.ports.value[0] if w.ports.known and w.ports.value else 8000)
    )
    ip = str(ready[0]["podIP"])
    metrics_url = f"{base_url(ip, metrics_port)}/metrics" if metrics_port else None
    return probe(base_url(ip, port), window_s=window_s, metrics_url=metrics_url)
