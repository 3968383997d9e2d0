"""``modelspec scan node|cluster``: thin wrappers over the scanners."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._common import load_spec, output_option, stdin_filename_option, wide_option, write_output

if TYPE_CHECKING:
    from ..spec.models import ModelSpec


@click.group()
def scan() -> None:
    """Compare what runs with what the spec declares (drift)."""


def _emit_scan(report: object, fmt: str, output: str | None) -> None:
    from ..report import prometheus, scan_json, scan_text

    renderers = {
        "table": scan_text.render,
        "json": scan_json.render,
        "yaml": scan_json.render_yaml,
        "prometheus": prometheus.render,
    }
    text = renderers[fmt](report)  # type: ignore[arg-type]
    write_output(text, output)  # atomic, for the node-exporter textfile collector


@scan.command("node")
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False), help="The ModelSpec to check.")
@click.option(
    "--spec-dir",
    type=click.Path(file_okay=False),
    help="A directory of ModelSpecs (e.g. a mounted ConfigMap): each server found is checked against the spec "
    "whose model it serves.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "yaml", "prometheus"]), default="table", show_default=True
)
@click.option(
    "--fail-on",
    type=click.Choice(["drift", "warning", "never"]),
    default="drift",
    show_default=True,
    help="Exit 1 on drift errors (drift), on warnings too (warning), or never.",
)
@output_option("Write the report to FILE (atomically); '-' is stdout.")
@stdin_filename_option()
@wide_option()
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Model cache to measure free disk at (default $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub).",
)
@click.option("--pid", type=click.IntRange(1), help="Check only the model server that is (or owns) this process.")
@click.option("--require-server", is_flag=True, help="No model server found is a missing error, not unknown.")
@click.option(
    "--probe-http", is_flag=True, help="Also read each server's /v1/models and /metrics on 127.0.0.1 at its --port."
)
@click.option(
    "--probe-timeout",
    type=click.FloatRange(0.1, 30.0),
    default=2.0,
    show_default=True,
    help="Seconds per HTTP request of --probe-http.",
)
@click.option(
    "--proc-root",
    type=click.Path(file_okay=False),
    help="Where the host's /proc is mounted (default /proc; /host/proc in the DaemonSet).",
)
def scan_node(
    spec_path: str | None,
    spec_dir: str | None,
    fmt: str,
    fail_on: str,
    output: str | None,
    stdin_filename: str | None,
    cache_dir: str | None,
    pid: int | None,
    require_server: bool,
    probe_http: bool,
    probe_timeout: float,
    proc_root: str | None,
) -> None:
    """Scan this machine (NVML + psutil) and its model servers against SPEC (or every spec in --spec-dir).

    Exit codes: 0 no drift at the --fail-on level, 1 drift, 2 could not scan (invalid spec, NVML unusable).
    """
    from ..scan.node import node
    from ..scan.node_report import node_drift

    if (spec_path is None) == (spec_dir is None):
        raise click.UsageError("give exactly one of --spec or --spec-dir")
    specs, load_errors = _node_specs(spec_path, spec_dir, stdin_filename)
    for line in load_errors:
        click.echo(line, err=True)
    if not specs:
        if spec_dir is not None and not load_errors:
            click.echo(f"error: no ModelSpec file in {spec_dir}", err=True)
        sys.exit(2)
    facts = node(cache_dir, proc_root=proc_root, pid=pid, probe_http=probe_http, probe_timeout=probe_timeout)
    report = node_drift(specs, facts, require_server=require_server, spec_dir=spec_dir)
    _emit_scan(report, fmt, output)
    if facts.gpu_error is not None:
        click.echo(f"error: could not scan GPUs: {facts.gpu_error}", err=True)
        sys.exit(2)
    sys.exit(2 if load_errors else report.exit_code(fail_on))


def _node_specs(
    spec_path: str | None, spec_dir: str | None, stdin_filename: str | None = None
) -> tuple[list[tuple[ModelSpec, str | None]], list[str]]:
    """The specs to check and one error line per file that is not a valid spec (the others still count)."""
    from ..errors import SpecLoadError
    from ..validate.discover import walk

    if spec_dir is not None:
        if not Path(spec_dir).is_dir():
            return [], [f"error: --spec-dir {spec_dir}: not a readable directory"]
        paths = [str(p) for p in walk(Path(spec_dir))]
    else:
        paths = [str(spec_path)]
    specs: list[tuple[ModelSpec, str | None]] = []
    errors: list[str] = []
    for path in paths:
        try:
            specs.append((load_spec(path, stdin_filename), path))
        except SpecLoadError as exc:
            errors.append(f"error: spec is not valid: {exc}")
    return specs, errors


@scan.command("cluster")
@click.option(
    "--spec",
    "spec_paths",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A ModelSpec to check (repeat for several).",
)
@click.option("--namespace", "-n", help="Only this namespace.")
@click.option("--all-namespaces", "-A", is_flag=True, help="Every namespace (the default without --namespace).")
@click.option("--selector", "-l", help="Label selector for pods and workloads, e.g. app=vllm.")
@click.option(
    "--kubeconfig", type=click.Path(dir_okay=False), help="Kubeconfig file (default: in-cluster, then ~/.kube/config)."
)
@click.option("--context", help="Kubeconfig context.")
@click.option("--probe-http", is_flag=True, help="Also read vLLM's /v1/models and /metrics from a ready pod.")
@click.option(
    "--probe-window",
    type=click.FloatRange(0.0, 600.0),
    default=10.0,
    show_default=True,
    help="Seconds between the two /metrics scrapes the p95 latency is computed from.",
)
@click.option(
    "--timeout", type=click.FloatRange(0.1, 300.0), default=10.0, show_default=True, help="Per-request timeout (s)."
)
@click.option(
    "--deadline",
    type=click.FloatRange(0.5, 3600.0),
    default=30.0,
    show_default=True,
    help="Total time for reading the cluster (s); what is not read by then is reported unknown.",
)
@click.option(
    "--page-size",
    type=click.IntRange(1, 10000),
    default=500,
    show_default=True,
    help="Items per list call (limit/continue paging).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "yaml", "prometheus"]), default="table", show_default=True
)
@click.option("--fail-on", type=click.Choice(["drift", "warning", "never"]), default="drift", show_default=True)
@output_option("Write the report to FILE (atomically); '-' is stdout.")
@stdin_filename_option()
@wide_option()
@click.option("--all", "show_all", is_flag=True, help="Table: list matching fields too (default: problems only).")
@click.option(
    "--check-access", is_flag=True, help="Only check RBAC (SelfSubjectAccessReview) for every call the scan makes."
)
def scan_cluster(
    spec_paths: tuple[str, ...],
    namespace: str | None,
    all_namespaces: bool,
    selector: str | None,
    kubeconfig: str | None,
    context: str | None,
    probe_http: bool,
    probe_window: float,
    timeout: float,
    deadline: float,
    page_size: int,
    fmt: str,
    fail_on: str,
    output: str | None,
    stdin_filename: str | None,
    show_all: bool,
    check_access: bool,
) -> None:
    """Find the workloads implementing each SPEC in a cluster and report drift per workload.

    Read-only: list on pods, nodes, deployments, statefulsets, HPAs and (when served) LeaderWorkerSets,
    InferenceServices, KAITO Workspaces, KEDA ScaledObjects, AIBrix PodAutoscalers, KubeAI Models;
    never Secrets, never exec. A kubeconfig `exec` credential plugin is run, as kubectl runs it.
    Exit codes: 0 no drift at the --fail-on level, 1 drift, 2 nothing could be read or bad input.
    """
    from ..errors import SpecLoadError
    from ..report.scan_text import SHOW_MATCHES
    from ..scan.kube import KubeError, KubeReader, api_client

    SHOW_MATCHES.set(show_all)
    if namespace and all_namespaces:
        raise click.UsageError("--namespace and --all-namespaces exclude each other")
    if not spec_paths and not check_access:
        raise click.UsageError("give at least one --spec (or --check-access)")
    from ..scan.workloads import validate_selector

    if selector is not None and (problem := validate_selector(selector)):
        raise click.UsageError(f"--selector {selector!r}: {problem}")
    specs: list[tuple[ModelSpec, str | None]] = []
    if not check_access:
        for path in spec_paths:
            try:
                specs.append((load_spec(path, stdin_filename), path))
            except SpecLoadError as exc:
                click.echo(f"error: spec is not valid: {exc}", err=True)
                sys.exit(2)
    try:
        api = api_client(kubeconfig, context, timeout)
    except KubeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    reader = KubeReader(
        api, namespace=namespace, label_selector=selector, timeout=timeout, page_size=page_size, deadline=deadline
    )
    if check_access:
        _check_access(reader, fmt)
    from ..scan.cluster import cluster

    report, listings = cluster(specs, reader, probe_http=probe_http, probe_window_s=probe_window, context=context)
    _emit_scan(report, fmt, output)
    failed = [lst.error for lst in listings.values() if lst.error and lst.served]
    core = [k for k in ("pods", "nodes", "deployments", "statefulsets", "horizontalpodautoscalers") if k in listings]
    if all(listings[k].error for k in core):
        click.echo(f"error: nothing could be read from the cluster: {listings['pods'].error}", err=True)
        sys.exit(2)
    for reason in failed:
        click.echo(f"warning: {reason}", err=True)
    sys.exit(report.exit_code(fail_on))


def _check_access(reader: Any, fmt: str) -> None:
    """Print the access review and exit: 0 all allowed, 1 some denied, 2 server unreachable."""
    from ..report.table import fit_table
    from ..scan.kube import KubeError

    try:
        rows = reader.check_access()
    except KubeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(
            fit_table(
                [
                    [r["resource"], r["verb"], r["namespace"], "yes" if r["allowed"] else "NO", r["reason"]]
                    for r in rows
                ],
                ["resource", "verb", "namespace", "allowed", "reason"],
                wrap="reason",
            )
        )
    errors = [r for r in rows if "HTTP" in r["reason"] or "unauthorized" in r["reason"]]
    sys.exit(2 if errors and len(errors) == len(rows) else (0 if all(r["allowed"] for r in rows) else 1))
