"""GPU utilisation per pod from the cluster's DCGM exporter (``--probe-http``).

NVIDIA's dcgm-exporter runs as a DaemonSet, one pod per GPU node, and serves Prometheus text on
``:9400/metrics`` (``DCGM_EXPORTER_LISTEN``). Each pod only reports its own node's GPUs, so every
exporter pod is scraped (a Service would load-balance to one node). Exporter pods are found in
the pod listing the scan already holds — by image (``nvcr.io/nvidia/k8s/dcgm-exporter``) or by
the labels of its Helm chart (``app.kubernetes.io/name=dcgm-exporter``) and of the GPU Operator
(``app=nvidia-dcgm-exporter``) — so no extra API request is made.

Metric names and labels are dcgm-exporter's (github.com/NVIDIA/dcgm-exporter,
``etc/default-counters.csv`` and ``docs/metrics.md``): ``DCGM_FI_DEV_GPU_UTIL`` (percent, per
device) and, for MIG instances where that field is not supported, ``DCGM_FI_PROF_GR_ENGINE_ACTIVE``
(ratio 0–1). With Kubernetes mode on, each series carries the GPU's user in ``pod``,
``namespace``, ``container`` (``pod_name``/``pod_namespace``/``container_name`` with
``--use-old-namespace``); a GPU nobody holds has them empty. ``gpu``, ``UUID``, ``modelName``,
``Hostname`` and, for MIG, ``GPU_I_ID``/``GPU_I_PROFILE`` identify the device.

Without an exporter, or when it cannot be read, utilisation is ``unknown`` with the reason —
never 0: an idle GPU and an unmeasured GPU cost differently.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from . import prom
from .vllm_http import Deadline, _get, base_url

DEFAULT_PORT = 9400
IMAGE_WORD = "dcgm-exporter"
SELECTOR_LABELS = {"app.kubernetes.io/name": "dcgm-exporter", "app": "nvidia-dcgm-exporter"}
UTIL = "DCGM_FI_DEV_GPU_UTIL"
GR_ACTIVE = "DCGM_FI_PROF_GR_ENGINE_ACTIVE"
POD_LABELS = (("pod", "namespace", "container"), ("pod_name", "pod_namespace", "container_name"))


@dataclass(frozen=True, slots=True)
class Exporter:
    namespace: str
    pod: str
    node: str | None
    ip: str | None
    port: int
    evidence: str  # why this pod was taken for an exporter

    @property
    def url(self) -> str | None:
        return f"{base_url(self.ip, self.port)}/metrics" if self.ip else None


@dataclass(frozen=True, slots=True)
class GpuUse:
    """One GPU (or MIG instance) as one exporter saw it."""

    node: str | None
    device: str  # gpu index, with the MIG instance id: "0" or "0/3"
    uuid: str | None
    model: str | None
    utilisation: float | None  # percent 0-100
    namespace: str | None
    pod: str | None
    container: str | None
    mig_profile: str | None = None


@dataclass(slots=True)
class DcgmReading:
    exporters: list[Exporter] = field(default_factory=list)
    gpus: list[GpuUse] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line per exporter that could not be read

    @property
    def found(self) -> bool:
        return bool(self.exporters)

    @property
    def reason(self) -> str | None:
        """Why per-pod utilisation is unknown, or None when it was read."""
        if not self.exporters:
            return "no DCGM exporter pod found (image dcgm-exporter or label app.kubernetes.io/name=dcgm-exporter)"
        if not self.gpus:
            return "; ".join(self.errors) or "the DCGM exporter reported no GPU"
        return None

    def by_pod(self) -> dict[tuple[str, str], list[GpuUse]]:
        out: dict[tuple[str, str], list[GpuUse]] = {}
        for g in self.gpus:
            if g.namespace and g.pod:
                out.setdefault((g.namespace, g.pod), []).append(g)
        return out

    def scraped_nodes(self) -> set[str]:
        return {g.node for g in self.gpus if g.node}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _port(container: Mapping[str, Any]) -> int:
    for p in container.get("ports") or []:
        p = _dict(p)
        if p.get("name") in ("metrics", "gpu-metrics") and isinstance(p.get("containerPort"), int):
            return int(p["containerPort"])
    for e in container.get("env") or []:
        e = _dict(e)
        if e.get("name") == "DCGM_EXPORTER_LISTEN" and isinstance(e.get("value"), str):
            tail = e["value"].rsplit(":", 1)[-1]
            if tail.isdigit() and 0 < int(tail) < 65536:
                return int(tail)
    return DEFAULT_PORT


def exporter_of(pod: Mapping[str, Any]) -> Exporter | None:
    """The exporter this pod runs, or None; only running pods with an IP are scraped later."""
    meta, spec, status = _dict(pod.get("metadata")), _dict(pod.get("spec")), _dict(pod.get("status"))
    labels = _dict(meta.get("labels"))
    containers = [_dict(c) for c in spec.get("containers") or [] if isinstance(c, dict)]
    chosen, evidence = None, ""
    for c in containers:
        image = str(c.get("image") or "")
        if IMAGE_WORD in image.rsplit("/", 1)[-1]:
            chosen, evidence = c, f"image {image}"
            break
    if chosen is None:
        hit = next((f"{k}={v}" for k, v in SELECTOR_LABELS.items() if labels.get(k) == v), None)
        if hit is None or not containers:
            return None
        chosen, evidence = containers[0], f"label {hit}"
    ip = status.get("podIP") if status.get("phase") == "Running" else None
    return Exporter(
        str(meta.get("namespace", "")),
        str(meta.get("name", "?")),
        spec.get("nodeName") if isinstance(spec.get("nodeName"), str) else None,
        ip if isinstance(ip, str) and ip else None,
        _port(chosen),
        evidence,
    )


def find_exporters(pods: Iterable[Mapping[str, Any]]) -> list[Exporter]:
    return [e for e in (exporter_of(p) for p in pods if isinstance(p, Mapping)) if e is not None]


def _who(labels: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
    for pod_l, ns_l, c_l in POD_LABELS:
        if labels.get(pod_l):
            return labels.get(ns_l) or None, labels[pod_l], labels.get(c_l) or None
    return None, None, None


def _percent(value: float, scale: float) -> float | None:
    v = value * scale
    return v if math.isfinite(v) and 0 <= v <= 100 else None


def parse(text: str, node: str | None = None) -> list[GpuUse]:
    """GPUs and their users from one exporter's ``/metrics`` text.

    ``DCGM_FI_DEV_GPU_UTIL`` wins; a device or MIG instance that only reports
    ``DCGM_FI_PROF_GR_ENGINE_ACTIVE`` gets that ratio × 100. Values outside 0–100 are unknown.
    """
    seen: dict[tuple[str, str, str], dict[str, str]] = {}
    util: dict[tuple[str, str, str], float | None] = {}
    active: dict[tuple[str, str, str], float | None] = {}
    for s in prom.parse(text):
        if s.name not in (UTIL, GR_ACTIVE):
            continue
        device = s.labels.get("gpu", "?") + (f"/{s.labels['GPU_I_ID']}" if s.labels.get("GPU_I_ID") else "")
        ns, pod, _ = _who(s.labels)
        key = (device, ns or "", pod or "")
        seen.setdefault(key, s.labels)
        if s.name == UTIL:
            util[key] = _percent(s.value, 1.0)
        else:
            active[key] = _percent(s.value, 100.0)
    out = []
    for key, labels in seen.items():
        ns, pod, container = _who(labels)
        value = util.get(key) if util.get(key) is not None else active.get(key)
        out.append(
            GpuUse(
                labels.get("Hostname") if node is None else node,
                key[0],
                labels.get("UUID") or labels.get("uuid"),
                labels.get("modelName"),
                value,
                ns,
                pod,
                container,
                labels.get("GPU_I_PROFILE"),
            )
        )
    return out


def read(exporters: list[Exporter], *, timeout: float = 5.0, deadline_s: float = 20.0, workers: int = 8) -> DcgmReading:
    """Scrape every exporter pod concurrently, all under one total deadline."""
    import httpx

    reading = DcgmReading(exporters=list(exporters))
    targets = [e for e in exporters if e.url]
    reading.errors += [f"{e.namespace}/{e.pod}: not running or no pod IP" for e in exporters if not e.url]
    if not targets:
        return reading
    deadline = Deadline.after(deadline_s)
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:

        def one(e: Exporter) -> tuple[Exporter, bytes | None, str | None]:
            body, err = _get(client, str(e.url), deadline, timeout)
            return e, body, err

        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets)))) as pool:
            results = list(pool.map(one, targets))
    for e, body, err in results:
        if body is None:
            reading.errors.append(f"{e.namespace}/{e.pod}: {err}")
            continue
        gpus = parse(body.decode("utf-8", "replace"), e.node)
        if not gpus:
            reading.errors.append(f"{e.namespace}/{e.pod}: no {UTIL} or {GR_ACTIVE} samples in /metrics")
        reading.gpus += gpus
    return reading
