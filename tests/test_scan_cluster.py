"""Cluster scanner: the real kubernetes client against our loopback API server and vLLM server."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from modelspec.scan.kube import KINDS

from .conftest import EXAMPLES, ROOT
from .fakes.kube.server import Fault, State, load_fixtures, serve, write_kubeconfig
from .fakes.vllm.server import serve_vllm

REPORT_SCHEMA = json.loads((ROOT / "schema/scanreport.v1alpha1.json").read_text())
SECRET = "hf_FixtureSecretValue0123456789abcdefXYZ"
LLAMA = EXAMPLES / "08-full-production.modelspec.yaml"


@contextmanager
def cluster(tmp: Path, data: dict[str, Any] | None = None, **options: Any) -> Iterator[tuple[Path, State]]:
    with serve(data, **options) as (server, state):
        yield write_kubeconfig(tmp / "kubeconfig", server.server_address[1]), state


def run(kubeconfig: Path, *args: str, specs: tuple[Path, ...] = (LLAMA,)) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "modelspec", "scan", "cluster", "--kubeconfig", str(kubeconfig), "--timeout", "2"]
    for s in specs:
        cmd += ["--spec", str(s)]
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def report_of(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    report = json.loads(proc.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    return report


def by_field(report: dict[str, Any], workload: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in report["findings"]:
        if f.get("workload") == workload:
            out.setdefault(f["field"], []).append(f)
    return out


def test_three_launch_forms_matched_and_compared(tmp_path: Path) -> None:
    specs = (LLAMA, EXAMPLES / "01-artifacts.modelspec.yaml", EXAMPLES / "03-batching.modelspec.yaml")
    with cluster(tmp_path) as (kc, state):
        proc = run(kc, "--format", "json", specs=specs)
        assert proc.returncode == 1, proc.stderr
        report = report_of(proc)
        # one discovery call and one list call per kind, whatever the number of pods or specs
        assert sum(state.requests.values()) == 6 and set(state.requests.values()) == {1}
        assert "/apis" in state.requests
    assert report["target"]["workloads"] == 3
    llama = by_field(report, "llm/Deployment/llama-3-70b-chat")
    assert llama["/spec/operations/scaling/maxReplicas"][0]["status"] == "drift"
    assert llama["/spec/operations/scaling/maxReplicas"][0]["observed"] == 4
    assert {f["status"] for f in llama["/spec/runtime/accelerator/count"]} == {"match"}
    assert llama["/spec/runtime/accelerator/type"][0]["observed"] == "h100"
    assert llama["/spec/runtime/batch/maxSequenceLengthTokens"][0]["source"] == "vllm-args"
    llmd = by_field(report, "llm/StatefulSet/llm-d-decode")
    assert llmd["/spec/operations/serving/port"][0]["status"] == "drift"  # sh -c "... --port 8200"
    assert llmd["/spec/runtime/batch/maxBatchSize"][0]["observed"] == 64
    assert llmd["/spec/runtime/accelerator/count"][1]["source"] == "default"  # TP absent: vLLM's default
    mistral = by_field(report, "llm/Deployment/mistral-7b")  # found through the annotation
    assert mistral["/spec/runtime/accelerator/type"][0]["status"] == "match"
    assert mistral["/spec/identity/model/precision"][0]["status"] == "unknown"  # --dtype auto


def test_namespace_selector_kserve_and_mig(tmp_path: Path) -> None:
    doc = yaml.safe_load((EXAMPLES / "00-minimal.modelspec.yaml").read_text())
    doc["metadata"]["name"] = "qwen2-7b"
    doc["spec"]["identity"]["model"]["framework"] = "vllm"
    doc["spec"]["runtime"]["accelerator"] = {"vendor": "nvidia", "type": "a100-80gb", "count": 1}
    doc["spec"]["runtime"]["batch"] = {"maxSequenceLengthTokens": 32768}
    spec = tmp_path / "qwen.modelspec.yaml"
    spec.write_text(yaml.safe_dump(doc))
    with cluster(tmp_path) as (kc, state):
        proc = run(kc, "--namespace", "kserve", "--selector", "app=qwen", "--format", "json", specs=(spec,))
        # the selector is matched client-side on pods AND workloads (an unlabelled Deployment whose
        # pods carry the label is found); the namespace is applied by the server
        assert not any("labelSelector" in p for p in state.log)
        assert all("/namespaces/kserve/" in p for p in state.log if "nodes" not in p and p != "/apis")
    report = report_of(proc)
    # the predictor Deployment belongs to its InferenceService (label serving.kserve.io/inferenceservice)
    f = by_field(report, "kserve/InferenceService/qwen")
    assert f["/spec/runtime/batch/maxSequenceLengthTokens"][0]["status"] == "unknown"
    assert "MAX_MODEL_LEN" in f["/spec/runtime/batch/maxSequenceLengthTokens"][0]["message"]
    assert f["/spec/runtime/accelerator/type"][0]["status"] == "drift"  # MIG slice, from the nodeSelector
    assert f["/spec/runtime/accelerator/type"][0]["source"] == "inferred"
    assert f["/spec/runtime/accelerator/count"][0]["status"] == "match"  # one nvidia.com/mig-1g.10gb


def test_paging_with_limit_and_continue(tmp_path: Path) -> None:
    data = load_fixtures()
    base = data["pods"][0]
    data["pods"] = [dict(copy.deepcopy(base), metadata={**base["metadata"], "name": f"p{i}"}) for i in range(7)]
    with cluster(tmp_path, data) as (kc, state):
        proc = run(kc, "--format", "json", "--page-size", "2")
        assert state.requests["/api/v1/pods"] == 4
        assert any("continue=tok-2" in p for p in state.log) and any("limit=2" in p for p in state.log)
    pods = report_of(proc)["facts"]["workloads"]["llm/Deployment/llama-3-70b-chat"]["pods"]
    assert len(pods) == 7


def test_expired_continue_token_relists_then_reports(tmp_path: Path) -> None:
    with cluster(tmp_path, expire_continue=True) as (kc, state):
        proc = run(kc, "--format", "json", "--page-size", "1")
        assert state.requests["/api/v1/pods"] >= 3  # first page, 410, relist
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    assert "continue token expired" in proc.stderr
    assert report_of(proc)["facts"]["listings"]["pods"]["error"]


def test_hpa_forbidden_means_unknown_autoscaling_never_false(tmp_path: Path) -> None:
    with cluster(tmp_path, faults={"horizontalpodautoscalers": Fault(status=403)}) as (kc, _):
        proc = run(kc, "--format", "json")
    assert "forbidden (403)" in proc.stderr
    f = by_field(report_of(proc), "llm/Deployment/llama-3-70b-chat")
    assert f["/spec/operations/scaling/minReplicas"][0]["status"] == "unknown"
    assert "403" in f["/spec/operations/scaling/maxReplicas"][0]["message"]


@pytest.mark.parametrize(
    ("kind", "fault", "expect"),
    [
        ("statefulsets", Fault(status=404), "not found (404)"),
        ("nodes", Fault(drop=True), "nodes:"),
        ("pods", Fault(delay=3.5), "pods:"),
        ("deployments", Fault(status=500, times=1), None),  # one retry heals it
    ],
)
def test_faults_give_partial_reports(tmp_path: Path, kind: str, fault: Fault, expect: str | None) -> None:
    with cluster(tmp_path, faults={kind: fault}) as (kc, _):
        proc = run(kc, "--format", "json")
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), proc.stderr
    report = report_of(proc)
    if expect:
        assert expect in proc.stderr and report["facts"]["listings"][kind]["error"]
    else:
        assert report["facts"]["listings"][kind]["error"] is None


def test_nothing_readable_is_exit_2(tmp_path: Path) -> None:
    faults = {
        k: Fault(status=403) for k in ("pods", "nodes", "deployments", "statefulsets", "horizontalpodautoscalers")
    }
    with cluster(tmp_path, faults=faults) as (kc, _):
        proc = run(kc)
    assert proc.returncode == 2 and "nothing could be read" in proc.stderr


def test_bad_kubeconfig_and_missing_workload(tmp_path: Path) -> None:
    proc = run(tmp_path / "missing-kubeconfig")
    assert proc.returncode == 2 and proc.stderr.startswith("error: cannot load kubeconfig")
    doc = yaml.safe_load((EXAMPLES / "00-minimal.modelspec.yaml").read_text())
    doc["metadata"]["name"] = "not-deployed"
    spec = tmp_path / "x.modelspec.yaml"
    spec.write_text(yaml.safe_dump(doc))
    with cluster(tmp_path) as (kc, _):
        proc = run(kc, "--format", "json", specs=(spec,))
    f = report_of(proc)["findings"][0]
    assert (f["status"], f["severity"], f["workload"]) == ("missing", "error", "spec/not-deployed")


def _with_live_pod(port: int) -> dict[str, Any]:
    data = load_fixtures()
    for item in [*data["deployments"], *data["pods"]]:
        spec = item["spec"].get("template", {}).get("spec") or item["spec"]
        for c in spec["containers"]:
            if c.get("command", [""])[0] == "vllm":
                c["args"] = [a if a != "8000" else str(port) for a in c["args"]]
    for p in data["pods"]:
        p["status"]["podIP"] = "127.0.0.1"
    return data


@pytest.mark.parametrize("names", ["current", "old"])
def test_probe_http_reads_models_metrics_and_windowed_p95(tmp_path: Path, names: str) -> None:
    doc = yaml.safe_load(LLAMA.read_text())
    with serve_vllm(names=names, max_model_len=4096) as vllm:
        # the spec's observability.metrics.port is where /metrics is read: vLLM's own API port here
        doc["spec"]["operations"]["observability"]["metrics"]["port"] = vllm.server_address[1]
        spec = tmp_path / "llama.modelspec.yaml"
        spec.write_text(yaml.safe_dump(doc))
        data = _with_live_pod(vllm.server_address[1])
        with cluster(tmp_path, data) as (kc, _):
            proc = run(kc, "--format", "json", "--probe-http", "--probe-window", "0.3", specs=(spec,))
    report = report_of(proc)
    facts = report["facts"]["workloads"]["llm/Deployment/llama-3-70b-chat"]["http"]
    assert facts["kvCacheUsage"]["value"] == 0.42
    assert facts["kvCacheUsage"]["unit"].endswith("_usage_perc)")
    assert facts["cacheConfig"]["value"]["block_size"] == "16"
    f = by_field(report, "llm/Deployment/llama-3-70b-chat")
    seq = f["/spec/runtime/batch/maxSequenceLengthTokens"][0]
    assert (seq["observed"], seq["source"], seq["status"]) == (4096, "vllm-http", "drift")  # the server wins
    p95 = f["/spec/operations/scaling/targetLatencyMsP95"][0]
    assert p95["observed"] == pytest.approx(3750, rel=0.01) and p95["status"] == "match"
    assert "window" in p95["message"]
    assert f["/spec/operations/observability/metrics/enabled"][0]["status"] == "match"


def test_env_values_never_printed_in_any_format(tmp_path: Path) -> None:
    with cluster(tmp_path) as (kc, _):
        outputs = [run(kc, "--format", fmt).stdout for fmt in ("table", "json", "yaml", "prometheus")]
        target = tmp_path / "report.json"
        run(kc, "--format", "json", "--output", str(target))
        outputs.append(target.read_text())
    assert all(outputs)
    for out in outputs:
        assert SECRET not in out and "FixtureSecretValue" not in out
    assert "HF_TOKEN" in outputs[1]  # the name is reported, the value never


def test_check_access_matrix(tmp_path: Path) -> None:
    with cluster(tmp_path) as (kc, _):
        ok = run(kc, "--check-access", specs=())
    assert ok.returncode == 0 and "horizontalpodautoscalers.autoscaling" in ok.stdout
    with cluster(tmp_path, deny={("list", "horizontalpodautoscalers")}) as (kc, _):
        denied = run(kc, "--check-access", "--format", "json", specs=())
    rows = json.loads(denied.stdout)
    assert denied.returncode == 1 and len(rows) == len(KINDS)  # only the list verb: nothing watches
    assert [r["allowed"] for r in rows if r["resource"].startswith("horizontal") and r["verb"] == "list"] == [False]


def test_prometheus_output_has_workload_labels(tmp_path: Path) -> None:
    with cluster(tmp_path) as (kc, _):
        proc = run(kc, "--format", "prometheus")
    assert 'workload="llm/Deployment/llama-3-70b-chat"' in proc.stdout
    assert 'modelspec_scan_coverage{spec="llama-3-70b-chat",scope="cluster"}' in proc.stdout


def test_bad_cluster_input_is_exit_2_with_one_line(tmp_path: Path) -> None:
    with cluster(tmp_path) as (kc, state):
        invalid = run(kc, specs=(ROOT / "tests/data/invalid/count-zero.yaml",))
        both = run(kc, "--namespace", "llm", "--all-namespaces")
        assert sum(state.requests.values()) == 0  # bad input never reaches the cluster
    assert invalid.returncode == 2 and "spec is not valid" in invalid.stderr and "MS105" in invalid.stderr
    assert both.returncode == 2 and "exclude each other" in both.stderr
    for proc in (invalid, both):
        assert "Traceback" not in proc.stderr
