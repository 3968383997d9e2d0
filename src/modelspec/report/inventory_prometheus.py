"""Inventory as Prometheus text exposition (node-exporter textfile collector, or a push).

Unknown values are left out, never written as 0: a missing series means "not measured".

    modelspec_workload_info{workload="llm/Deployment/llama",engine="vllm",version="v0.8.5",…} 1
    modelspec_workload_cost_per_hour_usd{workload="llm/Deployment/llama"} 55.04
    modelspec_cluster_gpus{state="free"} 11
"""

from __future__ import annotations

from collections.abc import Mapping

from ..scan.inventory import Inventory
from .prometheus import _label


def _series(name: str, labels: Mapping[str, object], value: float | int | None) -> str | None:
    if value is None:
        return None
    text = ",".join(f'{k}="{_label("" if v is None else v)}"' for k, v in labels.items())
    return f"{name}{{{text}}} {value:g}" if text else f"{name} {value:g}"


_HELP = {
    "modelspec_workload_info": "One series per inference workload; the labels describe it.",
    "modelspec_workload_gpus": "GPUs the workload's scheduled pods hold.",
    "modelspec_workload_cost_per_hour_usd": "Indicative GPU cost per hour (catalog prices).",
    "modelspec_workload_gpu_utilisation_percent": "Mean GPU utilisation of the workload's pods (DCGM).",
    "modelspec_workload_idle_cost_per_day_usd": "Cost per day of the unused share of its GPUs (DCGM, indicative).",
    "modelspec_workload_tokens_per_gpu_hour": "Generated tokens per GPU-hour over the probe window (vLLM).",
    "modelspec_workload_drift": "Drift findings against the claiming spec.",
    "modelspec_workload_spec_claimed": "1 when a spec claims the workload, 0 for no spec.",
    "modelspec_cluster_gpus": "Cluster GPUs by state.",
    "modelspec_cluster_gpus_by_type": "GPUs by type and state.",
    "modelspec_cluster_pending_gpu_pods": "GPU pods the scheduler has not placed.",
    "modelspec_cluster_cost_per_hour_usd": "Indicative GPU cost per hour: all capacity, or the workloads.",
}


def render(inv: Inventory) -> str:
    out: dict[str, list[str]] = {name: [] for name in _HELP}

    def add(name: str, labels: Mapping[str, object], value: float | int | None) -> None:
        line = _series(name, labels, value)
        if line:
            out[name].append(line)

    for w in inv.workloads:
        who = {"workload": w.id}
        add("modelspec_workload_info", {**who, "engine": w.engine.name, "version": w.engine.version,
                                        "model": w.model, "gpu_type": w.accelerator.type, "spec": w.spec}, 1)
        add("modelspec_workload_gpus", who, w.gpus)
        add("modelspec_workload_cost_per_hour_usd", who, w.cost_per_hour)
        add("modelspec_workload_gpu_utilisation_percent", who, w.utilisation)
        add("modelspec_workload_idle_cost_per_day_usd", who, w.idle_cost_per_day)
        add("modelspec_workload_tokens_per_gpu_hour", who, w.tokens_per_gpu_hour)
        add("modelspec_workload_drift", who, w.drift)
        if inv.target.get("specs"):
            add("modelspec_workload_spec_claimed", who, 0 if w.spec is None else 1)
    c = inv.cluster
    for state, value in (("allocatable", c.allocatable), ("requested", c.requested), ("free", c.free),
                         ("fragmented", c.fragmented)):
        add("modelspec_cluster_gpus", {"state": state}, value)
    for t in c.types:
        for state, value in (("allocatable", t.allocatable), ("requested", t.requested), ("free", t.free)):
            add("modelspec_cluster_gpus_by_type", {"type": t.gpu_type, "state": state}, value)
    add("modelspec_cluster_pending_gpu_pods", {}, len(c.pending))
    add("modelspec_cluster_cost_per_hour_usd", {"scope": "capacity"}, c.capacity_cost_per_hour)
    add("modelspec_cluster_cost_per_hour_usd", {"scope": "workloads"}, c.workload_cost_per_hour)
    lines: list[str] = []
    for name, series in out.items():
        if series:
            lines += [f"# HELP {name} {_HELP[name]}", f"# TYPE {name} gauge", *series]
    return "\n".join(lines) + "\n"
