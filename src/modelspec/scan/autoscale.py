"""Which autoscaler drives a workload, and its bounds.

An HPA may target a Deployment, a StatefulSet, a LeaderWorkerSet, or a platform's Deployment
(KServe ``<isvc>-predictor``); KEDA ScaledObjects create an HPA (``keda-hpa-<name>``) and are read
directly for their own bounds. Autoscalers that are not HPAs — AIBrix PodAutoscaler (KPA/APA),
KubeAI's built-in autoscaler, Knative's KPA — give their bounds when their objects are readable;
otherwise the replica bounds are ``unknown`` with the reason, never "no HPA".
"""

from __future__ import annotations

from typing import Any

from .facts import Fact, Source
from .kube import Listing
from .workloads import Workload, meta


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


class Autoscalers:
    """Every autoscaler object of the scan, indexed by (namespace, target kind, target name)."""

    def __init__(self, listings: dict[str, Listing]) -> None:
        self.listings = listings
        self.by_target: dict[tuple[str, str, str], list[tuple[str, dict[str, Any]]]] = {}
        for key, kind in (("scaledobjects", "ScaledObject"), ("podautoscalers", "PodAutoscaler"),
                          ("horizontalpodautoscalers", "HPA")):  # fmt: skip
            listing = listings.get(key)
            for obj in listing.items if listing else []:
                ref = _dict(_dict(obj.get("spec")).get("scaleTargetRef"))
                ns, _ = meta(obj)
                target = (ns, str(ref.get("kind") or "Deployment"), str(ref.get("name") or ""))
                self.by_target.setdefault(target, []).append((kind, obj))

    def targets(self, w: Workload) -> list[tuple[str, str]]:
        return [(w.kind, w.name), *((kind, meta(part)[1]) for kind, part in w.parts)]

    def fact(self, w: Workload) -> Fact:
        found: list[tuple[str, dict[str, Any]]] = []
        for kind, name in self.targets(w):
            found += self.by_target.get((w.namespace, kind, name), [])
        found.sort(key=lambda t: ("ScaledObject", "PodAutoscaler", "HPA").index(t[0]))
        if found:
            return _bounds(*found[0])
        platform = _platform_autoscaler(w)
        if platform is not None:
            return platform
        hpa = self.listings.get("horizontalpodautoscalers")
        if hpa is not None and not hpa.ok:
            return Fact.unknown(Source.K8S, hpa.error or "HPAs not readable")
        pa = self.listings.get("podautoscalers")
        if pa is not None and pa.served and not pa.ok and w.platform == "AIBrix":
            return Fact.unknown(Source.K8S, f"AIBrix PodAutoscalers not readable: {pa.error}")
        return Fact({"present": False}, Source.K8S)


def _bounds(kind: str, obj: dict[str, Any]) -> Fact:
    spec = _dict(obj.get("spec"))
    name = meta(obj)[1]
    if kind == "ScaledObject":  # KEDA defaults: minReplicaCount 0, maxReplicaCount 100
        lo, hi = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
        metrics = [str(_dict(t).get("type")) for t in spec.get("triggers") or [] if isinstance(t, dict)]
    else:
        lo, hi = spec.get("minReplicas", 1), spec.get("maxReplicas")
        raw = spec.get("metrics") if kind == "HPA" else spec.get("metricsSources")
        metrics = [
            str(_dict(m).get("type") or _dict(m).get("metricSourceType")) for m in raw or [] if isinstance(m, dict)
        ]
    value = {"present": True, "kind": kind, "name": name, "minReplicas": _int(lo), "maxReplicas": _int(hi),
             "metrics": metrics}  # fmt: skip
    if kind == "PodAutoscaler":
        value["strategy"] = spec.get("scalingStrategy")
    if _int(hi) is None:
        return Fact.unknown(Source.K8S, f"{kind} {name} has no readable maxReplicas")
    return Fact(value, Source.K8S)


def _platform_autoscaler(w: Workload) -> Fact | None:
    """Bounds a platform keeps in its own object (KubeAI Model, InferenceService, Knative)."""
    spec = _dict(_dict(w.obj).get("spec"))
    if w.kind == "Model" and w.obj is not None:
        lo, hi = _int(spec.get("minReplicas", 0)), _int(spec.get("maxReplicas"))
        return Fact({"present": True, "kind": "KubeAI Model", "name": w.name, "minReplicas": lo, "maxReplicas": hi,
                     "metrics": ["targetRequests"]}, Source.K8S)  # fmt: skip
    if w.kind == "InferenceService" and w.obj is not None:
        predictor = _dict(spec.get("predictor"))
        on_knative = any(
            "serving.knative.dev/revision" in _dict(_dict(p.get("metadata")).get("labels")) for p in w.pods
        )
        cls = w.annotations().get("serving.kserve.io/autoscalerClass", "kpa" if on_knative else "hpa")
        if "maxReplicas" in predictor or "minReplicas" in predictor:
            return Fact({"present": True, "kind": f"InferenceService ({cls})", "name": w.name,
                         "minReplicas": _int(predictor.get("minReplicas", 1)),
                         "maxReplicas": _int(predictor.get("maxReplicas", predictor.get("minReplicas", 1))),
                         "metrics": [str(predictor.get("scaleMetric") or "concurrency")]}, Source.K8S)  # fmt: skip
    knative = [p for p in w.pods if "serving.knative.dev/revision" in (_dict(_dict(p.get("metadata")).get("labels")))]
    if knative:
        notes = _dict(_dict(knative[0].get("metadata")).get("annotations"))
        lo, hi = notes.get("autoscaling.knative.dev/min-scale"), notes.get("autoscaling.knative.dev/max-scale")
        if hi is not None:
            return Fact({"present": True, "kind": "Knative KPA", "name": w.name, "minReplicas": _int(lo or 0),
                         "maxReplicas": _int(hi), "metrics": ["concurrency"]}, Source.K8S)  # fmt: skip
        return Fact.unknown(Source.K8S, "scaled by Knative's autoscaler (KPA); its bounds are not on the pods")
    if w.platform == "KubeAI":
        return Fact.unknown(Source.K8S, "scaled by KubeAI's autoscaler; the Model object is not readable")
    return None
