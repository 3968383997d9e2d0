"""deploy/node-scan-daemonset.yaml: no API access, non-root, read-only, --spec-dir over a ConfigMap."""

from __future__ import annotations

from typing import Any

import yaml

from .conftest import ROOT

DOCS = [d for p in sorted((ROOT / "deploy").glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]
NODE = [d for d in yaml.safe_load_all((ROOT / "deploy/node-scan-daemonset.yaml").read_text()) if d]


def _one(kind: str) -> dict[str, Any]:
    (doc,) = [d for d in NODE if d["kind"] == kind]
    return doc


def test_own_service_account_without_token_or_rbac() -> None:
    sa = _one("ServiceAccount")
    pod = _one("DaemonSet")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == sa["metadata"]["name"] == "modelspec-node-scan"
    assert sa["automountServiceAccountToken"] is False and pod["automountServiceAccountToken"] is False
    bound = [
        s["name"]
        for d in DOCS
        if d["kind"] in ("RoleBinding", "ClusterRoleBinding")
        for s in d.get("subjects", [])
        if s.get("kind") == "ServiceAccount"
    ]
    assert "modelspec-node-scan" not in bound


def test_non_root_read_only_and_least_privilege() -> None:
    pod = _one("DaemonSet")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert not pod.get("hostPID") and not pod.get("hostNetwork")
    (container,) = pod["containers"]
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"] and "privileged" not in sc
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert mounts["host-proc"]["readOnly"] is True and volumes["host-proc"]["hostPath"]["path"] == "/proc"
    assert mounts["specs"]["readOnly"] is True and "configMap" in volumes["specs"]
    writable = [m["name"] for m in container["volumeMounts"] if not m.get("readOnly")]
    assert writable == ["textfile"]


def test_scans_every_spec_of_the_configmap_against_the_host_proc() -> None:
    pod = _one("DaemonSet")["spec"]["template"]["spec"]
    script = " ".join(pod["containers"][0]["args"])
    assert "scan node --spec-dir /specs --proc-root /host/proc" in script
    assert "--format prometheus" in script and "--output /textfile/modelspec.prom" in script
    assert "--spec " not in script


def test_scan_node_help_names_the_options_the_daemonset_uses() -> None:
    from click.testing import CliRunner

    from modelspec.cli._group import cli

    out = CliRunner().invoke(cli, ["scan", "node", "--help"]).output
    for option in ("--spec-dir", "--proc-root", "--pid", "--require-server", "--probe-http"):
        assert option in out
