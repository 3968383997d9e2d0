"""Scan report as Prometheus text exposition, for node-exporter's textfile collector.

modelspec_drift{spec="…",scope="node",field="/spec/runtime/accelerator/type",status="match",severity="info"} 1
modelspec_scan_coverage{spec="…",scope="node"} 0.875
modelspec_scan_findings{spec="…",scope="node",status="drift"} 1
"""

from __future__ import annotations

from ..scan.drift import DriftReport, Status


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(report: DriftReport) -> str:
    spec = _label(report.target.get("specName") or "")
    scope = _label(report.scope)
    base = f'spec="{spec}",scope="{scope}"'
    lines = [
        "# HELP modelspec_drift One series per checked spec field; the labels carry the verdict.",
        "# TYPE modelspec_drift gauge",
    ]
    for f in report.findings:
        workload = f',workload="{_label(f.workload)}"' if f.workload else ""
        lines.append(
            f'modelspec_drift{{{base}{workload},field="{_label(f.field)}",status="{f.status.value}",'
            f'severity="{f.severity.value}",source="{_label(f.source)}"}} 1'
        )
    s = report.summary()
    lines += [
        "# HELP modelspec_scan_coverage Share of declared observable fields that could be verified (0-1).",
        "# TYPE modelspec_scan_coverage gauge",
        f"modelspec_scan_coverage{{{base}}} {s['coverage']}",
        "# HELP modelspec_scan_findings Findings by status.",
        "# TYPE modelspec_scan_findings gauge",
    ]
    lines += [f'modelspec_scan_findings{{{base},status="{st.value}"}} {s[st.value]}' for st in Status]
    return "\n".join(lines) + "\n"
