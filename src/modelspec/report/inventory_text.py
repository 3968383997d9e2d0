"""Inventory as text: one row per workload, then the cluster's GPU capacity, pending pods and cost.

The default table fits 120 columns (long names are cut with "…"); ``wide`` adds the kind, engine
evidence, utilisation, idle cost, tokens per GPU-hour and KV-cache use, and cuts nothing.
"""

from __future__ import annotations

from typing import Any

from ..scan.inventory import Inventory, WorkloadRow, age_text

WIDTH = 120


def _cut(text: Any, width: int | None) -> str:
    s = "-" if text is None else str(text)
    if width is None or len(s) <= width:
        return s
    return s[: max(1, width - 1)] + "…"


def _num(value: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def _gpus(w: WorkloadRow) -> str:
    a = w.accelerator
    kind = a.type or (a.product or "?")
    if a.mig_profile:
        kind += f" MIG {a.mig_profile}"
    if a.count is None and not a.mig_profile:
        return "-" if not w.gpus else f"? {kind}"
    return f"{a.count or 1}×{kind}"


def _spec(w: WorkloadRow, wide: bool) -> str:
    if w.spec is None:
        return "no spec"
    verdict = f"{w.drift} drift" if w.drift else "ok"
    return f"{w.spec}: {verdict}" if wide else verdict


def _scale(w: WorkloadRow) -> str:
    if w.autoscaling is None:
        return "?" if "autoscaling" in w.unknown else "-"
    return f"{_num(w.autoscaling.min, '{:d}')}–{_num(w.autoscaling.max, '{:d}')}"


def _row(w: WorkloadRow, wide: bool) -> list[str]:
    par = "/".join("-" if v is None else str(v) for v in (w.tensor, w.pipeline, w.data))
    engine = w.engine.name + (f" {w.engine.version}" if w.engine.version else "")
    cells = [
        f"{w.namespace}/{w.name}",
        engine,
        w.model or "-",
        _gpus(w),
        par,
        f"{_num(w.max_model_len, '{:d}')}/{_num(w.max_num_seqs, '{:d}')}",
        f"{_num(w.ready, '{:d}')}/{_num(w.desired, '{:d}')}",
        _scale(w),
        age_text(w.age_seconds()),
        _spec(w, wide),
        _num(w.cost_per_hour),
    ]
    if wide:
        kv = w.http.get("kv_cache_usage")
        cells[1:1] = [w.kind]
        cells += [
            _num(w.utilisation, "{:.0f}%"),
            _num(w.idle_cost_per_day),
            _num(w.tokens_per_gpu_hour, "{:.0f}"),
            _num(kv.value * 100 if kv is not None and kv.known else None, "{:.0f}%"),
            "; ".join(w.engine.evidence),
        ]
    return cells


HEADERS = ["WORKLOAD", "ENGINE", "MODEL", "GPUS", "TP/PP/DP", "LEN/SEQS", "READY", "SCALE", "AGE", "SPEC", "$/H"]
WIDE = ["UTIL", "IDLE$/DAY", "TOK/GPU-H", "KV", "EVIDENCE"]
# floors the default table shrinks columns to (most slack first) so rows fit 120 columns
CAPS = [22, 13, 12, 9, 8, 9, 5, 5, 3, 7, 6]


def _fit(natural: list[int], floors: list[int], budget: int) -> list[int]:
    """Shrink the columns with the most slack above their floor until the row fits ``budget``."""
    widths = list(natural)
    while sum(widths) + 2 * (len(widths) - 1) > budget:
        slack = [w - f for w, f in zip(widths, floors, strict=True)]
        i = max(range(len(widths)), key=lambda k: slack[k])
        if slack[i] <= 0:
            break
        widths[i] -= 1
    return widths


def _table(rows: list[list[str]], headers: list[str], floors: list[int] | None, budget: int = WIDTH) -> list[str]:
    cells = [[str(c) for c in r] for r in [headers, *rows]]
    natural = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    widths = _fit(natural, floors, budget) if floors else natural
    cut = [[_cut(c, widths[i]) for i, c in enumerate(r)] for r in cells]
    return ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in cut]


