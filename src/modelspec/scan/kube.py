"""Read-only Kubernetes access through the official ``kubernetes`` client.

Each resource kind is listed once per scan (all namespaces or one), with ``limit``/``continue``
paging, on a small thread pool; results are shared by every spec in the scan. Custom resources
(LeaderWorkerSet, InferenceService, KAITO Workspace, KEDA ScaledObject, AIBrix PodAutoscaler,
KubeAI Model) are read the same way when the cluster serves them (one discovery call, ``/apis``).
Responses are read as raw JSON: building the client's model objects for thousands of pods costs
seconds and we read a few fields.

Nothing the server sends can raise out of :meth:`KubeReader.list_all`: 403 → forbidden, 404 →
not served, 410 → relist once, 5xx and connection errors → one retry, a body of the wrong shape
(``[]``, ``null``, a string, ``items`` that is not a list, nesting too deep) → that kind is
unreadable with the reason, non-object items are dropped and counted. Paging is bounded (a server
that always answers with a ``continue`` token stops after ``max_pages``), every request has a
connect and a read timeout, urllib3's own retries are off (set on the configuration before the
connection pool exists), and the whole scan has a deadline.

Only the ``list`` verb is used, plus SelfSubjectAccessReview for ``--check-access``. Secrets and
ConfigMaps are never read. A kubeconfig ``exec`` user plugin IS run to get credentials, exactly
as ``kubectl`` runs it: only point the scanner at kubeconfigs you trust.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..errors import ModelSpecError
from .compact import PRUNERS, Interner, pod


@dataclass(frozen=True, slots=True)
class Kind:
    """A listable resource: API group, the versions we understand (preferred first), plural."""

    key: str
    group: str
    versions: tuple[str, ...]
    plural: str
    namespaced: bool = True
    custom: bool = False  # a CRD: only listed when discovery says the group/version is served

    @property
    def resource(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind("pods", "", ("v1",), "pods"),
        Kind("nodes", "", ("v1",), "nodes", namespaced=False),
        Kind("deployments", "apps", ("v1",), "deployments"),
        Kind("statefulsets", "apps", ("v1",), "statefulsets"),
        Kind("horizontalpodautoscalers", "autoscaling", ("v2",), "horizontalpodautoscalers"),
        Kind("leaderworkersets", "leaderworkerset.x-k8s.io", ("v1",), "leaderworkersets", custom=True),
        Kind("inferenceservices", "serving.kserve.io", ("v1beta1",), "inferenceservices", custom=True),
        Kind("workspaces", "kaito.sh", ("v1beta1", "v1alpha1"), "workspaces", custom=True),
        Kind("scaledobjects", "keda.sh", ("v1alpha1",), "scaledobjects", custom=True),
        Kind("podautoscalers", "autoscaling.aibrix.ai", ("v1alpha1",), "podautoscalers", custom=True),
        Kind("models", "kubeai.org", ("v1",), "models", custom=True),
    )
}
VERBS = ("list",)
DEFAULT_DEADLINE = 30.0
MAX_PAGES = 1000  # 500,000 items at the default page size


class KubeError(ModelSpecError):
    """The cluster cannot be reached at all (kubeconfig, context, server)."""


@dataclass(slots=True)
class Listing:
    kind: str
    items: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # why the list is missing or partial
    requests: int = 0
    served: bool = True  # False: the API (a CRD) is not installed, so its facts do not apply
    dropped: int = 0  # items that were not JSON objects

    @property
    def ok(self) -> bool:
        return self.error is None


def api_client(kubeconfig: str | None = None, context: str | None = None, timeout: float = 10.0) -> Any:
    """An ApiClient with urllib3 retries off, from a kubeconfig (or the in-cluster service
    account); any problem with the kubeconfig raises :class:`KubeError` with one line."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    cfg = client.Configuration()
    try:
        if kubeconfig or context:
            config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=cfg)  # type: ignore[no-untyped-call]
        else:
            try:
                config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            except ConfigException:
                config.load_kube_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
    except Exception as exc:  # a malformed kubeconfig raises anything from yaml to KeyError
        where = f" {kubeconfig}" if kubeconfig else ""
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise KubeError(f"cannot load kubeconfig{where}: {detail}") from None
    cfg.retries = 0  # read when the pool is built: our own bounded retry, not urllib3's default three
    return client.ApiClient(cfg)


