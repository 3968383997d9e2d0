"""scan node and the model server itself: real child processes named like the server, started with
real flags and an env secret; the fake libnvidia-ml.so.1 reports their real PIDs (the server's
tensor-parallel worker children) with per-pid GPU memory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from .conftest import EXAMPLES, ROOT
from .fakes.nvml.profile import build_library, write_profile
from .fakes.servers import Server, running_server
from .fakes.vllm.server import serve_vllm

REPORT_SCHEMA = json.loads((ROOT / "schema/scanreport.v1alpha1.json").read_text())
API_KEY = "sk-live-0123456789abcdefSECRET"
HF_TOKEN = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123SECRET"
MODEL = "meta-llama/Meta-Llama-3-70B-Instruct"
MIB = 2**20


@pytest.fixture(scope="session")
def fake_nvml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_library(tmp_path_factory.mktemp("nvml")).parent


def h100s(n: int, procs: dict[int, list[tuple[int, int]]], used_mib: int = 0) -> dict[str, Any]:
    """A profile of ``n`` H100s; ``procs``: GPU index → [(pid, MiB)] (memory used = their sum + used_mib)."""
    gpus = []
    for i in range(n):
        plist = procs.get(i, [])
        gpus.append(
            {
                "name": "NVIDIA H100 80GB HBM3",
                "memory_mib": 81559,
                "used_mib": used_mib + sum(m for _, m in plist),
                "uuid": f"GPU-5a1e3b0c-8d2f-4e6a-9b7c-1d2e3f4a5b{i:02d}",
                "pci": f"00000000:{0x18 + i:02X}:00.0",
                "processes": [{"pid": p, "used_mib": m} for p, m in plist],
            }
        )
    return {"driver": "550.54.15", "cuda": 12040, "gpus": gpus}


def run_scan(
    lib: Path | None, profile: dict[str, Any] | None, tmp: Path, *args: str, wrap: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", LD_LIBRARY_PATH=str(lib or tmp / "no-lib"))
    if profile is not None:
        env["MODELSPEC_FAKE_NVML_PROFILE"] = str(write_profile(profile, tmp / "profile.txt"))
    return subprocess.run(
        [*(wrap or []), sys.executable, "-m", "modelspec", "scan", "node", *args, "--cache-dir", str(tmp)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def spec_file(tmp: Path, name: str = "spec", mutate: Any = None, base: str = "08-full-production") -> Path:
    doc = yaml.safe_load((EXAMPLES / f"{base}.modelspec.yaml").read_text())
    doc["spec"].pop("pipeline", None)
    doc["spec"]["runtime"].pop("resources", None)
    if mutate:
        mutate(doc)
    out = tmp / f"{name}.modelspec.yaml"
    out.write_text(yaml.safe_dump(doc))
    return out


def report_of(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in proc.stderr, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    return report


def server_findings(report: dict[str, Any], pid: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in report["findings"]:
        if f.get("workload", "").endswith(f"pid {pid}"):
            out.setdefault(f["field"], []).append(f)
    return out


@contextmanager
def vllm_tp2(tmp: Path, *extra: str, port: int = 8001) -> Iterator[Server]:
    args = [
        "serve",
        MODEL,
        "--tensor-parallel-size",
        "2",
        "--max-model-len",
        "4096",
        "--port",
        str(port),
        "--dtype",
        "bfloat16",
        "--api-key",
        API_KEY,
        *extra,
    ]
    with running_server(tmp, "vllm", list(args), env={"HF_TOKEN": HF_TOKEN}) as server:
        yield server


@contextmanager
def idle_child() -> Iterator[int]:
    """A real process that is not a model server (e.g. a notebook holding GPU memory)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def test_server_facts_findings_and_gpu_attribution(fake_nvml: Path, tmp_path: Path) -> None:
    with vllm_tp2(tmp_path) as srv, idle_child() as other:
        w0, w1 = srv.workers
        profile = h100s(4, {0: [(w0, 60000)], 1: [(w1, 60000)], 2: [(other, 10000)]})
        proc = run_scan(fake_nvml, profile, tmp_path, "--spec", str(spec_file(tmp_path)), "--format", "json")
    report = report_of(proc)
    assert proc.returncode == 1
    (server,) = report["facts"]["servers"]
    assert server["pid"] == srv.pid and server["engine"] == "vllm"
    assert server["launch"]["tensor-parallel-size"]["value"] == 2
    assert server["launch"]["tensor-parallel-size"]["source"] == "vllm-args"
    assert server["launch"]["max-num-seqs"] == {**server["launch"]["max-num-seqs"], "value": 256, "source": "default"}
    assert server["gpus"]["value"] == [0, 1]
    assert server["gpuMemory"]["value"] == {"0": 60000 * MIB, "1": 60000 * MIB}
    gpu_procs = {p["pid"]: p for g in report["facts"]["gpus"] for p in g["processes"]["value"]}
    assert gpu_procs[w0]["server"] == srv.pid and gpu_procs[other]["server"] is None
    f = server_findings(report, srv.pid)
    count = {x["source"]: x for x in f["/spec/runtime/accelerator/count"]}
    assert count["vllm-args"]["status"] == "drift" and count["vllm-args"]["observed"] == 2
    assert "tensor 2 × pipeline 1 × data 1 = 2 GPUs, spec declares 4" in count["vllm-args"]["message"]
    assert count["nvml"]["status"] == "drift" and count["nvml"]["observed"] == 2
    (max_len,) = f["/spec/runtime/batch/maxSequenceLengthTokens"]
    assert (max_len["status"], max_len["declared"], max_len["observed"]) == ("drift", 8192, 4096)
    (port,) = f["/spec/operations/serving/port"]
    assert (port["status"], port["observed"]) == ("drift", 8001)
    (batch,) = f["/spec/runtime/batch/maxBatchSize"]
    assert (batch["status"], batch["observed"], batch["source"]) == ("drift", 256, "default")
    (precision,) = f["/spec/identity/model/precision"]
    assert (precision["status"], precision["observed"]) == ("match", "bf16")
    (model,) = f["/spec/identity/model/id"]
    assert model["status"] == "match"
    (metrics,) = f["/spec/operations/observability/metrics/enabled"]
    assert metrics["status"] == "unknown" and "--probe-http" in metrics["message"]


