"""deploy/ manifests load as Kubernetes objects (the client's own models) and stay read-only."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from .conftest import ROOT

MANIFESTS = sorted((ROOT / "deploy").glob("*.yaml"))
MODELS = {
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "V1ClusterRole",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "V1ClusterRoleBinding",
    ("batch/v1", "Job"): "V1Job",
    ("batch/v1", "CronJob"): "V1CronJob",
    ("apps/v1", "DaemonSet"): "V1DaemonSet",
}


def documents() -> list[tuple[str, dict[str, Any]]]:
    return [(p.name, d) for p in MANIFESTS for d in yaml.safe_load_all(p.read_text()) if d]


@pytest.mark.parametrize(("name", "doc"), documents(), ids=lambda v: v if isinstance(v, str) else v.get("kind"))
def test_manifest_deserializes_with_client_models(name: str, doc: dict[str, Any]) -> None:
    from kubernetes import client

    model = MODELS[(doc["apiVersion"], doc["kind"])]
    obj = client.ApiClient().deserialize(json.dumps(doc), model, "application/json")
    assert obj.metadata.name
    # no field was dropped: the client's model serialises back to the same document
    assert client.ApiClient().sanitize_for_serialization(obj) == doc


def test_cluster_role_is_read_only_and_has_no_secrets() -> None:
    role = next(d for _, d in documents() if d["kind"] == "ClusterRole")
    from modelspec.scan.kube import KINDS, VERBS

    resources = {r for rule in role["rules"] for r in rule["resources"]}
    verbs = {v for rule in role["rules"] for v in rule["verbs"]}
    granted = {(g, r) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
    # exactly what the scanner lists, with exactly the verbs it uses (nothing watches)
    assert granted == {(k.group, k.plural) for k in KINDS.values()}
    assert verbs == set(VERBS) == {"list"}
    assert not any("secrets" in r or "configmaps" in r or "/exec" in r for r in resources)


def test_scanners_run_as_the_service_account_and_daemonset_targets_gpu_nodes() -> None:
    docs = dict((d["kind"], d) for _, d in documents())
    ds = docs["DaemonSet"]["spec"]["template"]["spec"]
    assert ds["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert "scan node" in " ".join(ds["containers"][0]["args"])
    for kind in ("Job", "DaemonSet"):
        spec = docs[kind]["spec"]["template"]["spec"]
        assert spec["serviceAccountName"] == "modelspec-scanner"
    cron = docs["CronJob"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert "scan cluster" in " ".join(cron["containers"][0]["args"])
