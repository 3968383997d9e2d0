"""scan node on bad input: processes that exit mid-scan, /proc entries it may not read, command
lines and NVML strings that are not UTF-8. Always a report, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from .fakes.servers import running_server
from .test_scan_node_server import API_KEY, HF_TOKEN, MODEL, h100s, report_of, run_scan, server_findings, spec_file


@pytest.fixture(scope="session")
def fake_nvml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .fakes.nvml.profile import build_library

    return build_library(tmp_path_factory.mktemp("nvml")).parent


def _no_dac_override() -> list[str]:
    """Run the scanner so that file modes bind it: as root, without the DAC-override capabilities."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file modes cannot make /proc unreadable")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]


@pytest.fixture
def proc_root() -> Iterator[Path]:
    """A /proc copy the test controls (mode 755 so a scanner without DAC override can walk it)."""
    root = Path(tempfile.mkdtemp(prefix="modelspec-proc-"))
    root.chmod(0o755)
    shutil.copy("/proc/stat", root / "stat")  # psutil reads the boot time from here
    try:
        yield root
    finally:
        for p in root.rglob("*"):
            p.chmod(0o755 if p.is_dir() else 0o644)
        shutil.rmtree(root)


def copy_process(root: Path, pid: int) -> Path:
    """Copy the files psutil and the scanner read for ``pid`` from the real /proc."""
    target = root / str(pid)
    target.mkdir(mode=0o755)
    for name in ("stat", "cmdline", "cgroup", "status"):
        (target / name).write_bytes(Path(f"/proc/{pid}/{name}").read_bytes())
        (target / name).chmod(0o644)
    return target


def test_permission_denied_on_proc_is_said_not_crashed(fake_nvml: Path, tmp_path: Path, proc_root: Path) -> None:
    wrap = _no_dac_override()
    spec = str(spec_file(tmp_path))
    with (
        running_server(tmp_path, "vllm", ["serve", MODEL, "-tp", "2", "--api-key", API_KEY]) as seen,
        running_server(tmp_path, "vllm", ["serve", MODEL, "--port", "8002"]) as hidden,
    ):
        for pid in (seen.pid, *seen.workers, hidden.pid, *hidden.workers):
            copy_process(proc_root, pid)
        (proc_root / str(seen.pid) / "cgroup").chmod(0)  # the server is found, its pod is not readable
        (proc_root / str(hidden.pid) / "cmdline").chmod(0)  # this one cannot be told apart at all
        profile = h100s(3, {0: [(seen.workers[0], 100)], 1: [(seen.workers[1], 100)], 2: [(hidden.workers[0], 100)]})
        proc = run_scan(
            fake_nvml, profile, tmp_path, "--spec", spec, "--format", "json", "--proc-root", str(proc_root), wrap=wrap
        )
    report = report_of(proc)
    (server,) = report["facts"]["servers"]
    assert server["pid"] == seen.pid and server["gpus"]["value"] == [0, 1]
    assert server["podUid"]["value"] is None and "no permission" in server["podUid"]["reason"]
    assert f"pid {hidden.pid}: no permission" in report["facts"]["serverSearch"]
    gpu2 = report["facts"]["gpus"][2]["processes"]["value"][0]
    assert gpu2["pid"] == hidden.workers[0] and gpu2["server"] is None
    assert API_KEY not in proc.stdout


def test_processes_exiting_mid_scan(fake_nvml: Path, tmp_path: Path, proc_root: Path) -> None:
    """A pid listed in /proc whose files are gone (it exited between listing and reading), and an
    NVML process that no longer exists: skipped and counted, the report is complete."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with running_server(tmp_path, "vllm", ["serve", MODEL, "-tp", "1"]) as srv:
        copy_process(proc_root, srv.pid)
        copy_process(proc_root, srv.workers[0])
        (proc_root / "4194301").mkdir()  # listed, then gone: no stat, no cmdline
        profile = h100s(2, {0: [(srv.workers[0], 100)], 1: [(gone.pid, 5000)]})
        proc = run_scan(
            fake_nvml, profile, tmp_path, "--spec", str(spec_file(tmp_path)), "--format", "json",
            "--proc-root", str(proc_root),
        )  # fmt: skip
    report = report_of(proc)
    assert "1 exited during the scan" in report["facts"]["serverSearch"]
    assert [s["pid"] for s in report["facts"]["servers"]] == [srv.pid]
    exited = report["facts"]["gpus"][1]["processes"]["value"][0]
    assert exited["pid"] == gone.pid and exited["server"] is None and exited["name"] is None


def test_cmdline_that_is_not_utf8(fake_nvml: Path, tmp_path: Path) -> None:
    """Real argv bytes that are not UTF-8: the model fact is unknown, every format still prints."""
    args: list[str | bytes] = ["serve", b"/models/caf\xe9-\xff", "--served-model-name", b"\xfe\xfd", "--port", "8000"]
    spec = str(spec_file(tmp_path))
    with running_server(tmp_path, "vllm", args, env={"HF_TOKEN": HF_TOKEN}) as srv:
        profile = h100s(1, {0: [(srv.workers[0], 100)]})
        report = report_of(run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", "json"))
        for fmt in ("table", "yaml", "prometheus"):
            proc = run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", fmt)
            assert "Traceback" not in proc.stderr and f"pid {srv.pid}" in proc.stdout
            assert proc.returncode in (0, 1)
    (server,) = report["facts"]["servers"]
    assert server["launch"]["model"]["value"] is None
    assert server["launch"]["model"]["reason"] == "command line is not valid UTF-8"
    assert server["launch"]["served-model-name"]["value"] is None
    assert server["launch"]["port"]["value"] == 8000
    assert server_findings(report, srv.pid)["/spec/operations/serving/port"][0]["status"] == "match"


def test_nvml_strings_that_are_not_utf8(fake_nvml: Path, tmp_path: Path) -> None:
    profile = h100s(2, {})
    profile["driver"] = "550.\\xff54"
    profile["gpus"][1]["name"] = "NVIDIA H100\\xfe 80GB HBM3"
    profile["gpus"][1]["uuid"] = "GPU-\\xc3\\x28"
    spec = str(spec_file(tmp_path, mutate=lambda d: d["spec"]["runtime"]["accelerator"].update(count=2)))
    proc = run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", "json")
    report = report_of(proc)
    assert report["facts"]["driverVersion"]["value"] is None
    assert "not valid UTF-8" in report["facts"]["driverVersion"]["reason"]
    bad = report["facts"]["gpus"][1]
    assert bad["name"]["value"] is None and "not valid UTF-8" in bad["name"]["reason"]
    assert bad["uuid"]["value"] is None and bad["memoryTotal"]["value"] == 81559 * 2**20
    assert report["facts"]["gpus"][0]["name"]["value"] == "NVIDIA H100 80GB HBM3"
    count = next(f for f in report["findings"] if f["field"] == "/spec/runtime/accelerator/count")
    assert count["observed"] == 2
    for fmt in ("table", "yaml", "prometheus"):
        proc = run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", fmt)
        assert "Traceback" not in proc.stderr and proc.stdout and proc.returncode in (0, 1)
    assert yaml.safe_load(run_scan(fake_nvml, profile, tmp_path, "--spec", spec, "--format", "yaml").stdout)