def test_no_secret_in_any_format_or_output_file(fake_nvml: Path, tmp_path: Path) -> None:
    spec = str(spec_file(tmp_path))
    with vllm_tp2(tmp_path) as srv:
        profile = h100s(2, {0: [(srv.workers[0], 1000)], 1: [(srv.workers[1], 1000)]})
        outputs = []
        for fmt in ("table", "json", "yaml", "prometheus"):
            proc = run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", fmt)
            assert proc.returncode == 1 and "Traceback" not in proc.stderr
            assert f"pid {srv.pid}" in proc.stdout  # the server is in every format
            if fmt == "table":
                assert f"server: vllm pid {srv.pid} serving {MODEL} on GPU [0, 1]" in proc.stdout
            outputs += [proc.stdout, proc.stderr]
            out = tmp_path / f"report.{fmt}"
            proc = run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", fmt, "--output", str(out))
            assert proc.stdout == ""
            outputs += [out.read_text(), proc.stderr]
    for text in outputs:
        assert API_KEY not in text and HF_TOKEN not in text and "SECRET" not in text
        assert "api-key" not in text and "HF_TOKEN" not in text


def test_no_server_is_unknown_and_require_server_makes_it_missing(fake_nvml: Path, tmp_path: Path) -> None:
    spec = str(spec_file(tmp_path, mutate=lambda d: d["spec"]["runtime"]["accelerator"].update(count=2)))
    proc = run_scan(fake_nvml, h100s(2, {}), tmp_path, "--spec", spec, "--format", "json")
    report = report_of(proc)
    assert proc.returncode == 0
    assert report["facts"]["servers"] == [] and "vllm, sglang, tgi" in report["facts"]["serverSearch"]
    server = [f for f in report["findings"] if "no model server found" in f["message"]]
    fields = {f["field"] for f in server}
    assert {"/spec/runtime/batch/maxSequenceLengthTokens", "/spec/operations/serving/port"} <= fields
    assert {f["status"] for f in server} == {"unknown"} and all("searched" in f["message"] for f in server)
    proc = run_scan(fake_nvml, h100s(2, {}), tmp_path, "--spec", spec, "--format", "json", "--require-server")
    report = report_of(proc)
    assert proc.returncode == 1
    missing = [f for f in report["findings"] if "no model server found" in f["message"]]
    assert {(f["status"], f["severity"]) for f in missing} == {("missing", "error")}
    specs = tmp_path / "specs"
    specs.mkdir()
    spec_file(specs, "llama")
    proc = run_scan(fake_nvml, h100s(2, {}), tmp_path, "--spec-dir", str(specs), "--format", "json")
    assert proc.returncode == 0  # a fresh node: nothing runs, nothing drifts
    proc = run_scan(fake_nvml, h100s(2, {}), tmp_path, "--spec-dir", str(specs), "--format", "json", "--require-server")
    assert proc.returncode == 1
    (none,) = [f for f in report_of(proc)["findings"] if f["status"] == "missing"]
    assert none["field"] == "/spec/identity/model" and "no server of any spec" in none["message"]


