"""Pods → workloads: what runs, grouped the way the platform groups it.

Pods are the evidence. Each pod is attributed to one workload:

* a platform group label first, where a custom controller sits above the usual objects:
  LeaderWorkerSet (``leaderworkerset.sigs.k8s.io/name``: leader and worker pods of a group are ONE
  replica), KServe (``serving.kserve.io/inferenceservice``, LLMInferenceService), KAITO
  (``kaito.sh/workspace``), KubeAI (``app.kubernetes.io/managed-by=kubeai`` + ``model``), AIBrix
  StormService (``storm-service-name``);
* else its controller ``ownerReferences``: ReplicaSet → Deployment (by the ``pod-template-hash``
  naming rule, so ReplicaSets need not be listed), StatefulSet, DaemonSet, Job …; a bare Pod is its
  own workload.

Listed controllers without pods (scaled to zero, pending) become template-only workloads, except
those a platform owns (an LWS's StatefulSets, a Workspace's StatefulSet, an InferenceService's
Deployment), which are never workloads of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .kube import Listing

LWS_NAME = "leaderworkerset.sigs.k8s.io/name"
LWS_GROUP = "leaderworkerset.sigs.k8s.io/group-index"
LWS_WORKER = "leaderworkerset.sigs.k8s.io/worker-index"
LWS_SIZE = "leaderworkerset.sigs.k8s.io/size"
KSERVE_ISVC = "serving.kserve.io/inferenceservice"
KAITO_WS = "kaito.sh/workspace"
# kinds whose objects (Deployments, StatefulSets) are parts of a platform workload
_PLATFORM_OWNERS = {"LeaderWorkerSet", "InferenceService", "Workspace", "Model", "Pod", "LLMInferenceService",
                    "Revision", "StormService", "RoleSet", "InferenceSet"}  # fmt: skip


@dataclass(slots=True)
class Workload:
    """One unit that serves a model: its pods, and the controller object when it was listed."""

    namespace: str
    kind: str
    name: str
    platform: str | None = None
    obj: dict[str, Any] | None = None  # the controller (Deployment, StatefulSet, LWS, ISVC …)
    pods: list[dict[str, Any]] = field(default_factory=list)
    parts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (kind, owned Deployment/StatefulSet)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.kind, self.name)

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.kind}/{self.name}"

    def template(self) -> dict[str, Any]:
        """The pod template the controller declares ({} when there is none or it is not listed)."""
        for obj in [self.obj, *self.part_objects()]:
            spec = _dict(_dict(obj).get("spec"))
            if isinstance(spec.get("template"), dict):
                return dict(spec["template"])
            lwt = _dict(spec.get("leaderWorkerTemplate"))
            tpl = lwt.get("leaderTemplate") or lwt.get("workerTemplate")
            if isinstance(tpl, dict):
                return dict(tpl)
        return {}

    def part_objects(self) -> list[dict[str, Any]]:
        # the leader's StatefulSet (owned by the LWS) before workers' (owned by a leader pod)
        return [o for _, o in sorted(self.parts, key=lambda p: (_controller(p[1]) or {}).get("kind") == "Pod")]

    def labels(self) -> dict[str, str]:
        """Labels of the controller, its template and every pod (for discovery and selectors)."""
        out: dict[str, str] = {}
        for obj in [self.obj, *self.part_objects(), self.template()]:
            out.update(labels_of(obj))
        return out

    def annotations(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for obj in [self.obj, *self.part_objects(), self.template()]:
            out.update(_str_map(_dict(_dict(obj).get("metadata")).get("annotations")))
        return out


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def labels_of(obj: Any) -> dict[str, str]:
    return _str_map(_dict(_dict(obj).get("metadata")).get("labels"))


def meta(obj: Any) -> tuple[str, str]:
    m = _dict(_dict(obj).get("metadata"))
    return str(m.get("namespace") or "default"), str(m.get("name") or "?")


def _controller(obj: Any) -> dict[str, Any] | None:
    refs = _dict(_dict(obj).get("metadata")).get("ownerReferences")
    refs = [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []
    return next((r for r in refs if r.get("controller")), refs[0] if refs else None)


def group_label(labels: dict[str, str]) -> tuple[str, str, str] | None:
    """(kind, name, platform) when a platform's well-known labels group this pod."""
    if labels.get(LWS_NAME):
        return ("LeaderWorkerSet", labels[LWS_NAME], "LeaderWorkerSet")
    if labels.get(KSERVE_ISVC):
        return ("InferenceService", labels[KSERVE_ISVC], "KServe")
    if labels.get("app.kubernetes.io/part-of") == "llminferenceservice" and labels.get("app.kubernetes.io/name"):
        return ("LLMInferenceService", labels["app.kubernetes.io/name"], "KServe")
    if labels.get(KAITO_WS):
        return ("Workspace", labels[KAITO_WS], "KAITO")
    if labels.get("app.kubernetes.io/managed-by") == "kubeai" and labels.get("model"):
        return ("Model", labels["model"], "KubeAI")
    if labels.get("storm-service-name"):
        return ("StormService", labels["storm-service-name"], "AIBrix")
    return None


