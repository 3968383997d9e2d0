"""Workload facts → inventory rows (the adapter between the cluster scanner and the inventory).

Kept apart from :mod:`.inventory` so the typed rows do not depend on how workloads are grouped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..spec.accelerators import KNOWN_TYPES
from .cluster import WorkloadFacts
from .facts import Fact
from .inventory import AcceleratorUse, Autoscaling, Engine, Observed, Probe, WorkloadRow, detect_engine
from .vllm_args import precision_of


def _explicit(fact: Fact) -> Any:
    """The value when it was read from the launch arguments (not a default, not unknown)."""
    return fact.value if fact.known and fact.source.value != "default" else None


def _engine(template_spec: Mapping[str, Any], labels: Mapping[str, Any], gpus: bool) -> Engine:
    for c in template_spec.get("containers") or []:
        if isinstance(c, dict):
            found = detect_engine(c, labels)
            if found:
                return found
    reason = "requests GPUs but runs no known model server" if gpus else "no known model server"
    return Engine("unknown", None, (reason,))


def _accelerator(w: WorkloadFacts) -> AcceleratorUse:
    g = w.node_gpu.value if w.node_gpu.known else {}
    gpu = w.resources["gpu"]
    gpu_type = g.get("type") if not g.get("mixed") else None
    count = int(gpu.value) if gpu.known and float(gpu.value).is_integer() and gpu.value >= 1 else None
    vendor = KNOWN_TYPES.get(gpu_type or "") or ("nvidia" if gpu.known and "MIG" not in (gpu.unit or "") else None)
    product = g.get("product") if isinstance(g.get("product"), str) else None
    return AcceleratorUse(vendor, gpu_type, count, product, g.get("migProfile"))


def _probe(fact: Fact) -> Probe | None:
    if not fact.known or fact.value.get("kind") != "httpGet":
        return None
    return Probe(fact.value.get("path"), fact.value.get("port"), fact.value.get("timeoutSeconds"))


def _observed(w: WorkloadFacts) -> Observed:
    launch = w.launch
    obs = Observed()
    if launch.is_vllm:
        dtype, quant = launch.get("dtype"), launch.get("quantization")
        if _explicit(dtype) is not None or _explicit(quant) is not None:
            obs.precision = precision_of(dtype, quant)
            if obs.precision:
                obs.sources["identity.model.precision"] = "--dtype / --quantization"
        port = _explicit(launch.get("port"))
        if port is not None:
            obs.port = int(port)
            obs.sources["operations.serving.port"] = "--port"
    if obs.port is None and w.ports.known and w.ports.value:
        obs.port = int(w.ports.value[0])
        obs.sources["operations.serving.port"] = "containerPort"
    obs.readiness, obs.liveness = _probe(w.probes["readiness"]), _probe(w.probes["liveness"])
    for attr, key in (("cpu_cores", "cpu"), ("memory_bytes", "memory"), ("ephemeral_bytes", "ephemeralStorage")):
        fact = w.resources[key]
        if fact.known:
            setattr(obs, attr, float(fact.value))
    obs.env_names = list(w.env_names.value or []) if w.env_names.known else []
    return obs


def row_from_facts(w: WorkloadFacts, obj: Mapping[str, Any]) -> WorkloadRow:
    """One inventory row from the cluster scanner's facts about a Deployment or StatefulSet."""
    template = ((obj.get("spec") or {}).get("template")) or {}
    meta = obj.get("metadata") or {}
    labels = {**((template.get("metadata") or {}).get("labels") or {}), **(meta.get("labels") or {})}
    acc = _accelerator(w)
    engine = _engine(template.get("spec") or {}, labels, bool(acc.count))
    row = WorkloadRow(w.namespace, w.kind, w.name, engine, None, acc)
    launch = w.launch
    if launch.is_vllm:
        served = launch.get("served-model-name")
        row.model = (served.value[0] if _explicit(served) else None) or launch.get("model").value
        tp, pp = launch.get("tensor-parallel-size"), launch.get("pipeline-parallel-size")
        row.tensor, row.pipeline = tp.value, pp.value
        mml = launch.get("max-model-len")
        row.max_model_len = mml.value if mml.known else None
        if not mml.known:
            row.unknown["maxModelLen"] = mml.reason or "not set"
        seqs = launch.get("max-num-seqs")
        row.max_num_seqs = seqs.value
        row.observed.sources["maxNumSeqs"] = seqs.source.value
        dp = launch.flags.get("data-parallel-size")
        row.data = int(dp) if isinstance(dp, str) and dp.isdigit() else (1 if launch.is_vllm else None)
    row.desired, row.ready = w.replicas.value, w.ready_replicas.value
    a = w.autoscaler
    if not a.known:
        row.unknown["autoscaling"] = a.reason or "unknown"
    elif a.value.get("present"):
        row.autoscaling = Autoscaling("HorizontalPodAutoscaler", a.value.get("minReplicas"), a.value.get("maxReplicas"))
    row.created = meta.get("creationTimestamp") or None
    row.pods = [f"{w.namespace}/{p['name']}" for p in w.pods if p.get("name")]
    obs = _observed(w)
    obs.sources.update(row.observed.sources)
    row.observed = obs
    return row
