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


def _render_inventory(inv: Any, fmt: str, wide: bool) -> str:
    from ..report import inventory_prometheus, inventory_text, prometheus, scan_text
    from ..scan.drift import DriftReport

    drift = DriftReport("cluster", inv.target, inv.facts, inv.findings) if inv.drift is not None else None
    if fmt in ("json", "yaml"):
        data = json.loads(json.dumps(inv.to_dict(), default=str))
        if fmt == "json":
            return json.dumps(data, indent=2) + "\n"
        import yaml

        return str(yaml.safe_dump(data, sort_keys=False))
    if fmt == "prometheus":
        return (prometheus.render(drift) if drift else "") + inventory_prometheus.render(inv)
    head = scan_text.render(drift) + "\n" if drift else ""
    return head + inventory_text.render(inv, wide=wide, findings=drift is None)


def _emit_drafts(inv: Any, directory: str, force: bool, context: str | None) -> None:
    from ..scan import drafts

    for d in drafts.emit(inv.workloads, directory, force=force, context=context, observed_at=inv.generated_at):
        state = "wrote" if d.written else f"kept {d.skipped}:"
        click.echo(f"{state} {d.path} ({d.workload})", err=True)
        for problem in d.problems:
            click.echo(f"  needs a human: {problem}", err=True)


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
@click.option(
    "--catalog", type=click.Path(dir_okay=False), help="GPU catalog file whose prices override the shipped ones."
)
@click.option(
    "--emit-specs",
    "emit_specs",
    type=click.Path(file_okay=False),
    help="Write one ModelSpec draft per workload into DIR (<namespace>.<name>.modelspec.yaml).",
)
@click.option("--force", is_flag=True, help="--emit-specs: overwrite existing drafts.")
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
    catalog: str | None,
    emit_specs: str | None,
    force: bool,
) -> None:
    """Inventory every inference workload in a cluster; with --spec, report drift per workload too.

    Without --spec: what runs where, on which GPUs, at what (indicative) cost, and the cluster's GPU
    capacity. With --spec: the same, plus drift for the workloads the specs claim and a "no spec"
    finding (warning) for the rest.

    Read-only: list on pods, nodes, deployments, statefulsets, HPAs and (when served) LeaderWorkerSets,
    InferenceServices, KAITO Workspaces, KEDA ScaledObjects, AIBrix PodAutoscalers, KubeAI Models;
    never Secrets, never exec. A kubeconfig `exec` credential plugin is run, as kubectl runs it.
    Exit codes: 0 no finding at the --fail-on level, 1 findings, 2 nothing could be read or bad input.
    """
    from ..errors import SpecLoadError
    from ..report.scan_text import SHOW_MATCHES
    from ..scan.kube import KubeError, KubeReader, api_client

    SHOW_MATCHES.set(show_all)
    if namespace and all_namespaces:
        raise click.UsageError("--namespace and --all-namespaces exclude each other")
    if emit_specs and not Path(emit_specs).is_dir():
        click.echo(f"error: --emit-specs: {emit_specs} is not a directory", err=True)
        sys.exit(2)
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
    from ..resolve.catalog import CatalogError
    from ..scan.inventory import inventory

    try:
        inv = inventory(reader, specs=specs, probe_http=probe_http, probe_window_s=probe_window, catalog=catalog,
                        context=context, probe_deadline_s=probe_window + deadline)
    except CatalogError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    listings = inv.facts["listings"]
    failed = [lst["error"] for lst in listings.values() if lst["error"] and lst.get("served", True)]
    core = [k for k in ("pods", "nodes", "deployments", "statefulsets", "horizontalpodautoscalers") if k in listings]
    if all(listings[k]["error"] for k in core):
        click.echo(f"error: nothing could be read from the cluster: {listings['pods']['error']}", err=True)
        sys.exit(2)
    from ..report.table import is_wide

    write_output(_render_inventory(inv, fmt, is_wide()), output)
    for reason in failed:
        click.echo(f"warning: {reason}", err=True)
    if emit_specs:
        _emit_drafts(inv, emit_specs, force, context)
    sys.exit(inv.exit_code(fail_on))


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
