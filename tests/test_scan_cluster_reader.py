"""The Kubernetes reader under hostile servers and broken inputs: the real client over HTTP to the
fake API server (tests/fakes/kube), faults injected per resource. Never a traceback, never a hang:
a per-kind ``unknown`` with the reason, bounded paging, real timeouts and a total deadline."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from modelspec.scan.kube import KubeReader, api_client

from .conftest import EXAMPLES, ROOT
from .fakes.kube.server import Fault, load_fixtures, serve, write_kubeconfig

LLAMA = EXAMPLES / "08-full-production.modelspec.yaml"


def run(kubeconfig: Path, *args: str, spec: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "modelspec", "scan", "cluster", "--kubeconfig", str(kubeconfig), *args]
    if spec:
        cmd += ["--spec", str(LLAMA)]
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout)


def read(data: dict[str, Any] | None = None, **options: Any) -> tuple[dict[str, Any], Any]:
    with serve(data, **options) as (server, state), _tmpdir() as tmp:
        kc = write_kubeconfig(tmp / "kc", server.server_address[1])
        reader = KubeReader(api_client(str(kc)), timeout=1.0, deadline=6.0, page_size=2)
        return reader.list_all(), state


class _tmpdir:
    def __enter__(self) -> Path:
        import tempfile

        self._d = tempfile.TemporaryDirectory()
        return Path(self._d.name)

    def __exit__(self, *exc: object) -> None:
        self._d.cleanup()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[]", "a JSON list"),
        ("null", "a JSON NoneType"),
        ('"just a string"', "a JSON str"),
        ('{"items": {"a": 1}}', "items is a dict"),
        ('{"items": 7}', "items is a int"),
        ("[" * 100_000 + "]" * 100_000, "RecursionError"),
        ("{not json", "JSONDecodeError"),
    ],
)
def test_wrong_shaped_bodies_are_per_kind_errors(body: str, reason: str) -> None:
    listings, _ = read(faults={"deployments": Fault(body=body)})
    assert reason in (listings["deployments"].error or ""), listings["deployments"].error
    assert listings["pods"].ok and listings["pods"].items  # the other kinds are unaffected


def test_scalar_items_are_dropped_and_counted() -> None:
    listings, _ = read(faults={"nodes": Fault(body='{"items": [1, "x", null, {"metadata": {"name": "n"}}]}')})
    assert listings["nodes"].ok and len(listings["nodes"].items) == 1 and listings["nodes"].dropped == 3


def test_endless_continue_tokens_are_bounded() -> None:
    with serve(faults={"pods": Fault(endless=True)}) as (server, state), _tmpdir() as tmp:
        kc = write_kubeconfig(tmp / "kc", server.server_address[1])
        listing = KubeReader(api_client(str(kc)), timeout=1.0, max_pages=25).list_all(("pods",))["pods"]
    assert "paging did not end after 25 pages" in (listing.error or "")
    assert state.requests["/api/v1/pods"] == 25


def test_repeated_continue_token_stops_at_once() -> None:
    same = Fault(body='{"metadata": {"continue": "same"}, "items": []}')
    with serve(faults={"pods": same}) as (server, state), _tmpdir() as tmp:
        kc = write_kubeconfig(tmp / "kc", server.server_address[1])
        listing = KubeReader(api_client(str(kc)), timeout=1.0).list_all(("pods",))["pods"]
    assert "repeated a continue token" in (listing.error or "") and state.requests["/api/v1/pods"] == 2


def test_server_that_never_answers_hits_the_timeout_without_urllib3_retries() -> None:
    # accepts the connection, never sends a status line or headers
    t = time.monotonic()
    listings, state = read(faults={"statefulsets": Fault(hang=4.0)})
    elapsed = time.monotonic() - t
    assert "statefulsets" in (listings["statefulsets"].error or "")
    # one try + our one retry, 1 s each; urllib3's own three retries would make it 4+
    assert state.requests["/apis/apps/v1/statefulsets"] == 2
    assert elapsed < 6.0


def test_deadline_bounds_the_whole_scan(tmp_path: Path) -> None:
    hangs = {k: Fault(hang=20.0) for k in ("pods", "nodes", "deployments", "statefulsets", "horizontalpodautoscalers")}
    with serve(faults=hangs) as (server, _):
        kc = write_kubeconfig(tmp_path / "kc", server.server_address[1])
        t = time.monotonic()
        proc = run(kc, "--timeout", "30", "--deadline", "2")
        elapsed = time.monotonic() - t
    assert proc.returncode == 2 and "nothing could be read" in proc.stderr and "Traceback" not in proc.stderr
    assert elapsed < 15, elapsed


def test_wrong_field_types_in_objects_give_unknowns_not_tracebacks(tmp_path: Path) -> None:
    data = load_fixtures()
    pod = copy.deepcopy(data["pods"][0])
    c = pod["spec"]["containers"][0]
    c["image"] = None
    c["command"] = [1, 2, None]
    c["args"] = "--port 8000"
    c["resources"] = {"limits": {"nvidia.com/gpu": "lots", "cpu": [1]}, "requests": "x"}
    c["env"] = {"A": 1}
    c["ports"] = [{"containerPort": "http"}, 5]
    pod["metadata"]["labels"] = {**pod["metadata"]["labels"], "list": ["not", "a", "string"]}
    data["pods"] = [pod]
    data["horizontalpodautoscalers"][0]["spec"]["metrics"] = "cpu"
    data["horizontalpodautoscalers"][0]["spec"]["maxReplicas"] = "four"
    data["nodes"][0]["metadata"]["labels"] = ["nvidia.com/gpu.product"]
    data["deployments"][0]["spec"]["template"]["spec"]["containers"] = {"name": "x"}
    with serve(data) as (server, _):
        kc = write_kubeconfig(tmp_path / "kc", server.server_address[1])
        proc = run(kc, "--format", "json")
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    findings = [f for f in report["findings"] if f.get("workload") == "llm/Deployment/llama-3-70b-chat"]
    count = [f for f in findings if f["field"] == "/spec/runtime/accelerator/count" and f["rule"] == "MS501"]
    assert count and count[0]["status"] == "unknown" and "quantity" in count[0]["message"]
    scaling = [f for f in findings if f["field"] == "/spec/operations/scaling/maxReplicas"]
    assert scaling and scaling[0]["status"] == "unknown"


def test_custom_resources_forbidden_or_not_served_are_unknown(tmp_path: Path) -> None:
    data = load_fixtures()
    data["leaderworkersets"] = []
    with serve(data, faults={"leaderworkersets": Fault(status=403)}) as (server, state):
        kc = write_kubeconfig(tmp_path / "kc", server.server_address[1])
        proc = run(kc, "--format", "json")
    listings = json.loads(proc.stdout)["facts"]["listings"]
    assert "forbidden (403)" in listings["leaderworkersets"]["error"] and listings["leaderworkersets"]["served"]
    assert listings["inferenceservices"]["served"] is False  # CRD not installed: not listed at all
    assert "/apis/serving.kserve.io/v1beta1/inferenceservices" not in state.requests
    assert "leaderworkersets: forbidden" in proc.stderr and "inferenceservices" not in proc.stderr


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "apiVersion: v1\nkind: Config\nclusters: 7\n",
        "apiVersion: v1\nkind: Config\ncurrent-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n",
        "\x00\x01binary",
        "- a\n- b\n",
    ],
)
def test_malformed_kubeconfig_is_exit_2_with_one_line(tmp_path: Path, text: str) -> None:
    kc = tmp_path / "kubeconfig"
    kc.write_text(text)
    for args in ((), ("--check-access",)):
        proc = run(kc, *args, spec=not args)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("error: cannot load kubeconfig") and proc.stderr.count("\n") == 1, proc.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_check_access_against_unreachable_server_is_exit_2_with_one_line(tmp_path: Path) -> None:
    kc = write_kubeconfig(tmp_path / "kc", _closed_port())
    proc = run(kc, "--check-access", "--timeout", "1", spec=False)
    assert proc.returncode == 2 and proc.stderr.startswith("error: cannot reach the API server"), proc.stderr
    assert proc.stderr.count("\n") == 1 and not proc.stdout


def test_check_access_degrades_on_wrong_shaped_answers(tmp_path: Path) -> None:
    # SSAR answers that are not objects: each row 'not allowed' with the reason, no traceback
    for body, reason in (("[]", "no status"), ("{", "malformed"), ('{"status": "yes"}', "no status")):
        with serve(faults={"selfsubjectaccessreviews": Fault(body=body)}) as (server, _):
            kc = write_kubeconfig(tmp_path / "kc", server.server_address[1])
            rows = KubeReader(api_client(str(kc)), timeout=1.0).check_access(("pods", "nodes"))
        assert [r["allowed"] for r in rows] == [False, False] and reason in rows[0]["reason"], rows
    with serve(faults={"selfsubjectaccessreviews": Fault(body="[]")}) as (server, _):
        kc = write_kubeconfig(tmp_path / "kc", server.server_address[1])
        proc = run(kc, "--check-access", spec=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "NO" in proc.stdout