def _workloads(inv: Inventory, wide: bool) -> list[str]:
    if not inv.workloads:
        return ["no inference workload found (searched Deployments and StatefulSets for model servers and GPU pods)"]
    headers = [*HEADERS[:1], "KIND", *HEADERS[1:], *WIDE] if wide else HEADERS
    return _table([_row(w, wide) for w in inv.workloads], headers, None if wide else CAPS)


def _cluster(inv: Inventory, wide: bool) -> list[str]:
    c = inv.cluster
    cost = c.to_dict()["cost"]
    lines = [
        "",
        f"GPU capacity: {c.allocatable} GPUs on {len(c.nodes)} node{'' if len(c.nodes) == 1 else 's'}, "
        f"{c.requested:g} requested, {c.free:g} free "
        f"(largest free block {c.largest_free_block:g}); fragmented: {c.fragmented:g}"
        + (f" on {', '.join(c.fragmented_nodes)}" if c.fragmented_nodes else ""),
    ]
    types = [[t.gpu_type, str(t.nodes), str(t.allocatable), f"{t.requested:g}", f"{t.free:g}",
              _num(t.price_per_hour)] for t in c.types]
    lines += ["  " + s for s in _table(types, ["TYPE", "NODES", "GPUS", "REQUESTED", "FREE", "$/GPU-H"], None)]
    free_nodes = [n for n in c.nodes if n.free > 0 or n.idle]
    if free_nodes:
        shown = free_nodes if wide else free_nodes[:10]
        rows = [[n.name, n.gpu_type or "?", f"{n.allocatable}", f"{n.free:g}", _num(n.idle, "{:d}")] for n in shown]
        lines += ["", "GPUs free or idle by node:"]
        heads = ["NODE", "TYPE", "GPUS", "FREE", "IDLE(DCGM)"]
        lines += ["  " + s for s in _table(rows, heads, [40, 12, 5, 6, 10], 118)]
        if len(shown) < len(free_nodes):
            lines.append(f"  … {len(free_nodes) - len(shown)} more (-o wide lists all)")
    if c.pending:
        lines += ["", f"pending GPU pods: {len(c.pending)}"]
        rows = [[p.id, ", ".join(f"{k}={v:g}" for k, v in p.requests.items()), p.reason, p.message] for p in c.pending]
        lines += ["  " + s for s in _table(rows, ["POD", "REQUESTS", "REASON", "MESSAGE"],
                                            None if wide else [30, 18, 13, 40], 118)]
    lines += [
        "",
        f"cost, indicative (catalog on-demand prices; --catalog overrides): workloads "
        f"{_dollars(cost['workloadsPerHour'])}/h of GPU capacity {_dollars(cost['capacityPerHour'])}/h",
        f"GPU utilisation (DCGM): {c.dcgm}",
    ]
    lines += [f"unknown: {k}: {v}" for k, v in c.unknown.items()]
    return [_cut(s, None if wide else WIDTH) for s in lines]


def _dollars(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.2f}"


def _findings(inv: Inventory, wide: bool) -> list[str]:
    if not inv.findings:
        return []
    shown = [f for f in inv.findings if wide or f.status.value != "match"]
    rows = [[f.workload or "-", f.field, f.status.value, f.severity.value, f.message] for f in shown]
    s = inv.summary()
    head = (f"findings: {s['drift']} drift, {s['missing']} missing, {s['unknown']} unknown, {s['match']} match; "
            f"{s['unclaimed']} workload(s) with no spec")
    return ["", head, *_table(rows, ["WORKLOAD", "FIELD", "STATUS", "SEVERITY", "MESSAGE"],
                               None if wide else [30, 36, 7, 8, 29])]


def render(inv: Inventory, wide: bool = False, findings: bool = True) -> str:
    """The inventory; ``findings=False`` when the drift table above already lists them."""
    t = inv.target
    lines = [
        _cut(f"modelspec scan cluster — inventory of {t.get('context') or 'the current context'}, namespace "
             f"{t.get('namespace')}: {len(inv.workloads)} inference workload(s)", None if wide else WIDTH),
        "",
        *_workloads(inv, wide),
        *_cluster(inv, wide),
        *(_findings(inv, wide) if findings else []),
    ]
    return "\n".join(lines) + "\n"
