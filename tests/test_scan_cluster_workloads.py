"""Pods → workloads and what each one runs: discovery, platform grouping, revisions, templates.

Real kubernetes client over HTTP to the fake API server; shapes from tests/data/k8s (see each
case.yaml for the public source) and small edits of them.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelspec.scan.kube import KubeReader, Listing, api_client
from modelspec.scan.podfacts import context_of, read_workload
from modelspec.scan.workloads import group
from modelspec.spec.accelerators import from_node_labels

from .conftest import EXAMPLES, ROOT
from .fakes.kube.corpus import load_live
from .fakes.kube.server import load_fixtures, serve, write_kubeconfig

CORPUS = ROOT / "tests/data/k8s"


def listings_of(data: dict[str, Any]) -> dict[str, Listing]:
    with serve(data) as (server, _), tempfile.TemporaryDirectory() as tmp:
        kc = write_kubeconfig(Path(tmp) / "kc", server.server_address[1])
        return KubeReader(api_client(str(kc)), timeout=5).list_all()


def scan(data: dict[str, Any], spec: dict[str, Any], tmp: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    path = tmp / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    with serve(data) as (server, _):
        kc = write_kubeconfig(tmp / "kc", server.server_address[1])
        cmd = [sys.executable, "-m", "modelspec", "scan", "cluster", "--kubeconfig", str(kc), "--spec", str(path)]
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        proc = subprocess.run([*cmd, "--format", "json", *args], capture_output=True, text=True, cwd=ROOT, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def minimal(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((EXAMPLES / "00-minimal.modelspec.yaml").read_text())
    doc["metadata"]["name"] = name
    return dict(doc)


def test_lws_leader_and_workers_are_one_workload_and_one_replica() -> None:
    # the worker StatefulSets (owned by leader Pods) and the leader StatefulSet are never workloads
    workloads = group(listings_of(load_live(CORPUS / "04-lws-vllm-multinode/live.yaml")))
    assert [w.id for w in workloads] == ["default/LeaderWorkerSet/vllm"]
    assert len(workloads[0].pods) == 4 and len(workloads[0].parts) == 3


def test_unlabelled_deployment_found_through_its_pods_labels(tmp_path: Path) -> None:
    data = load_fixtures()
    dep = next(d for d in data["deployments"] if d["metadata"]["name"] == "mistral-7b")
    dep["metadata"]["labels"] = {}
    dep["spec"]["template"]["metadata"]["labels"] = {}
    dep["metadata"].pop("annotations", None)
    _, report, _ = scan(data, minimal("mistral"), tmp_path, "--selector", "app=mistral")
    assert list(report["facts"]["workloads"]) == ["llm/Deployment/mistral-7b"]


def test_bare_pod_with_the_label_is_its_own_workload(tmp_path: Path) -> None:
    data = load_fixtures()
    pod = copy.deepcopy(next(p for p in data["pods"] if p["metadata"]["name"].startswith("mistral")))
    pod["metadata"].update(name="hand-started", labels={"modelspec.piqc.ai/name": "hand"})
    pod["metadata"].pop("ownerReferences")
    data["pods"].append(pod)
    _, report, _ = scan(data, minimal("hand"), tmp_path)
    assert list(report["facts"]["workloads"]) == ["llm/Pod/hand-started"]


def test_nothing_found_says_what_was_searched_and_never_full_coverage(tmp_path: Path) -> None:
    code, report, _ = scan(load_fixtures(), minimal("nowhere"), tmp_path, "--namespace", "llm")
    (finding,) = [f for f in report["findings"] if not f["message"].startswith("no spec")]  # inventory's own
    assert code == 1 and finding["status"] == "missing"
    assert "searched namespace llm" in finding["message"] and "pods in" in finding["message"]
    assert "labelled specs seen: llama-3-70b-chat" in finding["message"]
    assert report["summary"]["coverage"] == 0.0 and report["target"]["workloads"] == 0


def test_rollout_revisions_and_mutated_pods_are_reported(tmp_path: Path) -> None:
    data = load_fixtures()
    old = next(p for p in data["pods"] if p["metadata"]["name"].endswith("abcde"))
    old["metadata"]["labels"]["pod-template-hash"] = "6c5b4"
    old["metadata"]["ownerReferences"][0]["name"] = "llama-3-70b-chat-6c5b4"
    old["spec"]["containers"][0]["args"] = [a if a != "4" else "2" for a in old["spec"]["containers"][0]["args"]]
    new = next(p for p in data["pods"] if p["metadata"]["name"].endswith("fghij"))
    new["spec"]["containers"][0]["image"] = "registry.internal/mirror/vllm-openai:v0.9.0"  # a webhook rewrote it
    llama = EXAMPLES / "08-full-production.modelspec.yaml"
    _, report, _ = scan(data, yaml.safe_load(llama.read_text()), tmp_path)
    ids = sorted(report["facts"]["workloads"])
    assert ids == ["llm/Deployment/llama-3-70b-chat@6c5b4", "llm/Deployment/llama-3-70b-chat@7d9f8"]
    notes = [n for w in report["facts"]["workloads"].values() for n in w["notes"]]
    assert any("2 revisions run at once" in n for n in notes)
    assert any("llama-3-70b-chat-7d9f8-fghij (image)" in n for n in notes)
    assert any("llama-3-70b-chat-7d9f8-abcde (args)" in n for n in notes)  # older revision than the template


def test_template_only_workload_defaults_requests_from_limits() -> None:
    data = load_fixtures()
    data["pods"] = [p for p in data["pods"] if not p["metadata"]["name"].startswith("mistral")]
    dep = next(d for d in data["deployments"] if d["metadata"]["name"] == "mistral-7b")
    dep["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "6", "nvidia.com/gpu": "1"}}
    listings = listings_of(data)
    (w,) = [w for w in group(listings) if w.name == "mistral-7b"]
    (facts,) = read_workload(w, context_of(listings))
    assert facts.resources["cpu"].value == 6 and facts.resources["gpu"].value == 1
    assert any("no running pod" in n for n in facts.notes)


def test_script_from_a_configmap_is_not_claimed_by_the_image(tmp_path: Path) -> None:
    # research 15A: a vLLM (ROCm) image whose command runs llama-server from a mounted script
    data = load_live(CORPUS / "15-llamacpp-server/live.yaml")
    spec = minimal("llamacpp")
    spec["spec"]["identity"]["model"]["framework"] = "llama.cpp"
    spec["spec"]["runtime"]["accelerator"] = {"vendor": "amd", "type": "mi300x", "count": 1}
    code, report, _ = scan(data, spec, tmp_path, "--selector", "app=llm-inference-llamacpp")
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert by_rule["MS515"]["status"] == "unknown" and "overrides" in by_rule["MS515"]["message"]
    assert by_rule["MS503"]["status"] == "match" and by_rule["MS501"]["status"] == "match"  # amd.com labels
    assert code == 0


def test_knative_autoscaler_without_the_inferenceservice_is_unknown_not_no_hpa(tmp_path: Path) -> None:
    data = load_live(CORPUS / "07-kserve-knative-serverless/live.yaml")
    data.pop("inferenceservices")
    case = yaml.safe_load((CORPUS / "07-kserve-knative-serverless/case.yaml").read_text())
    _, report, _ = scan(data, case["spec"], tmp_path, "--selector", case["selector"])
    scaling = [f for f in report["findings"] if f["field"].startswith("/spec/operations/scaling/")]
    assert scaling and all(f["status"] == "unknown" and "Knative" in f["message"] for f in scaling)


EXPECTED_NODES = {
    "ip-10-0-2-11.ec2.internal": ("h100", "nvidia.com/gpu.product"),
    "ip-10-0-1-23.ec2.internal": ("a10g", "nvidia.com/gpu.product"),
    "ip-10-0-3-17.ec2.internal": ("l4", "karpenter.k8s.aws/instance-gpu-name"),
    "i-0a1b2c3d4e5f60789": ("l40s", "eks.amazonaws.com/instance-gpu-name"),
    "aks-gpunp-12345678-vmss000000": ("h100", "node.kubernetes.io/instance-type"),
    "aks-gpuop-87654321-vmss000000": ("h100", "nvidia.com/gpu.product"),
    "gke-llm-cluster-a3-pool-1f2e3d4c-8m2v": ("h100", "cloud.google.com/gke-accelerator"),
    "gke-vllm-cluster-g2-pool-5d7e1a2b-x7kq": ("l4", "cloud.google.com/gke-accelerator"),
    "gk3-autopilot-cluster-nap-1abcd2ef-9x8w": ("l4", "cloud.google.com/gke-accelerator"),
    "mi300x-node-01": ("mi300x", "amd.com/gpu.product-name"),
}


@pytest.mark.parametrize("node", sorted(EXPECTED_NODES))
def test_gpu_type_from_each_platforms_node_labels(node: str) -> None:
    # label sets of EKS (managed node group, Karpenter, Auto Mode), AKS (with and without the GPU
    # operator), GKE (Standard and Autopilot) and AMD's labeller: tests/data/k8s-nodes/SOURCES
    docs = yaml.safe_load_all((ROOT / "tests/data/k8s-nodes/live.yaml").read_text())
    labels = next(d["metadata"]["labels"] for d in docs if d and d["metadata"]["name"] == node)
    found = from_node_labels(labels)
    assert found is not None and found.gpu is not None
    assert (found.gpu.type, found.label) == EXPECTED_NODES[node]
