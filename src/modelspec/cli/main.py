"""``modelspec`` command: the click group and its sub-commands.

Each command turns options into library calls and the result into an exit code; no checking
logic lives here. Exit codes: 0 success, 1 findings at the failing level, 2 usage or I/O error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .._version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="modelspec")
def cli() -> None:
    """Validate, resolve and scan ModelSpec files (apiVersion piqc.ai/v1alpha1)."""


def _read_schema(path: str) -> dict[str, Any]:
    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.UsageError(f"cannot read schema {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.UsageError(f"schema {path} is not valid JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise click.UsageError(f"schema {path} is not a JSON object")
    try:
        import jsonschema

        jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise click.UsageError(f"schema {path} is not a valid JSON Schema: {exc.message}") from None
    return schema


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--schema", "schema_path", metavar="FILE", help="Validate against this JSON Schema instead of the built-in one."
)
@click.option("--no-semantic", is_flag=True, help="Schema checks only (no MS2xx rules).")
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "sarif"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Refuse files larger than N bytes (default 5 MiB).",
)
def validate(
    paths: tuple[str, ...],
    schema_path: str | None,
    no_semantic: bool,
    strict: bool,
    fmt: str,
    quiet: bool,
    max_bytes: int | None,
) -> None:
    """Validate ModelSpec files, directories, or '-' for stdin.

    Directories are walked for *.modelspec.(yaml|yml|json) and for other YAML/JSON files that
    declare apiVersion piqc.ai/v1alpha1; hidden and vendored folders are skipped.
    """
    from ..report import renderer
    from ..spec.loader import Limits
    from ..validate.findings import Report
    from ..validate.runner import Validator

    schema = _read_schema(schema_path) if schema_path else None
    limits = Limits(max_bytes=max_bytes) if max_bytes else Limits()
    validator = Validator(schema, semantic=not no_semantic, limits=limits)
    report = Report()
    for raw in paths:
        report.files.extend(validator.validate_stdin() if raw == "-" else validator.validate_path(raw))
    out = renderer(fmt)(report, quiet=quiet, strict=strict)
    if not (quiet and not out.strip()):
        click.echo(out, nl=False)
    sys.exit(report.exit_code(strict))


@cli.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
def schema(output: str | None) -> None:
    """Print the ModelSpec JSON Schema (draft 2020-12)."""
    from ..spec.schema import bundled

    text = json.dumps(bundled(), indent=2) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--model-config", metavar="FILE|hf://ORG/MODEL[@REV]", help="config.json to size the model from.")
@click.option("--gpus", metavar="LIST", help="Comma-separated GPU types to consider (default: whole catalog).")
@click.option(
    "--catalog",
    "catalog_file",
    type=click.Path(dir_okay=False),
    help="GPU catalog file that overrides or extends the built-in one.",
)
@click.option("--max-gpus", type=click.IntRange(1, 64), default=8, show_default=True, help="Largest GPU count.")
@click.option("--objective", type=click.Choice(["cost", "latency", "throughput"]), default="cost", show_default=True)
@click.option("--gpu-memory-utilization", type=click.FloatRange(0.05, 1.0), default=0.90, show_default=True)
@click.option("--prompt-tokens", type=click.IntRange(min=1), help="Prompt length assumed by the estimates.")
@click.option("--output-tokens", type=click.IntRange(min=1), help="Output length assumed by the estimates.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "yaml"]), default="table", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=15, show_default=True, help="Table rows.")
@click.option("--write", "write_to", type=click.Path(dir_okay=False), help="Write the spec with the choice filled in.")
def resolve(
    spec: str,
    model_config: str | None,
    gpus: str | None,
    catalog_file: str | None,
    max_gpus: int,
    objective: str,
    gpu_memory_utilization: float,
    prompt_tokens: int | None,
    output_tokens: int | None,
    fmt: str,
    limit: int,
    write_to: str | None,
) -> None:
    """Pick GPU type and count, weight variant and max batch size for SPEC, and say why.

    Exit codes: 0 a candidate fits, 1 none fits (closest misses shown), 2 bad input.
    """
    from ..errors import ModelSpecError
    from ..report.resolution import render_json, render_table, render_yaml
    from ..resolve.engine import resolve as run_resolve
    from ..resolve.engine import spec_with_resolution

    try:
        from ..spec.api import load

        doc = load(spec).to_dict()
        res = run_resolve(
            doc,
            catalog=catalog_file,
            model=model_config,
            gpus=[g for g in gpus.split(",") if g.strip()] if gpus else None,
            max_gpus=max_gpus,
            objective=objective,
            gpu_memory_utilization=gpu_memory_utilization,
            prompt_tokens=prompt_tokens,
            output_tokens=output_tokens,
        )
    except ModelSpecError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    out = {
        "table": lambda: render_table(res, limit),
        "json": lambda: render_json(res),
        "yaml": lambda: render_yaml(res),
    }[fmt]()
    click.echo(out, nl=False)
    if res.chosen is None:
        sys.exit(1)
    if write_to:
        import yaml

        Path(write_to).write_text(yaml.safe_dump(spec_with_resolution(doc, res), sort_keys=False), encoding="utf-8")
        click.echo(f"wrote {write_to}", err=True)


@cli.command()
@click.option("--catalog", "catalog_file", type=click.Path(dir_okay=False), help="Extra/override catalog file.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def gpus(catalog_file: str | None, fmt: str) -> None:
    """List the GPU catalog the resolver uses."""
    from dataclasses import asdict

    from ..report.resolution import render_gpus
    from ..resolve.catalog import CatalogError, load_catalog

    try:
        catalog = load_catalog(catalog_file)
    except CatalogError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps([asdict(g) for g in catalog.values()], indent=2))
    else:
        click.echo(render_gpus(catalog), nl=False)


@cli.group()
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
    if output:
        tmp = Path(output).with_name(Path(output).name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)  # atomic for the node-exporter textfile collector
    else:
        click.echo(text, nl=False)


@scan.command("node")
@click.option("--spec", "spec_path", required=True, type=click.Path(dir_okay=False), help="The ModelSpec to check.")
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
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE (atomically).")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Model cache to measure free disk at (default $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub).",
)
def scan_node(spec_path: str, fmt: str, fail_on: str, output: str | None, cache_dir: str | None) -> None:
    """Scan this machine (NVML + psutil) against SPEC.

    Exit codes: 0 no drift at the --fail-on level, 1 drift, 2 could not scan (invalid spec, NVML unusable).
    """
    from ..errors import SpecLoadError
    from ..scan.drift import drift
    from ..scan.node import node
    from ..spec.api import load

    try:
        spec = load(spec_path)
    except SpecLoadError as exc:
        click.echo(f"error: spec is not valid: {exc}", err=True)
        sys.exit(2)
    facts = node(cache_dir)
    report = drift(spec, facts, spec_path=spec_path)
    _emit_scan(report, fmt, output)
    if facts.gpu_error is not None:
        click.echo(f"error: could not scan GPUs: {facts.gpu_error}", err=True)
        sys.exit(2)
    sys.exit(report.exit_code(fail_on))


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
@click.option("--timeout", type=click.FloatRange(0.1, 300.0), default=10.0, show_default=True, help="Per-call timeout.")
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
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE (atomically).")
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
    page_size: int,
    fmt: str,
    fail_on: str,
    output: str | None,
    check_access: bool,
) -> None:
    """Find the workloads implementing each SPEC in a cluster and report drift per workload.

    Read-only: get/list on pods, nodes, deployments, statefulsets and HPAs; never Secrets, never exec.
    Exit codes: 0 no drift at the --fail-on level, 1 drift, 2 nothing could be read or bad input.
    """
    from ..errors import SpecLoadError
    from ..scan.kube import KubeError, KubeReader, api_client

    if namespace and all_namespaces:
        raise click.UsageError("--namespace and --all-namespaces exclude each other")
    if not spec_paths and not check_access:
        raise click.UsageError("give at least one --spec (or --check-access)")
    specs: list[tuple[dict[str, Any], str | None]] = []
    if not check_access:
        from ..spec.api import load

        for path in spec_paths:
            try:
                specs.append((load(path).to_dict(), path))
            except SpecLoadError as exc:
                click.echo(f"error: spec is not valid: {exc}", err=True)
                sys.exit(2)
    try:
        api = api_client(kubeconfig, context, timeout)
    except KubeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    reader = KubeReader(api, namespace=namespace, label_selector=selector, timeout=timeout, page_size=page_size)
    if check_access:
        from tabulate import tabulate

        rows = reader.check_access()
        if fmt == "json":
            click.echo(json.dumps(rows, indent=2))
        else:
            click.echo(
                tabulate(
                    [
                        [r["resource"], r["verb"], r["namespace"], "yes" if r["allowed"] else "NO", r["reason"]]
                        for r in rows
                    ],
                    headers=["resource", "verb", "namespace", "allowed", "reason"],
                )
            )
        errors = [r for r in rows if "HTTP" in r["reason"] or "unauthorized" in r["reason"]]
        sys.exit(2 if errors and len(errors) == len(rows) else (0 if all(r["allowed"] for r in rows) else 1))
    from ..scan.cluster import cluster

    report, listings = cluster(specs, reader, probe_http=probe_http, probe_window_s=probe_window, context=context)
    _emit_scan(report, fmt, output)
    failed = [lst.error for lst in listings.values() if lst.error]
    if len(failed) == len(listings):
        click.echo(f"error: nothing could be read from the cluster: {failed[0]}", err=True)
        sys.exit(2)
    for reason in failed:
        click.echo(f"warning: {reason}", err=True)
    sys.exit(report.exit_code(fail_on))


def main(argv: list[str] | None = None) -> int:
    """Entry point for the ``modelspec`` script and ``python -m modelspec``."""
    try:
        cli.main(args=argv, prog_name="modelspec", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return 0
