"""Scan report as Prometheus text exposition, for node-exporter's textfile collector.

modelspec_drift{spec="…",scope="node",field="/spec/runtime/accelerator/type",status="match",severity="info"} 1
modelspec_scan_coverage{spec="…",scope="node"} 0.875
modelspec_scan_findings{spec="…",scope="node",status="drift"} 1
"""

from __future__ import annotations

from typing import Any

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
        rule = f',rule="{_label(f.rule)}"' if f.rule else ""  # two rules may check one field: keep series unique
        lines.append(
            f'modelspec_drift{{{base}{workload},field="{_label(f.field)}",status="{f.status.value}",'
            f'severity="{f.severity.value}",source="{_label(f.source)}"{rule}}} 1'
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
    if report.scope == "node":
        lines += _servers(report.facts.get("servers") or [], base)
    return "\n".join(lines) + "\n"


def _servers(servers: list[dict[str, Any]], base: str) -> list[str]:
    """The model servers a node scan found, and the GPU memory each holds (recognised facts only)."""
    lines = [
        "# HELP modelspec_node_server_info A model server found on the node (engine, model, pod).",
        "# TYPE modelspec_node_server_info gauge",
    ]
    memory = [
        "# HELP modelspec_node_server_gpu_memory_bytes GPU memory held by a server and its worker processes.",
        "# TYPE modelspec_node_server_gpu_memory_bytes gauge",
    ]
    for s in servers:
        model = (s["launch"].get("model") or {}).get("value") or ""
        who = f'{base},pid="{s["pid"]}",engine="{_label(s["engine"])}"'
        pod, cid = s["podUid"]["value"] or "", s["containerId"]["value"] or ""
        lines.append(
            f'modelspec_node_server_info{{{who},model="{_label(model)}",pod_uid="{_label(pod)}",'
            f'container_id="{_label(cid)}"}} 1'
        )
        for gpu, used in sorted((s["gpuMemory"]["value"] or {}).items()):
            memory.append(f'modelspec_node_server_gpu_memory_bytes{{{who},gpu="{_label(gpu)}"}} {used}')
    return lines + memory if servers else []
