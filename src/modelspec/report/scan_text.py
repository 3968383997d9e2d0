"""Scan report as text: a piqc-style summary header, then declared vs observed per field."""

from __future__ import annotations

from typing import Any

from ..scan.drift import DriftReport


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


def render(report: DriftReport) -> str:
    from tabulate import tabulate

    s = report.summary()
    t = report.target
    lines = [f"modelspec scan {report.scope} — spec {t.get('specName')} ({t.get('spec') or '-'})"]
    if report.scope == "node":
        f = report.facts
        lines.append(f"target: host {t.get('host')}")
        lines.append(f"GPUs: {_gpu_line(f)}")
        lines.append(
            f"driver: {f['driverVersion']['value'] or 'unknown'}, CUDA {f['cudaDriverVersion']['value'] or 'unknown'}"
        )
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
    rows = [
        [
            *([fd.workload] if report.scope == "cluster" else []),
            fd.rule or "-",
            fd.field,
            _short(fd.declared),
            _short(fd.observed),
            fd.status.value,
            fd.severity.value,
            fd.source,
            fd.message,
        ]
        for fd in report.findings
    ]
    headers = [
        *(["workload"] if report.scope == "cluster" else []),
        "rule",
        "field",
        "declared",
        "observed",
        "status",
        "severity",
        "source",
        "message",
    ]
    lines.append(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))
    if report.scope == "cluster":
        for wid, w in (report.facts.get("workloads") or {}).items():
            for note in w.get("notes") or []:
                lines.append(f"note: {wid}: {note}")
    return "\n".join(lines) + "\n"
