"""A loopback Hugging Face Hub serving recorded config.json files (no network in tests).

GET /{org}/{model}/resolve/{rev}/config.json → tests/data/hf/{org}--{model}.json
Special repos: ``gated/*`` needs ``Authorization: Bearer good-token`` (else 401);
``broken/json`` returns invalid JSON; ``slow/trickle`` sends a valid config one byte every
``server.trickle_s`` seconds (3 by default: a total deadline must cut it off); ``huge/config``
streams more than the 2 MiB a config.json may have. Every request is recorded in ``server.requests``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .loopback import running

DATA = Path(__file__).resolve().parent.parent / "data" / "hf"


class _Handler(BaseHTTPRequestHandler):
    server: _HubServer

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, slow: bool) -> None:
        body = (DATA / "meta-llama--Meta-Llama-3-8B.json").read_bytes() if slow else b" " * (3 * 1024 * 1024)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if not slow:
                self.wfile.write(body)
                return
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                time.sleep(self.server.trickle_s)
        except OSError:  # the client gave up: exactly what a deadline should do
            pass

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Authorization")))
        parts = self.path.strip("/").split("/")
        if len(parts) != 5 or parts[2] != "resolve" or parts[4] != "config.json":
            self._send(404, b'{"error":"Entry not found"}')
            return
        org, model = parts[0], parts[1]
        if org == "gated" and self.headers.get("Authorization") != "Bearer good-token":
            self._send(401, b'{"error":"Access to model is restricted"}')
            return
        if (org, model) == ("broken", "json"):
            self._send(200, b"{not json")
            return
        if (org, model) in (("slow", "trickle"), ("huge", "config")):
            self._stream(org == "slow")
            return
        name = f"{model}.json" if org == "gated" else f"{org}--{model}.json"
        path = DATA / ("meta-llama--Meta-Llama-3-8B.json" if org == "gated" else name)
        if not path.exists():
            self._send(404, b'{"error":"Repository not found"}')
            return
        self._send(200, path.read_bytes())


class _HubServer(ThreadingHTTPServer):
    requests: list[tuple[str, str | None]]
    trickle_s: float = 3.0


@contextmanager
def serve_hub() -> Iterator[_HubServer]:
    server = _HubServer(("127.0.0.1", 0), _Handler)
    server.requests = []
    with running(server):
        yield server
