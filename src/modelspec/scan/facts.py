"""Facts: what a scanner observed, each with where it came from and how much to trust it.

Unknown is a value: a fact that could not be read carries ``value=None`` and the reason, never
0 or false, so drift rules can tell "not there" from "could not look".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .launch import Launch


class Source(str, Enum):
    NVML = "nvml"
    PSUTIL = "psutil"
    K8S = "k8s"
    VLLM_ARGS = "vllm-args"
    LAUNCH_ARGS = "launch-args"  # another engine's command line or its env twins
    VLLM_HTTP = "vllm-http"
    DEFAULT = "default"
    INFERRED = "inferred"


# How far a value from each source class can be trusted (documented in docs/scan.md).
CONFIDENCE = {
    Source.NVML: 0.99,
    Source.PSUTIL: 0.95,
    Source.K8S: 0.9,
    Source.VLLM_HTTP: 0.9,
    Source.VLLM_ARGS: 0.8,
    Source.LAUNCH_ARGS: 0.8,
    Source.INFERRED: 0.6,
    Source.DEFAULT: 0.5,
}


_STAMP: list[Any] = [-1, ""]  # (millisecond, text): thousands of facts share one timestamp


def now() -> str:
    ms = int(time.time() * 1000)
    if _STAMP[0] != ms:
        stamp = datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds")
        _STAMP[0], _STAMP[1] = ms, stamp.replace("+00:00", "Z")
    return str(_STAMP[1])


@dataclass(frozen=True, slots=True)
class Fact:
    value: Any
    source: Source
    unit: str | None = None
    observed_at: str = field(default_factory=now)
    reason: str | None = None  # why the value is unknown

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def confidence(self) -> float:
        return CONFIDENCE[self.source] if self.known else 0.0

    @classmethod
    def unknown(cls, source: Source, reason: str, unit: str | None = None) -> Fact:
        return cls(None, source, unit, reason=reason)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.value,
            "unit": self.unit,
            "source": self.source.value,
            "observedAt": self.observed_at,
            "confidence": self.confidence,
        }
        if self.reason is not None:
            out["reason"] = self.reason
        return out


@dataclass(slots=True)
class GpuFacts:
    index: int
    uuid: Fact
    name: Fact
    type: Fact  # normalised spec type, e.g. "h100"
    mig_profile: Fact
    memory_total: Fact
    memory_used: Fact
    mig_mode: Fact
    ecc_mode: Fact
    utilization: Fact
    power_limit: Fact
    pci_bus_id: Fact
    compute_capability: Fact
    processes: Fact  # list of {"pid", "usedBytes", "name"}
    lost: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "lost": self.lost}
        for key in (
            "uuid",
            "name",
            "type",
            "mig_profile",
            "memory_total",
            "memory_used",
            "mig_mode",
            "ecc_mode",
            "utilization",
            "power_limit",
            "pci_bus_id",
            "compute_capability",
            "processes",
        ):
            camel = "".join(w.capitalize() if i else w for i, w in enumerate(key.split("_")))
            out[camel] = getattr(self, key).to_dict()
        return out


@dataclass(slots=True)
class NodeFacts:
    """Everything ``scan node`` read from one machine."""

    hostname: str
    driver_version: Fact
    cuda_driver_version: Fact
    gpus: list[GpuFacts]
    gpu_error: str | None  # why NVML could not be used at all
    cpu_cores: Fact
    memory_total: Fact
    memory_available: Fact
    disk_free: Fact
    cache_dir: str

    @property
    def healthy_gpus(self) -> list[GpuFacts]:
        return [g for g in self.gpus if not g.lost]

    def to_dict(self) -> dict[str, Any]:
        return {
            "hostname": self.hostname,
            "driverVersion": self.driver_version.to_dict(),
            "cudaDriverVersion": self.cuda_driver_version.to_dict(),
            "gpuError": self.gpu_error,
            "gpus": [g.to_dict() for g in self.gpus],
            "host": {
                "cpuCores": self.cpu_cores.to_dict(),
                "memoryTotal": self.memory_total.to_dict(),
                "memoryAvailable": self.memory_available.to_dict(),
                "diskFree": self.disk_free.to_dict(),
                "cacheDir": self.cache_dir,
            },
        }


@dataclass(slots=True)
class WorkloadFacts:
    """What one workload runs, read from its running pods (the template only when none runs).

    A workload is a Deployment, StatefulSet, bare Pod, or a platform group (one LeaderWorkerSet,
    InferenceService, KAITO Workspace …); ``pods_per_replica`` > 1 for multi-pod replicas.
    """

    namespace: str
    kind: str
    name: str
    replicas: Fact
    ready_replicas: Fact
    autoscaler: Fact  # {"present", "kind", "name", "minReplicas", "maxReplicas", "metrics"}
    pods: list[dict[str, Any]]
    container: dict[str, Any]
    resources: dict[str, Fact]
    env_names: Fact
    probes: dict[str, Fact]
    ports: Fact
    launch: Launch
    node_gpu: Fact  # {"product", "type", "memoryMiB", "count", "label"}
    http: dict[str, Fact] = field(default_factory=dict)
    pods_per_replica: Fact = field(default_factory=lambda: Fact(1, Source.DEFAULT))
    platform: str | None = None  # "LeaderWorkerSet", "KServe", "KAITO", … when a group label made it
    notes: list[str] = field(default_factory=list)  # pods that differ from the template, …
    detection: dict[str, Any] = field(default_factory=dict)  # engine evidence and sidecars

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.kind}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "kind": self.kind,
            "name": self.name,
            "platform": self.platform,
            "replicas": self.replicas.to_dict(),
            "readyReplicas": self.ready_replicas.to_dict(),
            "podsPerReplica": self.pods_per_replica.to_dict(),
            "autoscaler": self.autoscaler.to_dict(),
            "pods": self.pods,
            "container": self.container,
            "detection": self.detection,
            "resources": {k: v.to_dict() for k, v in self.resources.items()},
            "envNames": self.env_names.to_dict(),
            "probes": {k: v.to_dict() for k, v in self.probes.items()},
            "ports": self.ports.to_dict(),
            "launch": self.launch.to_dict(),
            "nodeGpu": self.node_gpu.to_dict(),
            "http": {_camel(k): v.to_dict() for k, v in self.http.items()},
            "notes": self.notes,
        }


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(w.capitalize() for w in rest)
