"""Workload facts → inventory rows (the adapter between the cluster scanner and the inventory).

Kept apart from :mod:`.inventory` so the typed rows do not depend on how workloads are grouped.
"""

from __future__ import annotations

from typing import Any

from ..spec.accelerators import KNOWN_TYPES
from .facts import Fact, WorkloadFacts
from .inventory import AcceleratorUse, Autoscaling, Engine, Observed, Probe, WorkloadRow, engine_version, image_version
from .precision import precision_of


def _explicit(fact: Fact) -> Any:
    """The value when it was read from the launch arguments (not a default, not unknown)."""
    return fact.value if fact.known and fact.source.value != "default" else None


def _engine(w: WorkloadFacts, gpus: bool) -> Engine:
    """The engine the cluster scanner detected, its evidence, and the image tag as the version."""
    d = w.detection or {}
    evidence = [f"{e.get('source')}: {e.get('detail')}" for e in d.get("evidence") or [] if isinstance(e, dict)]
    if w.platform:
        evidence.append(f"platform: {w.platform}")
    image = str(w.container.get("image") or "")
    if d.get("engine"):
        version, why = engine_version(image, str(d["engine"]), w.launch.form or "")
        return Engine(str(d["engine"]), version, tuple([*evidence, *([f"version: {why}"] if why else [])]))
    reason = "requests GPUs but runs no known model server" if gpus else "no known model server"
    return Engine("unknown", image_version(image) if image else None, (reason, *evidence))


def _accelerator(w: WorkloadFacts) -> AcceleratorUse:
    g = w.node_gpu.value if w.node_gpu.known else {}
    gpu = w.resources.get("replicaGpu") or w.resources["gpu"]  # per replica: summed over a multi-pod replica
    gpu_type = g.get("type") if not g.get("mixed") else None
    count = int(gpu.value) if gpu.known and float(gpu.value).is_integer() and gpu.value >= 1 else None
    vendor = KNOWN_TYPES.get(gpu_type or "") or ("nvidia" if gpu.known and "MIG" not in (gpu.unit or "") else None)
    product = g.get("product") if isinstance(g.get("product"), str) else None
    return AcceleratorUse(vendor, gpu_type, count, product, g.get("migProfile"))


def _probe(fact: Fact) -> Probe | None:
    if not fact.known or fact.value.get("kind") != "httpGet":
        return None
    return Probe(fact.value.get("path"), fact.value.get("port"), fact.value.get("timeoutSeconds"))


def _port(w: WorkloadFacts) -> tuple[int | None, str]:
    """The port clients reach: a routing proxy's in front of the server, else the server's own when
    its launch arguments set it; a containerPort only when the server's port cannot be read. An
    engine's default port is not an observation and is left out."""
    front = (w.detection or {}).get("frontPort")
    if isinstance(front, int):
        return front, f"{(w.detection or {}).get('front')} in front of the server"
    port = w.launch.get("port") if w.launch.is_server else None
    if port is not None and port.known:
        value = _explicit(port)
        return (int(value), "launch arguments (--port)") if value is not None else (None, "")
    if w.ports.known and w.ports.value:
        return int(w.ports.value[0]), "containerPort (the server's own port is not readable)"
    return None, ""


def _observed(w: WorkloadFacts) -> Observed:
    launch = w.launch
    obs = Observed()
    if launch.is_server:
        dtype, quant = launch.get("dtype"), launch.get("quantization")
        if _explicit(dtype) is not None or _explicit(quant) is not None:
            obs.precision = precision_of(dtype, quant)
            if obs.precision:
                obs.sources["identity.model.precision"] = "--dtype / --quantization"
    obs.port, where = _port(w)
    if obs.port is not None:
        obs.sources["operations.serving.port"] = where
    obs.readiness, obs.liveness = _probe(w.probes["readiness"]), _probe(w.probes["liveness"])
    for attr, key in (("cpu_cores", "cpu"), ("memory_bytes", "memory"), ("ephemeral_bytes", "ephemeralStorage")):
        fact = w.resources[key]
        if fact.known:
            setattr(obs, attr, float(fact.value))
    obs.env_names = list(w.env_names.value or []) if w.env_names.known else []
    return obs


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(w.capitalize() for w in rest)


def row_from_facts(w: WorkloadFacts, workload: Any) -> WorkloadRow:
    """One inventory row from the cluster scanner's facts about one workload (its main revision)."""
    meta = (workload.obj or {}).get("metadata") or {}
    if not meta.get("creationTimestamp") and workload.pods:
        meta = min(((p.get("metadata") or {}) for p in workload.pods), key=lambda m: str(m.get("creationTimestamp")))
    acc = _accelerator(w)
    row = WorkloadRow(workload.namespace, workload.kind, workload.name, _engine(w, bool(acc.count)), None, acc)
    launch = w.launch
    if launch.is_server:
        served = launch.get("served-model-name")
        names = _explicit(served)
        row.model = (names[0] if isinstance(names, list) and names else names) or launch.get("model").value
        if row.model is None:
            row.unknown["model"] = launch.get("model").reason or "no model argument found"
        for attr, flag in (("tensor", "tensor-parallel-size"), ("pipeline", "pipeline-parallel-size"),
                           ("data", "data-parallel-size"), ("max_model_len", "max-model-len"),
                           ("max_num_seqs", "max-num-seqs")):
            fact = launch.get(flag)
            setattr(row, attr, fact.value if fact.known else None)
            if not fact.known:
                row.unknown[_camel(attr)] = fact.reason or "not set"
        row.max_num_seqs_set = _explicit(launch.get("max-num-seqs")) is not None
        row.max_model_len_set = _explicit(launch.get("max-model-len")) is not None
    row.desired, row.ready = w.replicas.value, w.ready_replicas.value
    a = w.autoscaler
    if not a.known:
        row.unknown["autoscaling"] = a.reason or "unknown"
    elif a.value.get("present"):
        kind = {"HPA": "HorizontalPodAutoscaler"}.get(str(a.value.get("kind")), str(a.value.get("kind") or "HPA"))
        row.autoscaling = Autoscaling(kind, a.value.get("minReplicas"), a.value.get("maxReplicas"))
    row.created = meta.get("creationTimestamp") or None
    row.pods = [f"{w.namespace}/{p['name']}" for p in w.pods if p.get("name")]
    if w.notes:
        row.unknown.setdefault("notes", "; ".join(w.notes))
    row.observed = _observed(w)
    if row.max_num_seqs_set:
        row.observed.sources["runtime.batch.maxBatchSize"] = "launch arguments (--max-num-seqs)"
    if row.max_model_len_set:
        row.observed.sources["runtime.batch.maxSequenceLengthTokens"] = "launch arguments (--max-model-len)"
    return row