def platform_of(labels: dict[str, str]) -> str | None:
    """Platforms that label ordinary Deployments (no grouping of their own)."""
    if any(k.startswith("llm-d.ai/") for k in labels):
        return "llm-d"
    if "model.aibrix.ai/name" in labels:
        return "AIBrix"
    if labels.get("app.kubernetes.io/component") == "serving-engine" or "helm-release-name" in labels:
        return "production-stack"
    if "serving.knative.dev/revision" in labels:
        return "Knative"
    return None


class _Index:
    def __init__(self, listings: dict[str, Listing]) -> None:
        self.by_kind: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        for key, kind in (("deployments", "Deployment"), ("statefulsets", "StatefulSet"),
                          ("leaderworkersets", "LeaderWorkerSet"), ("inferenceservices", "InferenceService"),
                          ("workspaces", "Workspace"), ("models", "Model")):  # fmt: skip
            listing = listings.get(key)
            self.by_kind[kind] = {meta(o): o for o in (listing.items if listing else [])}

    def get(self, kind: str, ns: str, name: str) -> dict[str, Any] | None:
        return self.by_kind.get(kind, {}).get((ns, name))


def _owner_key(pod: dict[str, Any], index: _Index) -> tuple[str, str]:
    """(kind, name) of the workload a pod's controller chain leads to."""
    ns, name = meta(pod)
    ref = _controller(pod)
    if ref is None:
        return ("Pod", name)
    kind, owner = str(ref.get("kind") or "?"), str(ref.get("name") or "?")
    if kind == "ReplicaSet":
        hash_ = labels_of(pod).get("pod-template-hash")
        if hash_ and owner.endswith(f"-{hash_}"):
            deployment = owner[: -len(hash_) - 1]
            if index.get("Deployment", ns, deployment) is not None or not index.by_kind["Deployment"]:
                return ("Deployment", deployment)
        return ("ReplicaSet", owner)
    if kind in ("StatefulSet", "Deployment"):
        parent = _controller(index.get(kind, ns, owner))
        if parent is not None and parent.get("kind") in _PLATFORM_OWNERS - {"Pod"}:
            return (str(parent["kind"]), str(parent.get("name")))
    return (kind, owner)


def group(listings: dict[str, Listing]) -> list[Workload]:
    """Every workload in the listings: from the pods first, then controllers without pods."""
    index = _Index(listings)
    found: dict[tuple[str, str, str], Workload] = {}
    pods = listings["pods"].items if "pods" in listings else []
    for pod in pods:
        ns, _ = meta(pod)
        labels = labels_of(pod)
        grouped = group_label(labels)
        kind, name, platform = grouped if grouped else (*_owner_key(pod, index), platform_of(labels))
        w = found.get((ns, kind, name))
        if w is None:
            w = found[(ns, kind, name)] = Workload(ns, kind, name, platform, index.get(kind, ns, name))
        w.pods.append(pod)
    _attach_parts(found, index)
    _add_podless(found, index)
    return sorted(found.values(), key=lambda w: w.key)


