"""Keep only the fields the scan reads, page by page, so a 100,000-pod cluster fits a small Job.

A pod as the API server returns it carries managedFields, volumes, tolerations, container
statuses … — several kilobytes the scanner never looks at. Each listed page is pruned as soon as
it is parsed. Pruning never validates: a field of the wrong type is kept as it is, for the fact
readers to turn into ``unknown`` with the reason.
"""

from __future__ import annotations

import json
from typing import Any

_META = ("name", "namespace", "labels", "annotations", "ownerReferences", "creationTimestamp")
_CONTAINER = (
    "name",
    "image",
    "command",
    "args",
    "env",
    "envFrom",
    "resources",
    "ports",
    "readinessProbe",
    "livenessProbe",
    "restartPolicy",
)
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _pick(obj: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(obj, dict):
        return obj
    return {k: obj[k] for k in keys if k in obj}


def _meta(meta: Any) -> Any:
    out = _pick(meta, _META)
    if isinstance(out, dict) and isinstance(out.get("annotations"), dict) and _LAST_APPLIED in out["annotations"]:
        out["annotations"] = {k: v for k, v in out["annotations"].items() if k != _LAST_APPLIED}
    return out


def _containers(value: Any) -> Any:
    return [_pick(c, _CONTAINER) for c in value] if isinstance(value, list) else value


def _pod_spec(spec: Any) -> Any:
    if not isinstance(spec, dict):
        return spec
    out = _pick(spec, ("nodeName", "nodeSelector", "tolerations"))  # tolerations: inventory fragmentation
    affinity = spec.get("affinity")
    if isinstance(affinity, dict) and "nodeAffinity" in affinity:
        out["affinity"] = {"nodeAffinity": affinity["nodeAffinity"]}
    for key in ("containers", "initContainers"):
        if key in spec:
            out[key] = _containers(spec[key])
    return out


def _template(template: Any) -> Any:
    if not isinstance(template, dict):
        return template
    return {"metadata": _meta(template.get("metadata")), "spec": _pod_spec(template.get("spec"))}


class Interner:
    """Pods of one revision share their containers, labels and owner: keep one copy of each."""

    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, (dict, list)):
            return value
        key = json.dumps(value, sort_keys=True, default=str)
        return self.seen.setdefault(key, value)


def _same(value: Any) -> Any:
    return value


def _conditions(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    # the scheduler's verdict on a pending pod (reason, message) is what the inventory reports
    return [
        _pick(c, ("type", "status", "reason", "message"))
        if isinstance(c, dict) and c.get("type") == "PodScheduled" and c.get("status") == "False"
        else _pick(c, ("type", "status"))
        for c in value
    ]


def pod(item: dict[str, Any], intern: Interner | None = None) -> dict[str, Any]:
    share = intern if intern is not None else _same
    status = item.get("status")
    kept: Any = status
    if isinstance(status, dict):
        kept = _pick(status, ("phase", "podIP"))
        if "conditions" in status:
            kept["conditions"] = share(_conditions(status["conditions"]))
    meta = _meta(item.get("metadata"))
    if isinstance(meta, dict):
        for key in ("labels", "ownerReferences", "annotations"):
            if key in meta:
                meta[key] = share(meta[key])
    spec = _pod_spec(item.get("spec"))
    if isinstance(spec, dict):
        for key in ("containers", "initContainers", "nodeSelector", "tolerations"):
            if key in spec:
                spec[key] = share(spec[key])
    return {"metadata": meta, "spec": spec, "status": kept}


def node(item: dict[str, Any]) -> dict[str, Any]:
    """Name and labels (GPU type); allocatable resources and taints (inventory capacity)."""
    out: dict[str, Any] = {"metadata": _pick(item.get("metadata"), ("name", "labels"))}
    status, spec = item.get("status"), item.get("spec")
    if isinstance(status, dict) and "allocatable" in status:
        out["status"] = {"allocatable": status["allocatable"]}
    if isinstance(spec, dict) and "taints" in spec:
        out["spec"] = {"taints": spec["taints"]}
    return out


def controller(item: dict[str, Any]) -> dict[str, Any]:
    """Deployments and StatefulSets: their own metadata, replicas, selector and pod template."""
    spec = item.get("spec")
    if not isinstance(spec, dict):
        return {"metadata": _meta(item.get("metadata")), "spec": spec}
    kept: dict[str, Any] = _pick(spec, ("replicas", "selector", "serviceName"))
    if "template" in spec:
        kept["template"] = _template(spec["template"])
    return {"metadata": _meta(item.get("metadata")), "spec": kept}


PRUNERS = {"pods": pod, "nodes": node, "deployments": controller, "statefulsets": controller}
