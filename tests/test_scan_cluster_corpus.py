"""The cluster scanner against real deployment shapes (tests/data/k8s/<NN>-<shape>/).

Each shape is a public manifest (``case.yaml`` names the source URLs) turned into the objects the
API server returns (``live.yaml``: controller-created pods with ownerReferences, defaulting,
status, nodes with the labels each platform sets), served by the fake API server. For each: a
spec that describes the deployment (0 drift, exit 0), and the same spec with deliberate
differences, each of which must be caught as drift at its JSON pointer.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from .conftest import ROOT
from .fakes.kube.corpus import load_live
from .fakes.kube.server import serve, write_kubeconfig

CORPUS = ROOT / "tests/data/k8s"
SHAPES = sorted(p.parent.name for p in CORPUS.glob("*/case.yaml"))
SCHEMA = json.loads((ROOT / "schema/scanreport.v1alpha1.json").read_text())


def _set(doc: dict[str, Any], pointer: str, value: Any) -> None:
    parts = pointer.strip("/").split("/")
    node = doc
    for key in parts[:-1]:
        node = node.setdefault(key, {})
    node[parts[-1]] = value


def _scan(tmp: Path, shape: str, spec: dict[str, Any]) -> tuple[int, dict[str, Any], str]:
    case = yaml.safe_load((CORPUS / shape / "case.yaml").read_text())
    path = tmp / f"{shape}.modelspec.yaml"
    path.write_text(yaml.safe_dump(spec))
    with serve(load_live(CORPUS / shape / "live.yaml")) as (server, _state):
        kc = write_kubeconfig(tmp / "kubeconfig", server.server_address[1])
        cmd = [
            sys.executable,
            "-m",
            "modelspec",
            "scan",
            "cluster",
            "--kubeconfig",
            str(kc),
            "--spec",
            str(path),
            "--selector",
            case["selector"],
            "--format",
            "json",
            "--timeout",
            "5",
        ]
        if case.get("namespace"):
            cmd += ["--namespace", case["namespace"]]
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    return proc.returncode, report, proc.stderr


def test_corpus_has_the_shapes_the_issue_names() -> None:
    assert len(SHAPES) >= 12
    for shape in SHAPES:
        case = yaml.safe_load((CORPUS / shape / "case.yaml").read_text())
        assert case["source"] and all(u.startswith("https://") for u in case["source"]), shape
    for needed in ("vllm-docs", "production-stack", "gke", "lws", "llm-d", "kserve", "kaito", "kubeai", "aibrix"):
        assert any(needed in s for s in SHAPES), needed


@pytest.mark.parametrize("shape", SHAPES)
def test_matching_spec_has_no_drift(tmp_path: Path, shape: str) -> None:
    case = yaml.safe_load((CORPUS / shape / "case.yaml").read_text())
    code, report, stderr = _scan(tmp_path, shape, case["spec"])
    workloads = report["facts"]["workloads"]
    assert list(workloads) == [case["workload"]], (list(workloads), stderr)
    bad = [f for f in report["findings"] if f["status"] in ("drift", "missing")]
    assert not bad, bad
    assert code == 0, stderr
    assert report["summary"]["match"] >= 3 and report["summary"]["coverage"] > 0


@pytest.mark.parametrize("shape", SHAPES)
def test_each_deliberate_difference_is_caught_at_its_pointer(tmp_path: Path, shape: str) -> None:
    case = yaml.safe_load((CORPUS / shape / "case.yaml").read_text())
    spec = copy.deepcopy(case["spec"])
    for pointer, value in case["differences"].items():
        _set(spec, pointer, value)
    code, report, stderr = _scan(tmp_path, shape, spec)
    assert code == 1, stderr
    for pointer, value in case["differences"].items():
        fields = [pointer] if not isinstance(value, dict) else [f"{pointer}/{k}" for k in value]
        for field in fields:
            hits = [f for f in report["findings"] if f["field"] == field and f["workload"] == case["workload"]]
            assert any(f["status"] == "drift" for f in hits), (field, hits)
