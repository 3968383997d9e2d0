"""A read-only fake Kubernetes API server for the real ``kubernetes`` client, on loopback.

Serves recorded JSON lists (``fixtures/*.json``, real API shape) for pods, nodes, deployments,
statefulsets and HPAs at their real paths, cluster-wide and per namespace, plus the custom
resources a test brings (LeaderWorkerSet, InferenceService, KAITO Workspace, KEDA ScaledObject,
AIBrix PodAutoscaler, KubeAI Model), announced in ``/apis`` discovery only when present. Honours
``labelSelector`` (=, ==, !=, in, notin, exists, !exists), ``limit``/``continue`` paging (tokens
can be expired on purpose: 410 Gone), and injects faults per resource (or ``discovery``): an HTTP status (403, 404,
500…), a delay, a dropped connection, a connection that never answers, a raw body of the wrong
shape, or a continue token that never ends. Answers SelfSubjectAccessReview (the one POST) from a
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

# key -> (group, version, plural, list kind, namespaced); custom resources are served (and listed
# in /apis discovery) only when the data has that key, like a cluster with the CRD installed.
RESOURCES: dict[str, tuple[str, str, str, str, bool]] = {
    "pods": ("", "v1", "pods", "PodList", True),
    "nodes": ("", "v1", "nodes", "NodeList", False),
    "deployments": ("apps", "v1", "deployments", "DeploymentList", True),
    "statefulsets": ("apps", "v1", "statefulsets", "StatefulSetList", True),
    "horizontalpodautoscalers": ("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscalerList", True),
    "leaderworkersets": ("leaderworkerset.x-k8s.io", "v1", "leaderworkersets", "LeaderWorkerSetList", True),
    "inferenceservices": ("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceServiceList", True),
    "workspaces": ("kaito.sh", "v1beta1", "workspaces", "WorkspaceList", True),
    "scaledobjects": ("keda.sh", "v1alpha1", "scaledobjects", "ScaledObjectList", True),
    "podautoscalers": ("autoscaling.aibrix.ai", "v1alpha1", "podautoscalers", "PodAutoscalerList", True),
    "models": ("kubeai.org", "v1", "models", "ModelList", True),
}
CORE = ("pods", "nodes", "deployments", "statefulsets", "horizontalpodautoscalers")


def _route(key: str) -> re.Pattern[str]:
    group, version, plural, _, namespaced = RESOURCES[key]
    base = f"/api/{version}" if not group else f"/apis/{re.escape(group)}/{version}"
    ns = "(?:namespaces/(?P<ns>[^/]+)/)?" if namespaced else ""
    return re.compile(f"^{base}/{ns}{plural}$")


ROUTES = [(_route(k), k, RESOURCES[k][3], f"{RESOURCES[k][0]}/{RESOURCES[k][1]}".lstrip("/")) for k in RESOURCES]
SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


def load_fixtures(directory: Path = FIXTURES) -> dict[str, list[dict[str, Any]]]:
    """``<kind>.json`` list files of a directory (the core kinds always, custom ones when present)."""
    return {
        kind: json.loads((directory / f"{kind}.json").read_text())["items"]
        for kind in RESOURCES
        if kind in CORE or (directory / f"{kind}.json").exists()
    }


@dataclass
class Fault:
    status: int | None = None  # answer this HTTP status
    delay: float = 0.0  # sleep before answering
    drop: bool = False  # close the connection without an answer
    hang: float = 0.0  # accept, then send nothing (no status line, no headers) for this long
    body: str | None = None  # answer 200 with this raw text instead of the list (wrong shapes)
    endless: bool = False  # every page carries a continue token, forever
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
        if fault.hang:
            time.sleep(fault.hang)
            self.close_connection = True
            return True
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        if fault.status:
            self._status(fault.status, f"injected {fault.status} for {kind}")
            return True
        if fault.body is not None:
            data = fault.body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return True
        if fault.endless:
            self._send(
                200,
                {"kind": "List", "apiVersion": "v1", "metadata": {"continue": f"again-{time.time_ns()}"}, "items": []},
            )
            return True
        return False

    def do_GET(self) -> None:
        url = urlparse(self.path)
        state = self.server.state
        with state.lock:
            state.requests[url.path] += 1
            state.log.append(self.path)
        if url.path == "/apis":
            if not self._fault("discovery"):
                self._send(200, _discovery(state.data))
            return
        for pattern, kind, list_kind, api_version in ROUTES:
            m = pattern.match(url.path)
            if not m or (kind not in CORE and kind not in state.data):
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
        if self._fault("selfsubjectaccessreviews"):
            return
        attrs = (body.get("spec") or {}).get("resourceAttributes") or {}
        denied = (attrs.get("verb"), attrs.get("resource")) in self.server.state.deny
        body["status"] = {"allowed": not denied, "reason": "denied by fake RBAC" if denied else "allowed by fake RBAC"}
        self._send(201, body)

    def do_PUT(self) -> None:
        self._status(403, "this fake API server is read-only")

    do_DELETE = do_PATCH = do_PUT


def _discovery(data: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    groups: dict[str, set[str]] = {}
    for key, (group, version, *_rest) in RESOURCES.items():
        if group and (key in CORE or key in data):
            groups.setdefault(group, set()).add(version)
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {
                "name": g,
                "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in sorted(vs)],
                "preferredVersion": {"groupVersion": f"{g}/{sorted(vs)[0]}", "version": sorted(vs)[0]},
            }
            for g, vs in sorted(groups.items())
        ],
    }


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