class KubeReader:
    def __init__(
        self,
        api: Any,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        page_size: int = 500,
        timeout: float = 10.0,
        workers: int = 4,
        deadline: float = DEFAULT_DEADLINE,
        max_pages: int = MAX_PAGES,
        compact: bool = True,
    ) -> None:
        self.api = api
        self.namespace = namespace
        self.label_selector = label_selector
        self.page_size = page_size
        self.timeout = timeout
        self.workers = workers
        self.deadline = deadline
        self.max_pages = max_pages
        self.compact = compact  # prune each page to the fields the scan reads (memory)
        self._end = time.monotonic() + deadline
        self.discovery_error: str | None = None

    # -- requests ---------------------------------------------------------------------------------

    def _remaining(self) -> float:
        return self._end - time.monotonic()

    def _get(self, path: str, query: list[tuple[str, Any]]) -> Any:
        """One GET with connect/read timeouts bounded by the deadline; the parsed JSON body."""
        return json.loads(self._call("GET", path, query, None))

    def _call(self, method: str, path: str, query: list[tuple[str, Any]], body: Any) -> bytes:
        """One request through the client's auth and TLS settings; non-2xx → ApiException."""
        from kubernetes.client.exceptions import ApiException

        budget = min(self.timeout, self._remaining())
        if budget <= 0:
            raise TimeoutError(f"scan deadline of {self.deadline:g}s exceeded")
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        params = self.api.param_serialize(
            method, path, query_params=query, header_params=headers, body=body, auth_settings=["BearerToken"]
        )
        resp = self.api.call_api(*params, _request_timeout=(budget, budget))
        data: bytes = resp.read() or b""
        if not 200 <= int(resp.status) < 300:
            raise ApiException(status=resp.status, reason=resp.reason)
        return data

    def list_all(self, kinds: tuple[str, ...] = tuple(KINDS)) -> dict[str, Listing]:
        self._end = time.monotonic() + self.deadline
        served = self._discover() if any(KINDS[k].custom for k in kinds) else {}
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            results = list(pool.map(lambda k: self._list(KINDS[k], served), kinds))
        return {r.kind: r for r in results}

    def _discover(self) -> dict[str, set[str]]:
        """Served group → versions, from ``/apis`` (one request); empty when unreadable."""
        try:
            body = self._get("/apis", [])
            groups = body.get("groups") if isinstance(body, dict) else None
            out: dict[str, set[str]] = {}
            for g in groups if isinstance(groups, list) else []:
                if isinstance(g, dict) and isinstance(g.get("name"), str):
                    versions = g.get("versions")
                    rows = versions if isinstance(versions, list) else []
                    out[g["name"]] = {str(v.get("version")) for v in rows if isinstance(v, dict)}
            return out
        except Exception as exc:  # discovery failing only makes CRs unknown
            self.discovery_error = f"API discovery failed: {_one_line(exc)}"
            return {}

    def _path(self, kind: Kind, version: str) -> str:
        base = f"/api/{version}" if not kind.group else f"/apis/{kind.group}/{version}"
        if self.namespace and kind.namespaced:
            return f"{base}/namespaces/{self.namespace}/{kind.plural}"
        return f"{base}/{kind.plural}"

    def _list(self, kind: Kind, served: dict[str, set[str]]) -> Listing:
        listing = Listing(kind.key)
        version = kind.versions[0]
        if kind.custom:
            if self.discovery_error:
                listing.error = f"{kind.key}: {self.discovery_error}"
                return listing
            found = [v for v in kind.versions if v in served.get(kind.group, set())]
            if not found:
                listing.served = False
                listing.error = f"{kind.key}: not served by this cluster (no API {kind.group}/{kind.versions[0]})"
                return listing
            version = found[0]
        try:
            self._pages(kind, version, listing)
        except Exception as exc:  # the last line of defence: never a traceback
            listing.error = f"{kind.key}: {_one_line(exc)}"
        return listing

    def _pages(self, kind: Kind, version: str, listing: Listing) -> None:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError as Urllib3Error

        token: str | None = None
        seen: set[str] = set()
        interner = Interner()
        relisted = retried = False
        while True:
            if listing.requests >= self.max_pages:
                listing.error = f"{kind.key}: paging did not end after {self.max_pages} pages (partial list)"
                return
            query: list[tuple[str, Any]] = [("limit", self.page_size)]
            if token:
                query.append(("continue", token))
            listing.requests += 1
            try:
                body = self._get(self._path(kind, version), query)
            except ApiException as exc:
                if exc.status == 410 and token and not relisted:
                    relisted, token, listing.items = True, None, []  # continue token expired: start again
                    seen.clear()
                    continue
                if exc.status and exc.status >= 500 and not retried:
                    retried = True
                    time.sleep(0.2)
                    continue
                listing.error = _describe(kind.key, exc.status, exc.reason)
                listing.served = not (kind.custom and exc.status == 404)
                return
            except TimeoutError as exc:
                listing.error = f"{kind.key}: {_one_line(exc)}"
                return
            except (Urllib3Error, OSError, ValueError, RecursionError) as exc:
                if not retried and not isinstance(exc, (ValueError, RecursionError)) and self._remaining() > 0:
                    retried = True
                    continue
                listing.error = f"{kind.key}: {_one_line(exc)}"
                return
            token = self._take_page(kind, body, listing, self.compact, interner)
            if listing.error or not token:
                return
            if token in seen:
                listing.error = f"{kind.key}: the server repeated a continue token (partial list)"
                return
            seen.add(token)

    @staticmethod
    def _take_page(kind: Kind, body: Any, listing: Listing, compact: bool, interner: Interner) -> str | None:
        """Keep a page's object items; a body of the wrong shape is an error, not an exception."""
        if not isinstance(body, dict):
            listing.error = f"{kind.key}: malformed response (a JSON {type(body).__name__}, not a list object)"
            return None
        items = body.get("items")
        if items is None:
            items = []
        if not isinstance(items, list):
            listing.error = f"{kind.key}: malformed response (items is a {type(items).__name__}, not a list)"
            return None
        prune = PRUNERS.get(kind.key) if compact else None
        if kind.key == "pods" and compact:
            good = [pod(i, interner) for i in items if isinstance(i, dict)]
        else:
            good = [prune(i) if prune else i for i in items if isinstance(i, dict)]
        listing.dropped += len(items) - len(good)
        listing.items.extend(good)
        meta = body.get("metadata")
        token = meta.get("continue") if isinstance(meta, dict) else None
        return token if isinstance(token, str) and token else None

    # -- access review ----------------------------------------------------------------------------

    def check_access(self, kinds: tuple[str, ...] = tuple(KINDS)) -> list[dict[str, Any]]:
        """SelfSubjectAccessReview for every verb × resource the scan uses.

        Raises :class:`KubeError` (one line) when the server cannot be reached at all.
        """
        self._end = time.monotonic() + self.deadline
        rows = []
        for key in kinds:
            kind = KINDS[key]
            for verb in VERBS:
                attrs = {"verb": verb, "group": kind.group, "resource": kind.plural}
                if self.namespace and kind.namespaced:
                    attrs["namespace"] = self.namespace
                allowed, reason = self._review(attrs)
                rows.append(
                    {
                        "resource": kind.resource,
                        "verb": verb,
                        "namespace": attrs.get("namespace", "*"),
                        "allowed": allowed,
                        "reason": reason,
                    }
                )
        return rows

    def _review(self, attrs: dict[str, str]) -> tuple[bool, str]:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError as Urllib3Error

        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attrs},
        }
        if self._remaining() <= 0:
            raise KubeError(f"cannot reach the API server: scan deadline of {self.deadline:g}s exceeded")
        try:
            answer = json.loads(self._call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", [], body))
        except ApiException as exc:
            return False, _describe("selfsubjectaccessreviews", exc.status, exc.reason)
        except (Urllib3Error, OSError) as exc:  # TimeoutError included
            raise KubeError(f"cannot reach the API server: {_one_line(exc)}") from None
        except (ValueError, RecursionError) as exc:
            return False, f"malformed access review answer: {_one_line(exc)}"
        status = answer.get("status") if isinstance(answer, dict) else None
        if not isinstance(status, dict):
            return False, "malformed access review answer (no status)"
        return status.get("allowed") is True, str(status.get("reason") or "")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _describe(kind: str, status: int | None, reason: str | None) -> str:
    if status == 403:
        return f"{kind}: forbidden (403): the service account may not list {kind}"
    if status == 404:
        return f"{kind}: not found (404): API not served by this cluster"
    if status == 401:
        return f"{kind}: unauthorized (401): credentials rejected"
    if status == 410:
        return f"{kind}: continue token expired twice (410)"
    return f"{kind}: HTTP {status} {reason or ''}".strip()
