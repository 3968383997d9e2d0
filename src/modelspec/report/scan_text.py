"""Scan report as text: a piqc-style summary header, then declared vs observed per field."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from ..scan.drift import DriftReport
from .table import fit_table


def _short(value: Any, width: int = 48) -> str:
    text = "-" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _gpu_line(facts: dict[str, Any]) -> str:
    if facts.get("gpuError"):
        return f"unavailable ({facts['gpuError']})"
    gpus = facts.get("gpus") or []
    if not gpus:
        return "none visible"
    names: dict[str, int] = {}
    for g in gpus:
        label = g["name"]["value"] or "unknown"
        if g["type"]["value"]:
            label += f" ({g['type']['value']})"
        names[label] = names.get(label, 0) + 1
    lost = [g["index"] for g in gpus if g["lost"]]
    text = ", ".join(f"{n} × {label}" for label, n in names.items())
    return text + (f", lost: {lost}" if lost else "")


# `scan cluster --all`: also list the fields that match (default: problems only, problems first)
SHOW_MATCHES: ContextVar[bool] = ContextVar("modelspec_scan_show_matches", default=False)
_PROBLEMS_FIRST = {"drift": 0, "missing": 1, "unknown": 2, "match": 3}


def _server_lines(facts: dict[str, Any]) -> list[str]:
    """One line per model server found (or what was searched when none was)."""
    servers = facts.get("servers") or []
    if not servers:
        return [f"servers: none found ({facts.get('serverSearch') or 'not searched'})"] if "servers" in facts else []
    out = []
    for s in servers:
        model = (s["launch"].get("model") or {}).get("value") or "model unknown"
        gpus = s["gpus"]["value"]
        pod = s["podUid"]["value"]
        where = f", pod {pod}" if pod else ""
        out.append(
            f"server: {s['engine']} pid {s['pid']} serving {model} on GPU {gpus if gpus is not None else '?'}{where}"
        )
    return out


def render(report: DriftReport) -> str:
    s = report.summary()
    t = report.target
    named = f"specs {', '.join(t['specs'])}" if "specs" in t else f"spec {t.get('specName')}"
    lines = [f"modelspec scan {report.scope} — {named} ({t.get('spec') or '-'})"]
    if report.scope == "node":
        f = report.facts
        lines.append(f"target: host {t.get('host')}")
        lines.append(f"GPUs: {_gpu_line(f)}")
        lines.append(
            f"driver: {f['driverVersion']['value'] or 'unknown'}, CUDA {f['cudaDriverVersion']['value'] or 'unknown'}"
        )
        lines += _server_lines(f)
    else:
        lines.append(f"target: {t.get('context') or 'cluster'}, {t.get('workloads', 0)} workload(s)")
    checked = [f for f in report.findings if f.rule is not None]
    observable = len(checked)
    verified = sum(1 for f in checked if f.status.value in ("match", "drift", "missing"))
    lines.append(
        f"coverage: {verified}/{observable} declared observable fields verified ({s['coverage']:.0%}) — "
        f"{s['match']} match, {s['drift']} drift, {s['missing']} missing, {s['unknown']} unknown"
    )
    lines.append("")
    by_workload = report.scope == "cluster" or "specs" in t  # scan node --spec-dir: say which spec
    rows = [
        [
            *([fd.workload or "-"] if by_workload else []),
            fd.rule or "-",
            fd.field,
            _short(fd.declared),
            _short(fd.observed),
            fd.status.value,
            fd.severity.value,
            fd.source,
            fd.message,
        ]
        for fd in _shown(report)
    ]
    headers = [
        *([("workload" if report.scope == "cluster" else "spec / server")] if by_workload else []),
        "rule",
        "field",
        "declared",
        "observed",
        "status",
        "severity",
        "source",
        "message",
    ]
    lines.append(fit_table(rows, headers, wrap="message", drop=("source", "severity", "declared", "observed")))
    hidden = len(report.findings) - len(rows)
    if hidden:
        lines.append(f"({hidden} matching field(s) not listed; --all lists them)")
    if report.scope == "cluster":
        for wid, w in (report.facts.get("workloads") or {}).items():
            for note in w.get("notes") or []:
                lines.append(f"note: {wid}: {note}")
    return "\n".join(lines) + "\n"


def _shown(report: DriftReport) -> list[Any]:
    """Node: every finding in order. Cluster: problems first, matches only with ``--all``."""
    if report.scope != "cluster":
        return list(report.findings)
    ordered = sorted(report.findings, key=lambda fd: _PROBLEMS_FIRST.get(fd.status.value, 2))
    return ordered if SHOW_MATCHES.get() else [fd for fd in ordered if fd.status.value != "match"]
