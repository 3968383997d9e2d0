"""Resolver output: a ranked table (tabulate), or the JSON / YAML contract."""

from __future__ import annotations

import json
from typing import Any

from ..resolve.catalog import GIB, Gpu
from ..resolve.engine import Resolution


def _row(c: Any) -> list[Any]:
    mem, est = c.memory, c.estimate
    return [
        c.gpu.type,
        c.count,
        c.variant.name,
        f"{mem.weight_bytes_per_gpu / GIB:.1f}" if mem else "-",
        f"{max(0, mem.kv_cache_bytes) / GIB:.1f}" if mem else "-",
        f"{mem.kv_tokens:,}" if mem else "-",
        c.max_batch if c.fits else "-",
        f"{est.decode_ms_per_token:.1f}" if est else "-",
        f"{est.tokens_per_s:,.0f}" if est else "-",
        f"{c.gpu.price_per_hour * c.count:.2f}",
        f"{est.cost_per_1k_tokens:.5f}" if est else "-",
        c.verdict if c.fits else f"rejected: {c.reason}",
    ]


HEADERS = [
    "gpu",
    "count",
    "variant",
    "weights GiB/GPU",
    "KV GiB/GPU",
    "KV tokens",
    "max batch",
    "est. ms/token",
    "est. tok/s",
    "$/h",
    "$/1k tok",
    "verdict",
]


def render_table(res: Resolution, limit: int = 15) -> str:
    from tabulate import tabulate

    lines: list[str] = []
    m = res.model_dict()
    est = " (estimated)" if m["estimated"] else ""
    lines.append(
        f"model: {m['parameterCount'] / 1e9:.2f}B parameters{est}, {m['numLayers']} layers, "
        f"KV {m['kvBytesPerTokenTp1Bf16']:,} B/token (bf16, TP 1); source: {m['source']}"
    )
    lines.append(
        f"sequence length {res.max_len:,}; objective: {res.objective}; "
        f"targets: {', '.join(f'{k}={v:g}' for k, v in res.targets.items()) or 'none'}"
    )
    chosen = res.chosen
    if chosen is not None:
        lines.append(
            f"chosen: {chosen.count} × {chosen.gpu.type}, {chosen.variant.name}, maxBatchSize "
            f"{chosen.max_batch} — {chosen.reason}"
        )
    else:
        lines.append("no candidate fits; closest misses below")
    fitting = [c for c in res.candidates if c.fits]
    shown = fitting[:limit] if fitting else res.candidates[:limit]
    if fitting:
        losers: dict[str, int] = {}
        for c in res.candidates:
            if not c.fits:
                kind = c.reason.split(" ")[0] if not c.reason.startswith("no ") else " ".join(c.reason.split()[:2])
                losers[kind] = losers.get(kind, 0) + 1
        rejected = sum(losers.values())
        shown = shown + [c for c in res.candidates if not c.fits][: max(0, min(5, limit - len(shown)) or 3)]
        lines.append(f"{len(fitting)} candidates fit, {rejected} rejected")
    lines.append("")
    lines.append(tabulate([_row(c) for c in shown], headers=HEADERS, tablefmt="simple", disable_numparse=True))
    for note in res.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"


def render_json(res: Resolution) -> str:
    return json.dumps(res.to_dict(), indent=2) + "\n"


def render_yaml(res: Resolution) -> str:
    import yaml

    return yaml.safe_dump(res.to_dict(), sort_keys=False)


def render_gpus(catalog: dict[str, Gpu]) -> str:
    from tabulate import tabulate

    rows = [
        [
            g.type,
            g.vendor,
            g.name,
            f"{g.memory_gb:g}",
            f"{g.usable_gib:g}",
            f"{g.bandwidth_gbs:g}",
            f"{g.bf16_tflops:g}" if g.bf16_tflops else "-",
            f"{g.fp8_tflops:g}" if g.fp8_tflops else "-",
            f"{g.interconnect} {g.interconnect_gbs:g}",
            g.gpus_per_node,
            f"{g.price_per_hour:.2f}",
        ]
        for g in sorted(catalog.values(), key=lambda g: (g.vendor, g.usable_gib))
    ]
    return (
        tabulate(
            rows,
            headers=[
                "type",
                "vendor",
                "name",
                "GB",
                "usable GiB",
                "GB/s",
                "bf16 TF",
                "fp8 TF",
                "interconnect GB/s",
                "per node",
                "$/h",
            ],
            tablefmt="simple",
            disable_numparse=True,
        )
        + "\n"
    )
