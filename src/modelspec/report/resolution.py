"""Resolver output: a ranked table (fitted to the terminal), or the JSON / YAML contract
(``schema/resolution.v1alpha1.json``)."""

from __future__ import annotations

import json
from typing import Any

from ..resolve.catalog import GIB, Gpu
from ..resolve.engine import Candidate, Resolution
from .table import fit_table


def _layout(c: Candidate) -> str:
    p = c.parallelism
    text = f"{c.count}" if p.pipeline == 1 else f"{c.nodes}×{c.count // c.nodes}"
    return text + (f" ×{c.replicas}r" if c.replicas > 1 else "")


def _row(c: Candidate, label: str = "") -> list[Any]:
    mem, est = c.memory, c.estimate
    p = c.parallelism
    return [
        label + c.gpu.type, _layout(c), f"{p.tensor}/{p.pipeline}", c.variant.name,
        f"{mem.weight_bytes_per_gpu / GIB:.1f}" if mem else "-",
        f"{max(0, mem.kv_cache_bytes) / GIB:.1f}" if mem else "-",
        f"{mem.kv_tokens:,}" if mem else "-",
        c.max_batch if c.fits else "-",
        f"{est.request_ms:,.0f}" if est else "-",
        f"{est.tokens_per_s:,.0f}" if est else "-",
        f"{c.price_per_hour:.2f}",
        c.verdict if c.fits else f"rejected: {c.reason}",
    ]


HEADERS = ["gpu", "GPUs", "TP/PP", "variant", "weights GiB/GPU", "KV GiB/GPU", "KV tokens", "max batch",
           "est. request ms", "est. tok/s", "$/h total", "verdict"]


def _header(res: Resolution) -> list[str]:
    m = res.model_dict()
    est = " (estimated)" if m["estimated"] else ""
    lines = [f"model: {m['parameterCount'] / 1e9:.2f}B parameters{est}, {m['numLayers']} layers, "
             f"KV {m['kvBytesPerTokenTp1Bf16']:,} B/token (bf16, TP 1); source: {m['source']}",
             f"sequence length {res.max_len:,}; objective: {res.objective}; "
             f"targets: {', '.join(f'{k}={v:g}' for k, v in res.targets.items()) or 'none'}"]
    chosen = res.chosen
    if chosen is not None:
        p = chosen.parallelism
        lines.append(f"chosen: {chosen.count} × {chosen.gpu.type} (TP {p.tensor} × PP {p.pipeline}, "
                     f"{chosen.nodes} node(s)) × {chosen.replicas} replica(s), {chosen.variant.name}, maxBatchSize "
                     f"{chosen.max_batch} — {chosen.reason}")
        lines.append("vllm serve " + " ".join(chosen.vllm_args(res.max_len, res.kv_cache_dtype)))
    else:
        lines.append("no candidate fits; closest misses below")
    return lines


# columns a narrow terminal loses first (report/table.py); gpu, GPUs, TP/PP, variant, max batch stay
_DROP = ("KV tokens", "est. tok/s", "KV GiB/GPU", "weights GiB/GPU", "est. request ms", "$/h total")


def render_table(res: Resolution, limit: int = 15) -> str:
    """At most ``limit`` rows in all: the best fitting candidates, then a few rejected ones,
    plus the declared configuration (marked ``*``) whether or not it would rank."""
    lines = _header(res)
    fitting = [c for c in res.candidates if c.fits]
    rejected = [c for c in res.candidates if not c.fits]
    budget = max(1, limit - (1 if res.declared is not None else 0))
    if fitting:
        shown = fitting[:budget]
        shown += rejected[: min(3, budget - len(shown))]
        lines.append(f"{len(fitting)} candidates fit, {len(rejected)} rejected; showing {len(shown)}")
    else:
        shown = rejected[:budget]
    rows = [_row(c) for c in shown]
    if res.declared is not None:
        rows.append(_row(res.declared, "* "))
    lines.append("")
    lines.append(fit_table(rows, HEADERS, wrap="verdict", drop=_DROP))
    if res.declared is not None:
        lines.append("* = the configuration the spec declares")
    elif res.declared_problem:
        lines.append(f"declared configuration: {res.declared_problem}")
    for note in res.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"


def _limited(res: Resolution, limit: int | None) -> dict[str, Any]:
    out = res.to_dict()
    if limit is not None:
        out["candidates"] = out["candidates"][:limit]
        out["candidatesTotal"] = len(res.candidates)
    return out


def render_json(res: Resolution, limit: int | None = None) -> str:
    return json.dumps(_limited(res, limit), indent=2) + "\n"


def render_yaml(res: Resolution, limit: int | None = None) -> str:
    import yaml

    return yaml.safe_dump(_limited(res, limit), sort_keys=False)


def render_gpus(catalog: dict[str, Gpu]) -> str:
    rows = [[g.type, g.vendor, g.name, f"{g.memory_gb:g}", f"{g.usable_gib:g}", f"{g.bandwidth_gbs:g}",
             f"{g.bf16_tflops:g}" if g.bf16_tflops else "-", f"{g.fp8_tflops:g}" if g.fp8_tflops else "-",
             f"{g.interconnect} {g.interconnect_gbs:g}", g.gpus_per_node, f"{g.price_per_hour:.2f}"]
            for g in sorted(catalog.values(), key=lambda g: (g.vendor, g.usable_gib))]
    return fit_table(rows, ["type", "vendor", "name", "GB", "usable GiB", "GB/s", "bf16 TF", "fp8 TF",
                            "interconnect GB/s", "per node", "$/h"],
                     drop=("interconnect GB/s", "name", "per node", "fp8 TF", "bf16 TF", "GB/s")) + "\n"