def _attach_parts(found: dict[tuple[str, str, str], Workload], index: _Index) -> None:
    """Deployments/StatefulSets that belong to a platform workload (for templates and HPAs)."""
    for kind in ("Deployment", "StatefulSet"):
        for (ns, _name), obj in index.by_kind[kind].items():
            owner = _controller(obj)
            grouped = group_label({**labels_of(obj), **labels_of(_dict(_dict(obj.get("spec")).get("template")))})
            target = (ns, grouped[0], grouped[1]) if grouped else None
            if target is None and owner is not None and owner.get("kind") in _PLATFORM_OWNERS - {"Pod"}:
                target = (ns, str(owner["kind"]), str(owner.get("name")))
            if target is not None and target in found:
                found[target].parts.append((kind, obj))


def _add_podless(found: dict[tuple[str, str, str], Workload], index: _Index) -> None:
    claimed = {id(p) for w in found.values() for _, p in w.parts}
    for kind, objs in index.by_kind.items():
        for (ns, name), obj in objs.items():
            if (ns, kind, name) in found or id(obj) in claimed:
                continue
            owner = _controller(obj)
            if owner is not None and owner.get("kind") in _PLATFORM_OWNERS:
                continue  # a part of a platform workload, never one of its own
            labels = {**labels_of(obj), **labels_of(_dict(_dict(obj.get("spec")).get("template")))}
            grouped = group_label(labels) if kind in ("Deployment", "StatefulSet") else None
            if grouped is not None:
                w = found.setdefault((ns, grouped[0], grouped[1]), Workload(ns, grouped[0], grouped[1], grouped[2]))
                w.parts.append((kind, obj))
                continue
            found[(ns, kind, name)] = Workload(ns, kind, name, platform_of(labels) or _platform_kind(kind), obj)


def _platform_kind(kind: str) -> str | None:
    return {"LeaderWorkerSet": "LeaderWorkerSet", "InferenceService": "KServe", "Workspace": "KAITO",
            "Model": "KubeAI"}.get(kind)  # fmt: skip


def matches_selector(selector: str | None, labels: dict[str, str]) -> bool:
    """A kubectl-style label selector (``=``, ``==``, ``!=``, ``in``, ``notin``, ``key``, ``!key``)."""
    if not selector:
        return True
    return all(_term(t.strip(), labels) for t in _split_terms(selector) if t.strip())


def _split_terms(selector: str) -> Iterable[str]:
    depth, start = 0, 0
    for i, c in enumerate(selector):
        depth += c == "("
        depth -= c == ")"
        if c == "," and depth == 0:
            yield selector[start:i]
            start = i + 1
    yield selector[start:]


def _term(term: str, labels: dict[str, str]) -> bool:
    words = term.split(None, 1)
    if len(words) == 2 and words[1].split("(", 1)[0].strip() in ("in", "notin"):
        op, _, rest = words[1].partition("(")
        values = {v.strip() for v in rest.rstrip(")").split(",")}
        inside = labels.get(words[0]) in values
        return inside if op.strip() == "in" else not inside
    if term.startswith("!"):
        return term[1:].strip() not in labels
    if "!=" in term:
        k, v = term.split("!=", 1)
        return labels.get(k.strip()) != v.strip()
    if "=" in term:
        k, v = term.replace("==", "=").split("=", 1)
        return labels.get(k.strip()) == v.strip()
    return term in labels


def validate_selector(selector: str) -> str | None:
    """Why a selector is malformed, or None."""
    for t in _split_terms(selector):
        t = t.strip()
        if not t:
            return "empty term"
        if t.count("(") != t.count(")"):
            return f"unbalanced parentheses in {t!r}"
    return None
