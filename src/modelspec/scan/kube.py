"""Read-only Kubernetes access through the official ``kubernetes`` client.

Each resource kind is listed once per scan (all namespaces or one), with ``limit``/``continue``
paging and the label selector, on a small thread pool, each call with a timeout; results are
shared by every spec in the scan. Responses are read as raw JSON (``_preload_content=False``):
building the client's model objects for thousands of pods costs seconds and we only read a few
fields. Failures become a reason per kind (403 → forbidden, 404 → not served, 410 → relist once,
5xx/timeouts → one retry), never an exception out of :meth:`KubeReader.list_all`.

Only get/list verbs are used, plus SelfSubjectAccessReview for ``--check-access``. Secrets and
ConfigMaps are never read.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..errors import ModelSpecError

# kind -> (api class, namespaced list method, all-namespaces list method, group, resource)
KINDS: dict[str, tuple[str, str, str | None, str, str]] = {
    "pods": ("CoreV1Api", "list_namespaced_pod", "list_pod_for_all_namespaces", "", "pods"),
    "nodes": ("CoreV1Api", "list_node", None, "", "nodes"),
    "deployments": (
        "AppsV1Api",
        "list_namespaced_deployment",
        "list_deployment_for_all_namespaces",
        "apps",
        "deployments",
    ),
    "statefulsets": (
        "AppsV1Api",
        "list_namespaced_stateful_set",
        "list_stateful_set_for_all_namespaces",
        "apps",
        "statefulsets",
    ),
    "horizontalpodautoscalers": (
        "AutoscalingV2Api",
        "list_namespaced_horizontal_pod_autoscaler",
        "list_horizontal_pod_autoscaler_for_all_namespaces",
        "autoscaling",
        "horizontalpodautoscalers",
    ),
}
VERBS = ("get", "list", "watch")


class KubeError(ModelSpecError):
    """The cluster cannot be reached at all (kubeconfig, context)."""


@dataclass(slots=True)
class Listing:
    kind: str
    items: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # why the list is missing or partial
    requests: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


def api_client(kubeconfig: str | None = None, context: str | None = None, timeout: float = 10.0) -> Any:
    """An ApiClient from a kubeconfig (or in-cluster service account); raises :class:`KubeError`."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    try:
        if kubeconfig or context:
            return config.new_client_from_config(config_file=kubeconfig, context=context)  # type: ignore[no-untyped-call]
        try:
            cfg = client.Configuration()
            config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            return client.ApiClient(cfg)
        except ConfigException:
            return config.new_client_from_config()  # type: ignore[no-untyped-call]
    except (ConfigException, OSError, TypeError, ValueError) as exc:
        raise KubeError(f"cannot load kubeconfig{f' {kubeconfig}' if kubeconfig else ''}: {exc}") from None


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
    ) -> None:
        self.api = api
        self.namespace = namespace
        self.label_selector = label_selector
        self.page_size = page_size
        self.timeout = timeout
        self.workers = workers
        self.api.configuration.retries = 0  # our own bounded retry, not urllib3's default three

    def _apis(self, name: str) -> Any:
        from kubernetes import client

        return getattr(client, name)(self.api)

    def list_all(self, kinds: tuple[str, ...] = tuple(KINDS)) -> dict[str, Listing]:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            results = list(pool.map(self._list, kinds))
        return {r.kind: r for r in results}

    def _list(self, kind: str) -> Listing:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError as Urllib3Error

        api_name, ns_method, all_method, _group, _res = KINDS[kind]
        api = self._apis(api_name)
        if self.namespace and kind != "nodes":
            call, base = getattr(api, ns_method), {"namespace": self.namespace}
        else:
            call, base = getattr(api, all_method or ns_method), {}
        selector = self.label_selector if kind in ("pods", "deployments", "statefulsets") else None
        listing = Listing(kind)
        token: str | None = None
        relisted = retried = False
        while True:
            kwargs: dict[str, Any] = dict(
                base, limit=self.page_size, _preload_content=False, _request_timeout=self.timeout
            )
            if selector:
                kwargs["label_selector"] = selector
            if token:
                kwargs["_continue"] = token
            listing.requests += 1
            try:
                resp = call(**kwargs)
                body = json.loads(resp.data)
            except ApiException as exc:
                if exc.status == 410 and token and not relisted:
                    relisted, token, listing.items = True, None, []  # continue token expired: start again
                    continue
                if exc.status and exc.status >= 500 and not retried:
                    retried = True
                    time.sleep(0.2)
                    continue
                listing.error = _describe(kind, exc.status, exc.reason)
                return listing
            except (Urllib3Error, OSError, ValueError) as exc:
                if not retried:
                    retried = True
                    continue
                listing.error = f"{kind}: {type(exc).__name__}: {str(exc)[:160]}"
                return listing
            listing.items.extend(body.get("items") or [])
            token = (body.get("metadata") or {}).get("continue") or None
            if not token:
                return listing

    def check_access(self) -> list[dict[str, Any]]:
        """SelfSubjectAccessReview for every verb × resource the scan uses."""
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        api = client.AuthorizationV1Api(self.api)
        rows = []
        for kind, (_api, _ns, _all, group, resource) in KINDS.items():
            for verb in VERBS:
                attrs = {"verb": verb, "group": group, "resource": resource}
                if self.namespace and kind != "nodes":
                    attrs["namespace"] = self.namespace
                body: Any = {
                    "apiVersion": "authorization.k8s.io/v1",
                    "kind": "SelfSubjectAccessReview",
                    "spec": {"resourceAttributes": attrs},
                }
                try:
                    resp: Any = api.create_self_subject_access_review(
                        body, _preload_content=False, _request_timeout=self.timeout
                    )
                    status = json.loads(resp.data).get("status") or {}
                    allowed, reason = bool(status.get("allowed")), status.get("reason") or ""
                except ApiException as exc:
                    allowed, reason = False, _describe("selfsubjectaccessreviews", exc.status, exc.reason)
                rows.append(
                    {
                        "resource": f"{resource}.{group}" if group else resource,
                        "verb": verb,
                        "namespace": attrs.get("namespace", "*"),
                        "allowed": allowed,
                        "reason": reason,
                    }
                )
        return rows


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
