"""The hold-out shapes (tests/data/k8s-holdout, docs/holdout.md): deployment shapes the cluster
scanner was not built on (NVIDIA NIM, Dynamo, AMD MI300X, vLLM --config, SGLang on LWS). Each
``case.yaml`` names its public sources, a hand-written matching spec, deliberate differences and what
the inventory must report. Kept as regression tests after the fixes they prompted."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT
from .fakes.kube.corpus import load_live
from .fakes.kube.server import serve, write_kubeconfig

HOLDOUT = ROOT / "tests/data/k8s-holdout"
SHAPES = sorted(p.parent.name for p in HOLDOUT.glob("*/case.yaml"))


def _case(shape: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((HOLDOUT / shape / "case.yaml").read_text(encoding="utf-8"))
    return data


def _scan(tmp: Path, shape: str, *args: str) -> tuple[int, dict[str, Any]]:
    with serve(load_live(HOLDOUT / shape / "live.yaml")) as (server, _):
        kc = write_kubeconfig(tmp / "kubeconfig", server.server_address[1])
        cmd = [sys.executable, "-m", "modelspec", "scan", "cluster", "--kubeconfig", str(kc), "--timeout", "5",
               "--format", "json", *args]
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    return proc.returncode, report


def _with_spec(tmp: Path, shape: str, spec: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    path = tmp / f"{shape}.modelspec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return _scan(tmp, shape, "--spec", str(path), "--selector", _case(shape)["selector"])


def test_holdout_shapes_name_public_sources() -> None:
    assert len(SHAPES) >= 5
    for shape in SHAPES:
        assert all(u.startswith("https://") for u in _case(shape)["source"]), shape


@pytest.mark.parametrize("shape", SHAPES)
def test_inventory_reports_what_the_shape_runs(tmp_path: Path, shape: str) -> None:
    want = _case(shape)["expect"]
    _code, report = _scan(tmp_path, shape)
    rows = {w["id"]: w for w in report["workloads"]}
    row = rows[_case(shape)["workload"]]
    assert len(rows) == 1, list(rows)  # sidecar-free frontends and routers are no inference workloads
    assert (row["engine"]["name"], row["engine"]["version"]) == (want["engine"], want["version"])
    assert row["model"] == want["model"]
    acc = row["accelerator"]
    assert (acc["vendor"], acc["type"], acc["count"]) == (want["vendor"], want["type"], want["gpus"])
    assert row["parallelism"]["tensor"] == want["tensor"]
    if row["model"] is None:
        assert row["unknown"]["model"], row["unknown"]  # an unobserved model says why


@pytest.mark.parametrize("shape", SHAPES)
def test_matching_spec_has_no_drift(tmp_path: Path, shape: str) -> None:
    code, report = _with_spec(tmp_path, shape, _case(shape)["spec"])
    bad = [(f["field"], f["message"]) for f in report["findings"] if f["status"] in ("drift", "missing")]
    assert bad == [] and code == 0
    wid = _case(shape)["workload"]
    framework = [f for f in report["findings"] if f["workload"] == wid and f["field"].endswith("/framework")]
    assert [f["status"] for f in framework] == ["match"], framework


@pytest.mark.parametrize("shape", SHAPES)
def test_each_deliberate_difference_is_caught(tmp_path: Path, shape: str) -> None:
    case = _case(shape)
    spec = copy.deepcopy(case["spec"])
    for pointer, value in case["differences"].items():
        node = spec
        *head, last = pointer.strip("/").split("/")
        for key in head:
            node = node.setdefault(key, {})
        node[last] = value
    code, report = _with_spec(tmp_path, shape, spec)
    assert code == 1
    for pointer in case["differences"]:
        hits = [f for f in report["findings"] if f["field"] == pointer and f["workload"] == case["workload"]]
        assert any(f["status"] == "drift" for f in hits), (pointer, hits)
