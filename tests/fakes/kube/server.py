"""A read-only fake Kubernetes API server for the real ``kubernetes`` client, on loopback.

Serves recorded JSON lists (``fixtures/*.json``, real API shape) for pods, nodes, deployments,
statefulsets and HPAs at their real paths, cluster-wide and per namespace. Honours
``labelSelector`` (=, ==, !=, in, notin, exists, !exists), ``limit``/``continue`` paging (tokens
can be expired on purpose: 410 Gone), and injects faults per resource: an HTTP status (403, 404,
500…), a delay, or a dropped connection. Answers SelfSubjectAccessReview (the one POST) from a
deny list. Counts every request, so tests and benchmarks can check how the client behaves.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from ..loopback import running

FIXTURES = Path(__file__).resolve().parent / "fixtures"

ROUTES = [
    (re.compile(r"^/api/v1/(?:namespaces/(?P<ns>[^/]+)/)?pods$"), "pods", "PodList", "v1"),
    (re.compile(r"^/api/v1/nodes$"), "nodes", "NodeList", "v1"),
    (
        re.compile(r"^/apis/apps/v1/(?:namespaces/(?P<ns>[^/]+)/)?deployments$"),
        "deployments",
        "DeploymentList",
        "apps/v1",
    ),
    (
        re.compile(r"^/apis/apps/v1/(?:namespaces/(?P<ns>[^/]+)/)?statefulsets$"),
        "statefulsets",
        "StatefulSetList",
        "apps/v1",
    ),
    (
        re.compile(r"^/apis/autoscaling/v2/(?:namespaces/(?P<ns>[^/]+)/)?horizontalpodautoscalers$"),
        "horizontalpodautoscalers",
        "HorizontalPodAutoscalerList",
        "autoscaling/v2",
    ),
]
SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


def load_fixtures(directory: Path = FIXTURES) -> dict[str, list[dict[str, Any]]]:
    return {
        kind: json.loads((directory / f"{kind}.json").read_text())["items"]
        for kind in ("pods", "nodes", "deployments", "statefulsets", "horizontalpodautoscalers")
    }


@dataclass
class Fault:
    status: int | None = None  # answer this HTTP status
    delay: float = 0.0  # sleep before answering
    drop: bool = False  # close the connection without an answer
    times: int | None = None  # only the first N requests (None: always)


@dataclass
class State:
    data: dict[str, list[dict[str, Any]]]
    faults: dict[str, Fault] = field(default_factory=dict)
    expire_continue: bool = False  # every continue token is answered with 410 Gone
    deny: set[tuple[str, str]] = field(default_factory=set)  # (verb, resource) SSAR denies
    requests: Counter[str] = field(default_factory=Counter)
    log: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _selector_matches(selector: str, labels: dict[str, str]) -> bool:
    for term in filter(None, (t.strip() for t in re.split(r",(?![^()]*\))", selector))):
        m = re.match(r"^([\w./-]+)\s+(in|notin)\s+\((.*)\)$", term)
        if m:
            values = {v.strip() for v in m.group(3).split(",")}
            present = labels.get(m.group(1)) in values
            if present != (m.group(2) == "in"):
                return False
            continue
        if term.startswith("!"):
            if term[1:] in labels:
                return False
        elif "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif "=" in term:
            k, v = term.replace("==", "=").split("=", 1)
            if labels.get(k.strip()) != v.strip():
                return False
        elif term not in labels:
            return False
    return True


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _status(self, code: int, message: str) -> None:
        reason = {403: "Forbidden", 404: "NotFound", 410: "Expired", 500: "InternalError", 401: "Unauthorized"}
        self._send(
            code,
            {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "message": message,
                "reason": reason.get(code, "Unknown"),
                "code": code,
            },
        )

    def _fault(self, kind: str) -> bool:
        state = self.server.state
        with state.lock:
            fault = state.faults.get(kind)
            if fault is None:
                return False
            if fault.times is not None:
                if fault.times <= 0:
                    return False
                fault.times -= 1
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        if fault.status:
            self._status(fault.status, f"injected {fault.status} for {kind}")
            return True
        return False

    def do_GET(self) -> None:
        url = urlparse(self.path)
        state = self.server.state
        with state.lock:
            state.requests[url.path] += 1
            state.log.append(self.path)
        for pattern, kind, list_kind, api_version in ROUTES:
            m = pattern.match(url.path)
            if not m:
                continue
            if self._fault(kind):
                return
            query = parse_qs(url.query)
            items = state.data.get(kind, [])
            ns = m.groupdict().get("ns")
            if ns:
                items = [i for i in items if i["metadata"].get("namespace") == ns]
            selector = (query.get("labelSelector") or [""])[0]
            if selector:
                items = [i for i in items if _selector_matches(selector, i["metadata"].get("labels") or {})]
            start = 0
            token = (query.get("continue") or [""])[0]
            if token:
                if state.expire_continue:
                    self._status(410, "The provided continue parameter is too old to display a consistent list")
                    return
                start = int(token.split("-", 1)[1])
            limit = int((query.get("limit") or ["0"])[0] or 0)
            page = items[start : start + limit] if limit else items[start:]
            end = start + len(page)
            meta: dict[str, Any] = {"resourceVersion": "12345"}
            if limit and end < len(items):
                meta["continue"] = f"tok-{end}"
                meta["remainingItemCount"] = len(items) - end
            self._send(200, {"kind": list_kind, "apiVersion": api_version, "metadata": meta, "items": page})
            return
        self._status(404, f"the server could not find the requested resource ({url.path})")

    def do_POST(self) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        with self.server.state.lock:
            self.server.state.requests[url.path] += 1
        if url.path != SSAR:
            self._status(403, "this fake API server is read-only")
            return
        attrs = (body.get("spec") or {}).get("resourceAttributes") or {}
        denied = (attrs.get("verb"), attrs.get("resource")) in self.server.state.deny
        body["status"] = {"allowed": not denied, "reason": "denied by fake RBAC" if denied else "allowed by fake RBAC"}
        self._send(201, body)

    def do_PUT(self) -> None:
        self._status(403, "this fake API server is read-only")

    do_DELETE = do_PATCH = do_PUT


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: State


@contextmanager
def serve(data: dict[str, list[dict[str, Any]]] | None = None, **options: Any) -> Iterator[tuple[_Server, State]]:
    state = State(copy.deepcopy(data) if data is not None else load_fixtures(), **options)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = state
    with running(server):
        yield server, state


def write_kubeconfig(path: Path, port: int, context: str = "fake") -> Path:
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": context,
                "clusters": [{"name": "fake", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
                "users": [{"name": "fake", "user": {"token": "fake-token"}}],
                "contexts": [{"name": context, "context": {"cluster": "fake", "user": "fake"}}],
            }
        )
    )
    return path
