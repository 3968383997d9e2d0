"""A loopback stand-in for a vLLM server: recorded ``/v1/models`` and ``/metrics``.

``names="current"`` serves today's metric names (``vllm:kv_cache_usage_perc``);
``names="old"`` the deprecated ones (``vllm:gpu_cache_usage_perc``,
``vllm:time_per_output_token_seconds``). Each ``/metrics`` scrape adds ``requests_per_scrape``
finished requests to the e2e latency histogram (cumulative, as a real server does), spread over
the buckets by ``latency_mix`` so tests know the p95 to expect.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..loopback import running

BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0]


class _State:
    def __init__(
        self,
        names: str,
        max_model_len: int | None,
        model: str,
        latency_mix: dict[float, int],
        requests_per_scrape: int,
        with_histogram: bool,
    ) -> None:
        self.names = names
        self.max_model_len = max_model_len
        self.model = model
        self.mix = latency_mix
        self.per_scrape = requests_per_scrape
        self.with_histogram = with_histogram
        self.counts = {b: 0.0 for b in [*BUCKETS, float("inf")]}
        self.total = 0.0
        self.scrapes = 0
        self.lock = threading.Lock()

    def metrics(self) -> str:
        with self.lock:
            self.scrapes += 1
            if self.scrapes > 1:  # traffic between scrapes
                for latency, n in self.mix.items():
                    for b in self.counts:
                        if latency <= b:
                            self.counts[b] += n * self.per_scrape / sum(self.mix.values())
                    self.total += latency * n * self.per_scrape / sum(self.mix.values())
            m = f'model_name="{self.model}"'
            kv = "vllm:kv_cache_usage_perc" if self.names == "current" else "vllm:gpu_cache_usage_perc"
            lines = [
                f"# HELP {kv} KV-cache usage. 1 means 100 percent usage.",
                f"# TYPE {kv} gauge",
                f"{kv}{{{m}}} 0.42",
                "# TYPE vllm:num_requests_running gauge",
                f"vllm:num_requests_running{{{m}}} 7.0",
                "# TYPE vllm:num_requests_waiting gauge",
                f"vllm:num_requests_waiting{{{m}}} 2.0",
                "# TYPE vllm:cache_config_info gauge",
                'vllm:cache_config_info{block_size="16",cache_dtype="auto",gpu_memory_utilization="0.92",'
                'num_gpu_blocks="13376"} 1.0',
                "# TYPE vllm:generation_tokens_total counter",
                f"vllm:generation_tokens_total{{{m}}} {self.total * 50:.1f}",
            ]
            if self.with_histogram:
                lines.append("# TYPE vllm:e2e_request_latency_seconds histogram")
                for b, c in self.counts.items():
                    le = "+Inf" if b == float("inf") else repr(b)
                    lines.append(f'vllm:e2e_request_latency_seconds_bucket{{{m},le="{le}"}} {c}')
                lines.append(f"vllm:e2e_request_latency_seconds_count{{{m}}} {self.counts[float('inf')]}")
                lines.append(f"vllm:e2e_request_latency_seconds_sum{{{m}}} {self.total}")
            return "\n".join(lines) + "\n"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        st = self.server.state
        if self.path == "/v1/models":
            entry: dict[str, Any] = {"id": st.model, "object": "model", "owned_by": "vllm", "root": st.model}
            if st.max_model_len is not None:
                entry["max_model_len"] = st.max_model_len
            self._send(json.dumps({"object": "list", "data": [entry]}).encode(), "application/json")
        elif self.path == "/metrics":
            self._send(st.metrics().encode(), "text/plain; version=0.0.4")
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


@contextmanager
def serve_vllm(
    *,
    names: str = "current",
    max_model_len: int | None = 8192,
    model: str = "meta-llama/Meta-Llama-3-70B-Instruct",
    latency_mix: dict[float, int] | None = None,
    requests_per_scrape: int = 100,
    with_histogram: bool = True,
) -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = _State(
        names, max_model_len, model, latency_mix or {0.8: 90, 4.0: 10}, requests_per_scrape, with_histogram
    )
    with running(server):
        yield server
