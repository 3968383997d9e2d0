"""Node scanner: the real pynvml calling our fake libnvidia-ml.so.1 (built with gcc), in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from .conftest import EXAMPLES, ROOT
from .fakes.nvml.profile import build_library, write_profile

REPORT_SCHEMA = json.loads((ROOT / "schema/scanreport.v1alpha1.json").read_text())


@pytest.fixture(scope="session")
def fake_nvml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_library(tmp_path_factory.mktemp("nvml")).parent


def scan(
    lib_dir: Path | None, profile: str | dict[str, Any] | None, spec: Path, *args: str, tmp: Path
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    env["LD_LIBRARY_PATH"] = str(lib_dir) if lib_dir else str(tmp / "no-lib-here")
    if profile is not None:
        env["MODELSPEC_FAKE_NVML_PROFILE"] = str(write_profile(profile, tmp / "profile.txt"))
    return subprocess.run(
        [sys.executable, "-m", "modelspec", "scan", "node", "--spec", str(spec), *args, "--cache-dir", str(tmp)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def spec_file(tmp: Path, mutate: Any = None, base: str = "08-full-production.modelspec.yaml") -> Path:
    doc = yaml.safe_load((EXAMPLES / base).read_text())
    doc["spec"].pop("pipeline", None)
    doc["spec"]["runtime"].pop("resources", None)  # the CI host's CPUs are not the point here
    if mutate:
        mutate(doc)
    f = tmp / "spec.modelspec.yaml"
    f.write_text(yaml.safe_dump(doc))
    return f


def findings(proc: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    report = json.loads(proc.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    out: dict[str, dict[str, Any]] = {}
    for f in report["findings"]:  # hardware rules come first; server rules may check the same field
        out.setdefault(f["field"], f)
    return out


def acc(**kw: Any) -> Any:
    return lambda d: d["spec"]["runtime"]["accelerator"].update(kw)


def test_eight_h100_match(fake_nvml: Path, tmp_path: Path) -> None:
    proc = scan(fake_nvml, "h100x8", spec_file(tmp_path, acc(count=8, memoryGb=80)), "--format", "json", tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    f = findings(proc)
    assert f["/spec/runtime/accelerator/type"]["status"] == "match"
    assert f["/spec/runtime/accelerator/count"]["observed"] == 8
    assert f["/spec/runtime/accelerator/memoryGb"]["status"] == "match"  # 81559 MiB = 85.5 GB >= 80
    report = json.loads(proc.stdout)
    gpu = report["facts"]["gpus"][0]
    assert gpu["name"]["value"] == "NVIDIA H100 80GB HBM3" and gpu["type"]["value"] == "h100"
    assert gpu["memoryTotal"]["value"] == 81559 * 2**20 and gpu["memoryTotal"]["source"] == "nvml"
    assert gpu["processes"]["value"][0]["pid"] == 4242 and gpu["processes"]["value"][0]["usedBytes"] == 71500 * 2**20
    assert gpu["pciBusId"]["value"] == "00000000:18:00.0"
    assert gpu["computeCapability"]["value"] == "9.0" and gpu["powerLimit"]["value"] == 700.0
    assert report["facts"]["driverVersion"]["value"] == "550.54.15"
    assert report["facts"]["cudaDriverVersion"]["value"] == "12.4"
    # every hardware field verified; the server rules are unknown: no model server runs here
    unknown = [f for f in report["findings"] if f["status"] == "unknown"]
    assert unknown and all(f["message"].startswith("no model server found (searched ") for f in unknown)
    assert report["summary"]["match"] == len(report["findings"]) - len(unknown)


def test_a100_drift_on_type_count_and_fp8(fake_nvml: Path, tmp_path: Path) -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["spec"]["runtime"]["accelerator"].update(count=8)
        d["spec"]["identity"]["model"]["precision"] = "fp8"

    proc = scan(fake_nvml, "a100x4", spec_file(tmp_path, mutate), "--format", "json", tmp=tmp_path)
    assert proc.returncode == 1
    f = findings(proc)
    assert f["/spec/runtime/accelerator/type"]["status"] == "drift"
    assert f["/spec/runtime/accelerator/type"]["observed"] == "a100-80gb"
    assert f["/spec/runtime/accelerator/count"]["observed"] == 4
    assert "no native fp8" in f["/spec/identity/model/precision"]["message"]


def test_alternatives_accept_another_type(fake_nvml: Path, tmp_path: Path) -> None:
    proc = scan(
        fake_nvml,
        "l4",
        spec_file(tmp_path, acc(type="a10g", count=1, alternatives=["l4"])),
        "--format",
        "json",
        tmp=tmp_path,
    )
    assert findings(proc)["/spec/runtime/accelerator/type"]["status"] == "match"
    assert proc.returncode == 0


def test_mig_slices_are_not_whole_gpus(fake_nvml: Path, tmp_path: Path) -> None:
    proc = scan(
        fake_nvml,
        "a100-mig",
        spec_file(tmp_path, acc(type="a100-40gb", count=3, memoryGb=40)),
        "--format",
        "json",
        tmp=tmp_path,
    )
    f = findings(proc)
    assert f["/spec/runtime/accelerator/type"]["status"] == "drift"
    assert "1g.5gb" in f["/spec/runtime/accelerator/type"]["message"]
    assert f["/spec/runtime/accelerator/count"]["observed"] == 3  # three MIG slices
    assert f["/spec/runtime/accelerator/memoryGb"]["status"] == "drift"  # a 5 GB slice
    mig = json.loads(proc.stdout)["facts"]["gpus"][0]["migProfile"]["value"]
    assert [m["profile"] for m in mig] == ["1g.5gb", "1g.5gb", "3g.20gb"]


def test_not_supported_is_unknown_not_a_crash(fake_nvml: Path, tmp_path: Path) -> None:
    proc = scan(
        fake_nvml, "t4-notsupported", spec_file(tmp_path, acc(type="t4", count=1)), "--format", "json", tmp=tmp_path
    )
    assert "Traceback" not in proc.stderr
    gpu = json.loads(proc.stdout)["facts"]["gpus"][0]
    assert gpu["eccMode"]["value"] is None and "not supported" in gpu["eccMode"]["reason"]
    assert gpu["powerLimit"]["value"] is None and gpu["powerLimit"]["confidence"] == 0.0
    assert gpu["memoryTotal"]["value"] == 15360 * 2**20
    # bf16 on a T4 is a real drift, found from the catalog
    assert findings(proc)["/spec/identity/model/precision"]["status"] == "drift"


def test_gpu_lost_mid_scan(fake_nvml: Path, tmp_path: Path) -> None:
    proc = scan(fake_nvml, "h100-lost", spec_file(tmp_path, acc(count=2)), "--format", "json", tmp=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    lost = report["facts"]["gpus"][1]
    assert lost["lost"] is True and "lost" in lost["pciBusId"]["reason"]
    assert report["facts"]["gpus"][0]["lost"] is False
    assert "lost" in findings(proc)["/spec/runtime/accelerator/count"]["message"]


def test_no_library_is_exit_2_with_one_line(fake_nvml: Path, tmp_path: Path) -> None:
    proc = scan(None, None, spec_file(tmp_path), tmp=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: could not scan GPUs: NVML library not found: is the NVIDIA driver installed?"


def test_driver_not_loaded_is_exit_2(fake_nvml: Path, tmp_path: Path) -> None:
    proc = scan(fake_nvml, "driver-not-loaded", spec_file(tmp_path), "--format", "json", tmp=tmp_path)
    assert proc.returncode == 2 and "driver not loaded" in proc.stderr
    assert {f["status"] for f in findings(proc).values()} == {"unknown"}


def test_invalid_spec_is_exit_2(fake_nvml: Path, tmp_path: Path) -> None:
    proc = scan(fake_nvml, "l4", ROOT / "tests/data/invalid/count-zero.yaml", tmp=tmp_path)
    assert proc.returncode == 2 and "spec is not valid" in proc.stderr and "MS105" in proc.stderr


def test_fail_on_levels_and_output_file(fake_nvml: Path, tmp_path: Path) -> None:
    spec = spec_file(tmp_path, acc(count=4))  # 8 visible: a warning-level drift only
    assert scan(fake_nvml, "h100x8", spec, tmp=tmp_path).returncode == 0
    assert scan(fake_nvml, "h100x8", spec, "--fail-on", "warning", tmp=tmp_path).returncode == 1
    assert scan(fake_nvml, "a100x4", spec, "--fail-on", "never", tmp=tmp_path).returncode == 0
    out = tmp_path / "modelspec.prom"
    proc = scan(fake_nvml, "h100x8", spec, "--format", "prometheus", "--output", str(out), tmp=tmp_path)
    assert proc.stdout == ""
    text = out.read_text()
    assert (
        'modelspec_drift{spec="llama-3-70b-chat",scope="node",field="/spec/runtime/accelerator/count",'
        'status="drift",severity="warning",source="nvml",rule="MS403"} 1' in text
    )
    assert "modelspec_scan_coverage{" in text and "# TYPE modelspec_drift gauge" in text


def test_table_and_yaml(fake_nvml: Path, tmp_path: Path) -> None:
    proc = scan(fake_nvml, "h100x8", spec_file(tmp_path, acc(count=8)), tmp=tmp_path)
    assert "GPUs: 8 × NVIDIA H100 80GB HBM3 (h100)" in proc.stdout and "coverage:" in proc.stdout
    proc = scan(fake_nvml, "h100x8", spec_file(tmp_path, acc(count=8)), "--format", "yaml", tmp=tmp_path)
    assert yaml.safe_load(proc.stdout)["kind"] == "ScanReport"


def test_memory_held_by_other_processes(fake_nvml: Path, tmp_path: Path) -> None:
    spec = spec_file(tmp_path, acc(type="h100", count=1), base="extensions/llama-3-8b-architecture.modelspec.yaml")
    proc = scan(fake_nvml, "h100x8", spec, "--format", "json", "--fail-on", "warning", tmp=tmp_path)
    f = findings(proc)["/spec/runtime/accelerator"]
    assert f["status"] == "drift" and "pid 4242" in f["observed"]


def test_python_api_in_process_without_gpu() -> None:
    """In-process: no fake library on the loader path, so NVML is unavailable but nothing raises."""
    from modelspec import scan

    facts = scan.node()
    report = scan.drift(EXAMPLES / "00-minimal.modelspec.yaml", facts)
    assert report.summary()["unknown"] >= 3 or facts.gpu_error is None
