"""Live facts under ``--probe-http``: DCGM exporter discovery and parsing, hostile HTTP servers.

Exporter series are shaped like dcgm-exporter's own output (README of github.com/NVIDIA/dcgm-exporter;
labels ``pod``/``namespace``/``container`` from its pipeline, ``pod_name``… with
``--use-old-namespace``); the GPU Operator's DaemonSet labels its pods ``app=nvidia-dcgm-exporter``
and listens on ``:9400`` (NVIDIA/gpu-operator ``assets/state-dcgm-exporter``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from modelspec.scan import dcgm, prom
from modelspec.scan.vllm_http import base_url, models_facts, probe

from .fakes.dcgm import Gpu, exporter_pod, serve_dcgm
from .fakes.loopback import running
from .fakes.vllm.server import serve_vllm

DATA = Path(__file__).resolve().parent / "data" / "dcgm"

# A real line from a GKE user's exporter (K80 node, no GPU in use): empty pod labels.
K80_IDLE = (
    'DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-74f7fe3b-48f2-6d8b-3cb4-e70426fb669c",device="nvidia0",'
    'modelName="Tesla K80",Hostname="dcgm-exporter-cmhft",container="",namespace="",pod=""} 0\n'
)


def test_parse_real_exporter_line_and_pod_attribution() -> None:
    [gpu] = dcgm.parse(K80_IDLE)
    assert (gpu.device, gpu.model, gpu.utilisation, gpu.pod, gpu.node) == ("0", "Tesla K80", 0.0, None,
                                                                           "dcgm-exporter-cmhft")
    busy = K80_IDLE.replace('container="",namespace="",pod=""', 'container="vllm",namespace="llm",pod="l-0"')
    busy = busy.replace("} 0", "} 87")
    [gpu] = dcgm.parse(busy, node="gpu-node-1")
    assert (gpu.namespace, gpu.pod, gpu.container, gpu.utilisation, gpu.node) == ("llm", "l-0", "vllm", 87.0,
                                                                                  "gpu-node-1")


def test_parse_mig_old_labels_and_bad_values() -> None:
    from .fakes.dcgm import ExporterState

    st = ExporterState("n1", [Gpu(0, 40, "p", "ns", "c", mig_id=3, mig_profile="1g.10gb"), Gpu(1, 250, "q", "ns")])
    gpus = {g.device: g for g in dcgm.parse(st.text())}
    assert gpus["0/3"].utilisation == pytest.approx(40.0)  # from GR_ENGINE_ACTIVE × 100
    assert gpus["0/3"].mig_profile == "1g.10gb"
    assert gpus["1"].utilisation is None  # 250 % is not a utilisation: unknown, never clamped
    st.mode = "old-labels"
    assert {g.pod for g in dcgm.parse(st.text())} == {"p", "q"}
    assert dcgm.parse("<html>oops</html>") == []
    assert dcgm.parse('DCGM_FI_DEV_GPU_UTIL{gpu="0",pod="x",namespace="y"} NaN\n')[0].utilisation is None


def test_exporters_found_by_image_or_labels_with_their_port() -> None:
    helm = exporter_pod("dcgm-exporter-abcde", "gpu-node-1", "10.0.0.9", 9400)
    op = exporter_pod("nvidia-dcgm-exporter-x1", "gpu-node-2", "10.0.0.10", 9500, operator=True)
    op["spec"]["containers"][0]["image"] = "registry.local/mirror/exporter:1"  # found by label only
    op["spec"]["containers"][0]["ports"] = []
    vllm = {"metadata": {"name": "v", "namespace": "llm"},
            "spec": {"containers": [{"image": "vllm/vllm-openai:v0.8.5"}]}, "status": {"phase": "Running"}}
    found = dcgm.find_exporters([helm, op, vllm, "garbage"])  # type: ignore[list-item]
    assert [(e.pod, e.port, e.evidence.split()[0]) for e in found] == [
        ("dcgm-exporter-abcde", 9400, "image"),
        ("nvidia-dcgm-exporter-x1", 9500, "label"),  # port from DCGM_EXPORTER_LISTEN
    ]
    ipv6 = exporter_pod("e6", "n", "fd00:10:244::5", 9400)
    assert dcgm.find_exporters([ipv6])[0].url == "http://[fd00:10:244::5]:9400/metrics"


def test_read_exporters_concurrently_and_degrade_per_exporter() -> None:
    gpus = [Gpu(0, 91, "llama-0", "llm", "vllm"), Gpu(1, 3, "llama-0", "llm", "vllm"), Gpu(2, 0)]
    with serve_dcgm("gpu-node-1", gpus) as (ok, _), serve_dcgm("gpu-node-2", gpus, mode="status") as (bad, _):
        pods = [
            exporter_pod("e1", "gpu-node-1", "127.0.0.1", ok.server_address[1]),
            exporter_pod("e2", "gpu-node-2", "127.0.0.1", bad.server_address[1]),
        ]
        reading = dcgm.read(dcgm.find_exporters(pods), timeout=2, deadline_s=5)
    assert reading.reason is None
    assert sorted(g.utilisation or 0 for g in reading.by_pod()[("llm", "llama-0")]) == [3.0, 91.0]
    assert reading.scraped_nodes() == {"gpu-node-1"}
    assert len(reading.errors) == 1 and "HTTP 503" in reading.errors[0]


def test_no_exporter_means_unknown_with_the_reason() -> None:
    reading = dcgm.read([])
    assert not reading.found and "no DCGM exporter" in (reading.reason or "")


def test_slow_exporter_is_cut_at_the_total_deadline() -> None:
    with serve_dcgm("n1", [Gpu(0, 50, "p", "ns")], mode="slow", trickle_s=0.5) as (srv, _):
        exporters = dcgm.find_exporters([exporter_pod("e", "n1", "127.0.0.1", srv.server_address[1])])
        t = time.monotonic()
        reading = dcgm.read(exporters, timeout=1.0, deadline_s=1.5)
        took = time.monotonic() - t
    assert took < 4, took
    assert reading.reason and "deadline" in reading.reason


# -- vLLM endpoints ------------------------------------------------------------------------------


def test_ipv6_urls_are_bracketed() -> None:
    assert base_url("fd00::1", 8000) == "http://[fd00::1]:8000"
    assert base_url("[fd00::1]", 8000) == "http://[fd00::1]:8000"
    assert base_url("10.1.0.11", 8000) == "http://10.1.0.11:8000"


@pytest.mark.parametrize(
    "body",
    [b"[]", b"null", b'"x"', b'{"data": {"id": 1}}', b'{"data": [1, null, {"id": 7}]}', b"{" * 5000, b"\xff\xfe",
     b'{"data": [{"id": "m", "max_model_len": true}]}', b'{"data": [{"id": "m", "max_model_len": -5}]}'],
)
def test_malformed_models_bodies_are_unknown(body: bytes) -> None:
    facts = models_facts(body)
    assert not facts["max_model_len"].known and facts["max_model_len"].reason


def test_unreachable_server_is_unknown_with_reason_never_disabled() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    facts = probe(base_url("127.0.0.1", port), window_s=0.1, timeout=1)
    assert facts["metrics"].value is None and "unreachable" in (facts["metrics"].reason or "")
    assert not facts["models"].known


class _Hostile(BaseHTTPRequestHandler):
    mode = "html"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b"<html>login</html>" if self.mode == "html" else b"vllm:num_requests_running 1\n" * 200
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.mode == "html":
            self.wfile.write(body)
            return
        try:
            for i in range(0, len(body), 4):
                self.wfile.write(body[i : i + 4])
                self.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass


@contextmanager
def hostile(mode: str) -> Iterator[int]:
    handler = type("H", (_Hostile,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    with running(server):
        yield server.server_address[1]


def test_html_instead_of_metrics_is_unknown() -> None:
    with hostile("html") as port:
        facts = probe(base_url("127.0.0.1", port), window_s=0.1, timeout=2)
    assert not facts["metrics"].known and "no Prometheus samples" in (facts["metrics"].reason or "")
    assert "not JSON" in (facts["models"].reason or "")


def test_slow_bodies_stop_at_the_total_deadline() -> None:
    with hostile("slow") as port:
        t = time.monotonic()
        facts = probe(base_url("127.0.0.1", port), window_s=0.1, timeout=1, deadline_s=2)
        took = time.monotonic() - t
    assert took < 5, took
    assert not facts["models"].known and not facts["kv_cache_usage"].known


def test_metrics_port_override_and_tokens_rate() -> None:
    with serve_vllm() as api, serve_vllm() as metrics_srv:
        facts = probe(
            base_url("127.0.0.1", api.server_address[1]),
            window_s=0.2,
            metrics_url=f"{base_url('127.0.0.1', metrics_srv.server_address[1])}/metrics",
        )
        assert metrics_srv.state.scrapes == 2 and api.state.scrapes == 0
    assert facts["kv_cache_usage"].value == 0.42
    assert facts["latency_p95"].known and facts["tokens_per_s"].value > 0


def test_counter_rate_needs_two_scrapes_and_no_reset() -> None:
    a = prom.parse('vllm:generation_tokens_total{model_name="m"} 100\n')
    b = prom.parse('vllm:generation_tokens_total{model_name="m"} 600\n')
    assert prom.counter_rate(a, b, "vllm:generation_tokens_total", 5.0) == 100.0
    assert prom.counter_rate(b, a, "vllm:generation_tokens_total", 5.0) is None  # restart: unknown
    assert prom.counter_rate(a, [], "vllm:generation_tokens_total", 5.0) is None


def test_threads_do_not_leak_from_probes() -> None:
    before = threading.active_count()
    test_html_instead_of_metrics_is_unknown()
    assert threading.active_count() <= before + 1


def test_recorded_exporter_page_attributes_every_gpu_to_its_pod() -> None:
    """The page format of dcgm-exporter's render_metrics.go, served as is by the fake exporter."""
    page = (DATA / "a10g-x4-one-pod.txt").read_text()
    with serve_dcgm("ip-10-0-1-57.ec2.internal", [], raw=page) as (srv, _):
        pods = [exporter_pod("dcgm-exporter-7x2k9", "ip-10-0-1-57.ec2.internal", "127.0.0.1", srv.server_address[1])]
        reading = dcgm.read(dcgm.find_exporters(pods), timeout=2, deadline_s=5)
    [(key, gpus)] = reading.by_pod().items()
    assert key == ("default", "mistral-7b-pnstl2xlc6-qlt8t")
    assert sorted(g.utilisation or 0 for g in gpus) == [85.0, 86.0, 87.0, 88.0]
    assert {g.model for g in gpus} == {"NVIDIA A10G"} and {g.container for g in gpus} == {"mistral-7b"}
