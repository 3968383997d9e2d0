"""``scan cluster``: find the workloads that implement each spec and read what they run.

Pipeline: :mod:`.kube` lists every kind once → :mod:`.workloads` groups pods into workloads →
this module reads each workload's facts from its running pods (the template only when no pod
runs; each distinct revision once) → :mod:`.rules` compares them with the spec.

A workload implements a spec when its controller, template or pods carry the label
``modelspec.piqc.ai/name=<metadata.name>``, or the annotation ``modelspec.piqc.ai/spec`` names the
spec (its metadata.name or file name), or — with ``--selector`` and a single spec — when the
selector matched its pods' or its own labels, or the spec's own ``modelspec.piqc.ai/workload``
annotation names the workload's id (``namespace/Kind/name``: drafts from ``--emit-specs`` do).
"""

from __future__ import annotations

import gc
import os
from typing import Any

from ..spec.models import ModelSpec
from ..validate.findings import Severity
from .facts import Fact, Source, WorkloadFacts
from .findings import DriftFinding, DriftReport, Status
from .kube import KubeReader, Listing
from .podfacts import context_of, read_workload
from .workloads import Workload, group, matches_selector

LABEL = "modelspec.piqc.ai/name"
ANNOTATION = "modelspec.piqc.ai/spec"
WORKLOAD_ANNOTATION = "modelspec.piqc.ai/workload"  # on a spec: the workload id it describes (drafts)


def implements(w: Workload, spec_name: str, spec_file: str | None) -> bool:
    labels = w.labels()
    pod_labels = [_labels(p) for p in w.pods]
    if labels.get(LABEL) == spec_name or any(lbl.get(LABEL) == spec_name for lbl in pod_labels):
        return True
    ref = w.annotations().get(ANNOTATION)
    for pod in w.pods:
        ref = ref or str(((pod.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION) or "") or None
    return bool(ref) and (
        ref == spec_name or (spec_file is not None and os.path.basename(str(ref)) == os.path.basename(spec_file))
    )


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    labels = (obj.get("metadata") or {}).get("labels")
    return labels if isinstance(labels, dict) else {}


def selected(w: Workload, selector: str | None) -> bool:
    """``--selector`` matches the workload's own labels, its template's, or any of its pods'."""
    if not selector:
        return True
    return matches_selector(selector, w.labels()) or any(matches_selector(selector, _labels(p)) for p in w.pods)


def cluster(
    specs: list[tuple[ModelSpec, str | None]],
    reader: KubeReader,
    *,
    probe_http: bool = False,
    probe_window_s: float = 10.0,
    context: str | None = None,
) -> tuple[DriftReport, dict[str, Listing]]:
    """Scan the cluster for every (spec, spec file) pair and return one DriftReport."""

    listings = reader.list_all()
    # The listings are a large, long-lived, acyclic heap: keep the cyclic collector from walking
    # it again and again while facts are built (seconds on 5,000 pods).
    gc.freeze()
    try:
        return _scan(specs, reader, listings, probe_http, probe_window_s, context)
    finally:
        gc.unfreeze()


def _scan(
    specs: list[tuple[ModelSpec, str | None]],
    reader: KubeReader,
    listings: dict[str, Listing],
    probe_http: bool,
    probe_window_s: float,
    context: str | None,
) -> tuple[DriftReport, dict[str, Listing]]:
    from .rules import workload_findings

    ctx = context_of(listings)
    workloads = [w for w in group(listings) if selected(w, reader.label_selector)]
    findings: list[DriftFinding] = []
    facts: dict[str, Any] = {"listings": _listing_summary(listings), "workloads": {}}
    use_selector = reader.label_selector is not None and len(specs) == 1
    count = 0
    for spec, path in specs:
        name = spec.metadata.name
        claimed = (spec.metadata.annotations or {}).get(WORKLOAD_ANNOTATION)  # drafts name their workload
        found = [w for w in workloads if use_selector or implements(w, name, path) or w.id == claimed]
        if not found:
            findings.append(_nothing_found(name, listings, workloads, reader))
            continue
        for w in found:
            for wf in read_workload(w, ctx):
                if probe_http:
                    wf.http = _probe_workload(wf, probe_window_s, _metrics_port(spec))
                count += 1
                facts["workloads"][wf.id] = {"spec": name, **wf.to_dict()}
                findings.extend(workload_findings(spec, wf))
    target = {
        "scope": "cluster",
        "context": context,
        "namespace": reader.namespace or "*",
        "selector": reader.label_selector,
        "specs": [p for _, p in specs],
        "workloads": count,
        "specName": ", ".join(s.metadata.name for s, _ in specs),
    }
    return DriftReport("cluster", target, facts, findings), listings


def _listing_summary(listings: dict[str, Listing]) -> dict[str, Any]:
    return {
        k: {"items": len(v.items), "error": v.error, "requests": v.requests, "served": v.served, "dropped": v.dropped}
        for k, v in listings.items()
    }


def _nothing_found(
    name: str, listings: dict[str, Listing], workloads: list[Workload], reader: KubeReader
) -> DriftFinding:
    """Say what was searched and why nothing matched (never a silent 'coverage 100%')."""
    unreadable = [v.error for k, v in listings.items() if k in ("pods", "deployments", "statefulsets") and v.error]
    scope = f"namespace {reader.namespace}" if reader.namespace else "all namespaces"
    kinds: dict[str, int] = {}
    for w in workloads:
        kinds[w.kind] = kinds.get(w.kind, 0) + 1
    searched = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no workloads"
    pods = len(listings["pods"].items)
    others = sorted({w.labels().get(LABEL) or "" for w in workloads} - {""})
    why = (
        f"searched {scope}"
        + (f" with selector {reader.label_selector}" if reader.label_selector else "")
        + f": {pods} pods in {searched}; none carries {LABEL}={name} (on the workload, its template or its pods)"
        + f" or an {ANNOTATION} annotation naming it"
        + (f"; labelled specs seen: {', '.join(others[:5])}" if others else "")
        + (f"; could not read: {'; '.join(e for e in unreadable if e)}" if unreadable else "")
    )
    status = Status.UNKNOWN if unreadable and not listings["pods"].ok else Status.MISSING
    sev = Severity.INFO if status is Status.UNKNOWN else Severity.ERROR
    return DriftFinding("/metadata/name", name, None, status, sev, "k8s", why, f"spec/{name}")


def _metrics_port(spec: ModelSpec) -> int | None:
    ops = spec.spec.operations
    metrics = ops.observability.metrics if ops and ops.observability else None
    return metrics.port if metrics is not None else None


def _probe_workload(w: WorkloadFacts, window_s: float, metrics_port: int | None = None) -> dict[str, Fact]:
    """vLLM's endpoints on one ready pod (IPv6 in brackets); /metrics on the spec's metrics port if it
    declares one."""
    from .vllm_http import base_url, probe

    ready = [p for p in w.pods if p.get("ready") and p.get("podIP")]
    if not ready:
        return {"metrics": Fact.unknown(Source.VLLM_HTTP, "no ready pod with an IP to probe")}
    port = w.launch.get("port")
    number = port.value if port.known else (w.ports.value[0] if w.ports.known and w.ports.value else 8000)
    ip = str(ready[0]["podIP"])
    metrics_url = f"{base_url(ip, metrics_port)}/metrics" if metrics_port else None
    return probe(base_url(ip, number), window_s=window_s, metrics_url=metrics_url)
