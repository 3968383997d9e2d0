"""A loopback stand-in for NVIDIA's dcgm-exporter: ``/metrics`` in its real text shape.

Series follow dcgm-exporter's output with Kubernetes mode on (github.com/NVIDIA/dcgm-exporter,
README and ``etc/default-counters.csv``)::

    DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-…",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",
        Hostname="gpu-node-1",container="vllm",namespace="llm",pod="llama-…"} 87

A GPU nobody holds has empty ``pod``/``namespace``/``container``. MIG instances carry
``GPU_I_ID``/``GPU_I_PROFILE`` and report ``DCGM_FI_PROF_GR_ENGINE_ACTIVE`` (0–1) instead of
``DCGM_FI_DEV_GPU_UTIL``. ``mode`` makes the exporter misbehave: ``garbage`` (HTML), ``slow``
(one byte every ``trickle_s`` seconds), ``status`` (HTTP 503), ``old-labels``
(``pod_name``/``pod_namespace``/``container_name``, ``--use-old-namespace``); ``raw`` serves a
recorded page as is (tests/data/dcgm).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .loopback import running


@dataclass
class Gpu:
    index: int
    util: float
    pod: str = ""
    namespace: str = ""
    container: str = ""
    model: str = "NVIDIA H100 80GB HBM3"
    mig_id: int | None = None
    mig_profile: str | None = None

    @property
    def uuid(self) -> str:
        return f"GPU-6ac7{self.index:04d}-d9cf-fef3-62e9-d92044ab6e52"


@dataclass
class ExporterState:
    hostname: str
    gpus: list[Gpu]
    mode: str = "ok"
    trickle_s: float = 1.0
    scrapes: int = 0
    extra: list[str] = field(default_factory=list)
    raw: str | None = None  # serve this text instead (a recorded exporter page)

    def text(self) -> str:
        names = ("pod_name", "pod_namespace", "container_name") if self.mode == "old-labels" else (
            "pod",
            "namespace",
            "container",
        )
        lines = [
            "# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).",
            "# TYPE DCGM_FI_DEV_SM_CLOCK gauge",
            "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).",
            "# TYPE DCGM_FI_DEV_GPU_UTIL gauge",
            "# HELP DCGM_FI_PROF_GR_ENGINE_ACTIVE Ratio of time the graphics engine is active.",
            "# TYPE DCGM_FI_PROF_GR_ENGINE_ACTIVE gauge",
        ]
        for g in self.gpus:
            # label order of render_metrics.go: device labels, [MIG], Hostname, label-counters, attributes
            labels = (
                f'gpu="{g.index}",UUID="{g.uuid}",pci_bus_id="00000000:{0x18 + g.index:02X}:00.0",'
                f'device="nvidia{g.index}",modelName="{g.model}"'
            )
            if g.mig_id is not None:
                labels += f',GPU_I_PROFILE="{g.mig_profile}",GPU_I_ID="{g.mig_id}"'
            labels += f',Hostname="{self.hostname}",DCGM_FI_DRIVER_VERSION="550.54.15",'
            labels += f'{names[2]}="{g.container}",{names[1]}="{g.namespace}",{names[0]}="{g.pod}"'
            lines.append(f"DCGM_FI_DEV_SM_CLOCK{{{labels}}} 1980")
            if g.mig_id is None:
                lines.append(f"DCGM_FI_DEV_GPU_UTIL{{{labels}}} {g.util:g}")
            lines.append(f"DCGM_FI_PROF_GR_ENGINE_ACTIVE{{{labels}}} {g.util / 100:.6f}")
            lines.append(f"DCGM_FI_DEV_FB_USED{{{labels}}} 71234")
        return "\n".join([*lines, *self.extra]) + "\n"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        st = self.server.state
        st.scrapes += 1
        if self.path != "/metrics":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if st.mode == "status":
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if st.mode == "garbage":
            body = b"<html><body>not metrics</body></html>"
        else:
            body = (st.raw if st.raw is not None else st.text()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if st.mode != "slow":
            self.wfile.write(body)
            return
        try:
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                time.sleep(st.trickle_s)
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: ExporterState


@contextmanager
def serve_dcgm(hostname: str, gpus: list[Gpu], **options: Any) -> Iterator[tuple[_Server, ExporterState]]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = ExporterState(hostname, gpus, **options)
    with running(server):
        yield server, server.state


def exporter_pod(name: str, node: str, ip: str, port: int, *, operator: bool = False) -> dict[str, Any]:
    """An exporter pod as the API server returns it: the Helm chart's shape, or the GPU Operator's."""
    labels = {"app": "nvidia-dcgm-exporter"} if operator else {
        "app.kubernetes.io/name": "dcgm-exporter",
        "app.kubernetes.io/instance": "dcgm-exporter",
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "gpu-operator" if operator else "monitoring",
            "uid": f"uid-{name}",
            "labels": labels,
            "creationTimestamp": "2026-11-01T10:00:00Z",
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "nvidia-dcgm-exporter", "uid": "uid-ds",
                 "controller": True}
            ],
        },
        "spec": {
            "nodeName": node,
            "containers": [
                {
                    "name": "nvidia-dcgm-exporter",
                    "image": "nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5-3.4.1-ubuntu22.04",
                    "env": [
                        {"name": "DCGM_EXPORTER_LISTEN", "value": f":{port}"},
                        {"name": "DCGM_EXPORTER_KUBERNETES", "value": "true"},
                    ],
                    "ports": [{"name": "metrics", "containerPort": port, "protocol": "TCP"}],
                }
            ],
        },
        "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]},
    }