def test_pid_picks_one_of_two_servers(fake_nvml: Path, tmp_path: Path) -> None:
    spec = str(spec_file(tmp_path))
    with ExitStack() as stack:
        a = stack.enter_context(vllm_tp2(tmp_path, port=8001))
        b = stack.enter_context(vllm_tp2(tmp_path, port=8000))
        profile = h100s(4, {i: [(pid, 500)] for i, pid in enumerate([*a.workers, *b.workers])})
        both = report_of(run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", "json"))
        assert {s["pid"] for s in both["facts"]["servers"]} == {a.pid, b.pid}
        # a worker pid selects the server that owns it
        proc = run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", "json", "--pid", str(b.workers[1]))
        one = report_of(proc)
        assert [s["pid"] for s in one["facts"]["servers"]] == [b.pid]
        assert server_findings(one, b.pid)["/spec/operations/serving/port"][0]["status"] == "match"
        assert not server_findings(one, a.pid)
        proc = run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", "json", "--pid", "1")
        assert "no model server is or owns that pid" in report_of(proc)["facts"]["serverSearch"]


def test_spec_dir_claims_servers_by_model(fake_nvml: Path, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    spec_file(specs, "llama")
    spec_file(specs, "mistral", base="01-artifacts")
    (specs / "README.txt").write_text("not a spec")
    mistral = yaml.safe_load((specs / "mistral.modelspec.yaml").read_text())
    with ExitStack() as stack:
        llama = stack.enter_context(vllm_tp2(tmp_path))
        stray = stack.enter_context(
            running_server(
                tmp_path, "vllm", ["serve", "Qwen/Qwen2-7B", "--api-key", API_KEY], env={"HF_TOKEN": HF_TOKEN}
            )
        )
        profile = h100s(4, {0: [(llama.workers[0], 100)], 1: [(llama.workers[1], 100)], 2: [(stray.workers[0], 100)]})
        proc = run_scan(fake_nvml, profile, tmp_path, "--spec-dir", str(specs), "--format", "json")
    report = report_of(proc)
    assert report["target"]["specs"] == ["llama-3-70b-chat", mistral["metadata"]["name"]]
    by_workload: dict[str, list[dict[str, Any]]] = {}
    for f in report["findings"]:
        by_workload.setdefault(f.get("workload", ""), []).append(f)
    assert f"llama-3-70b-chat vllm pid {llama.pid}" in by_workload
    (absent,) = by_workload[mistral["metadata"]["name"]]  # no server here: one finding, no hardware drift
    assert absent["status"] == "unknown" and "no server for this spec on this node" in absent["message"]
    (unclaimed,) = by_workload[f"vllm pid {stray.pid}"]
    assert unclaimed["status"] == "drift" and "qwen2-7b" in unclaimed["observed"].lower()
    assert "no spec claims" in unclaimed["message"]
    assert API_KEY not in proc.stdout and HF_TOKEN not in proc.stdout
    with running_server(tmp_path, "vllm", ["serve", MODEL, "-tp", "2"]) as again:
        profile = h100s(2, {0: [(again.workers[0], 100)], 1: [(again.workers[1], 100)]})
        table = run_scan(fake_nvml, profile, tmp_path, "--spec-dir", str(specs)).stdout
    assert f"— specs llama-3-70b-chat, {mistral['metadata']['name']} ({specs})" in table
    assert "spec / server" in table and f"llama-3-70b-chat vllm pid {again.pid}" in table


def test_spec_dir_with_an_invalid_file_still_reports_the_others(fake_nvml: Path, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    spec_file(specs, "llama")
    shutil.copy(ROOT / "tests/data/invalid/count-zero.yaml", specs / "broken.modelspec.yaml")
    proc = run_scan(fake_nvml, h100s(1, {}), tmp_path, "--spec-dir", str(specs), "--format", "json")
    assert proc.returncode == 2 and "spec is not valid" in proc.stderr and "broken.modelspec.yaml" in proc.stderr
    assert report_of(proc)["target"]["specs"] == ["llama-3-70b-chat"]
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_scan(fake_nvml, h100s(1, {}), tmp_path, "--spec-dir", str(empty))
    assert proc.returncode == 2 and proc.stderr.strip() == f"error: no ModelSpec file in {empty}"
    proc = run_scan(fake_nvml, h100s(1, {}), tmp_path)
    assert proc.returncode == 2 and "exactly one of --spec or --spec-dir" in proc.stderr


def test_probe_http_reads_loopback_and_unreachable_is_unknown(fake_nvml: Path, tmp_path: Path) -> None:
    spec = str(spec_file(tmp_path))
    with serve_vllm(max_model_len=8192, model=MODEL) as live, vllm_tp2(tmp_path, port=live.server_address[1]) as srv:
        profile = h100s(2, {0: [(srv.workers[0], 100)], 1: [(srv.workers[1], 100)]})
        report = report_of(run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", "json", "--probe-http"))
    (server,) = report["facts"]["servers"]
    assert server["http"]["models"]["value"] == [MODEL] and server["http"]["max_model_len"]["value"] == 8192
    f = server_findings(report, srv.pid)
    # the live answer (8192) beats the launch flag (4096)
    (max_len,) = f["/spec/runtime/batch/maxSequenceLengthTokens"]
    assert (max_len["status"], max_len["source"]) == ("match", "vllm-http")
    assert f["/spec/operations/observability/metrics/enabled"][0]["status"] == "match"
    assert f["/spec/identity/model/id"][0]["source"] == "vllm-http"

    with vllm_tp2(tmp_path, port=9) as srv:  # nothing listens on the discard port
        profile = h100s(2, {0: [(srv.workers[0], 100)], 1: [(srv.workers[1], 100)]})
        start = time.monotonic()
        proc = run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", "json", "--probe-http")
        assert time.monotonic() - start < 60
    f = server_findings(report_of(proc), srv.pid)
    (metrics,) = f["/spec/operations/observability/metrics/enabled"]
    assert (
        metrics["status"] == "unknown" and "unreachable" in metrics["message"] and "ConnectError" in metrics["message"]
    )
    assert "disabled" not in metrics["message"]
    # the launch flag still answers for max length when the server cannot be reached
    assert f["/spec/runtime/batch/maxSequenceLengthTokens"][0]["source"] == "vllm-args"


def test_headroom_counts_the_models_own_server(fake_nvml: Path, tmp_path: Path) -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["spec"]["runtime"]["accelerator"].update(type="h100", count=2)

    spec = spec_file(tmp_path, mutate=mutate, base="extensions/llama-3-8b-architecture")
    doc = yaml.safe_load(spec.read_text())
    model = doc["spec"]["identity"]["model"]["artifacts"]["modelUri"].removeprefix("hf://").split("@")[0]
    args = ["serve", model, "--tensor-parallel-size", "2"]
    with running_server(tmp_path, "vllm", args) as srv, idle_child() as other:
        own_only = h100s(2, {0: [(srv.workers[0], 75000)], 1: [(srv.workers[1], 75000)]})
        report = report_of(run_scan(fake_nvml, own_only, tmp_path, "--spec", str(spec), "--format", "json"))
        head = next(f for f in report["findings"] if f["field"] == "/spec/runtime/accelerator")
        assert head["status"] == "match" and "held by this model's own server" in head["message"]
        crowded = h100s(2, {0: [(srv.workers[0], 1000), (other, 76000)], 1: [(srv.workers[1], 40000)]})
        report = report_of(run_scan(fake_nvml, crowded, tmp_path, "--spec", str(spec), "--format", "json"))
    head = next(f for f in report["findings"] if f["field"] == "/spec/runtime/accelerator")
    assert head["status"] == "drift" and f"other process pid {other}" in head["observed"]
    assert f"server pid {srv.pid}" not in head["observed"] and "GPU 1" not in head["observed"]


@pytest.mark.parametrize(
    ("name", "args", "engine", "source"),
    [
        (
            "sglang.launch_server",
            ["--model-path", MODEL, "--tp", "2", "--port", "30000", "--context-length", "8192", "--api-key", API_KEY],
            "sglang",
            "launch-args",
        ),
        (
            "text-generation-launcher",
            ["--model-id", MODEL, "--num-shard", "2", "--max-total-tokens", "8192", "--port", "8000"],
            "tgi",
            "launch-args",
        ),
    ],
)
def test_other_engines_through_the_shared_parser(
    fake_nvml: Path, tmp_path: Path, name: str, args: list[str], engine: str, source: str
) -> None:
    spec = str(spec_file(tmp_path, mutate=lambda d: d["spec"]["runtime"]["accelerator"].update(count=2)))
    with running_server(tmp_path, name, list(args), env={"HF_TOKEN": HF_TOKEN}) as srv:
        profile = h100s(2, {0: [(srv.workers[0], 100)], 1: [(srv.workers[1], 100)]})
        proc = run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", "json")
    report = report_of(proc)
    (server,) = report["facts"]["servers"]
    assert (server["pid"], server["engine"], server["gpus"]["value"]) == (srv.pid, engine, [0, 1])
    f = server_findings(report, srv.pid)
    count = {x["rule"]: x for x in f["/spec/runtime/accelerator/count"]}
    assert count["MS420"]["status"] == "match" and count["MS420"]["source"] == source
    assert count["MS421"]["status"] == "match"
    assert f["/spec/runtime/batch/maxSequenceLengthTokens"][0]["status"] == "match"
    assert f["/spec/identity/model/id"][0]["status"] == "match"
    assert API_KEY not in proc.stdout and HF_TOKEN not in proc.stdout


def _series(text: str) -> list[str]:
    return [line.rsplit(" ", 1)[0] for line in text.splitlines() if line and not line.startswith("#")]


def test_prometheus_series_are_unique_and_name_the_servers(fake_nvml: Path, tmp_path: Path) -> None:
    """node-exporter's textfile collector rejects a file with a duplicate series: two rules on one
    field (MS420/MS421 on the count, each unknown on a fresh node) must stay distinct."""
    spec = str(spec_file(tmp_path))
    fresh = run_scan(fake_nvml, h100s(2, {}), tmp_path, "--spec", spec, "--format", "prometheus")
    series = _series(fresh.stdout)
    assert len(series) == len(set(series)) and "modelspec_node_server_info" not in fresh.stdout
    with vllm_tp2(tmp_path) as srv:
        profile = h100s(2, {0: [(srv.workers[0], 60000)], 1: [(srv.workers[1], 60000)]})
        proc = run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", "prometheus")
    series = _series(proc.stdout)
    assert len(series) == len(set(series))
    who = f'spec="llama-3-70b-chat",scope="node",pid="{srv.pid}",engine="vllm"'
    assert f'modelspec_node_server_info{{{who},model="{MODEL}",' in proc.stdout
    assert f'modelspec_node_server_gpu_memory_bytes{{{who},gpu="1"}} {60000 * MIB}' in proc.stdout
    assert API_KEY not in proc.stdout and HF_TOKEN not in proc.stdout


def test_credentials_in_model_urls_and_names_are_redacted(fake_nvml: Path, tmp_path: Path) -> None:
    args = ["serve", "https://user:hunter2pass@models.example.com/llama", "--served-model-name", HF_TOKEN]
    with running_server(tmp_path, "vllm", args) as srv:
        profile = h100s(1, {0: [(srv.workers[0], 100)]})
        outputs = [
            run_scan(fake_nvml, profile, tmp_path, "--spec", str(spec_file(tmp_path)), "--format", fmt).stdout
            for fmt in ("json", "table", "prometheus")
        ]
    model = json.loads(outputs[0])["facts"]["servers"][0]["launch"]["model"]["value"]
    assert model.endswith("@models.example.com/llama")
    for text in outputs:
        assert "hunter2pass" not in text and HF_TOKEN not in text
