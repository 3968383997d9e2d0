"""Load a corpus shape (objects as the API server returns them, one YAML document each) into the
fake API server's data: kind → list, keyed like the server's routes. Kinds the scanner never lists
(Services, ReplicaSets, Revisions …) are kept aside, so tests can check they are not needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .server import CORE

# (apiVersion group, kind) → the fake server's resource key
KEYS: dict[tuple[str, str], str] = {
    ("", "Pod"): "pods",
    ("", "Node"): "nodes",
    ("apps", "Deployment"): "deployments",
    ("apps", "StatefulSet"): "statefulsets",
    ("autoscaling", "HorizontalPodAutoscaler"): "horizontalpodautoscalers",
    ("leaderworkerset.x-k8s.io", "LeaderWorkerSet"): "leaderworkersets",
    ("serving.kserve.io", "InferenceService"): "inferenceservices",
    ("kaito.sh", "Workspace"): "workspaces",
    ("keda.sh", "ScaledObject"): "scaledobjects",
    ("autoscaling.aibrix.ai", "PodAutoscaler"): "podautoscalers",
    ("kubeai.org", "Model"): "models",
}


def load_live(path: Path) -> dict[str, list[dict[str, Any]]]:
    """``live.yaml`` → {resource key: items}; every core kind present (maybe empty)."""
    data: dict[str, list[dict[str, Any]]] = {k: [] for k in CORE}
    for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if not isinstance(doc, dict):
            continue
        api = str(doc.get("apiVersion") or "")
        group = api.split("/", 1)[0] if "/" in api else ""
        key = KEYS.get((group, str(doc.get("kind"))))
        if key is not None:
            data.setdefault(key, []).append(doc)
    return data
