"""``modelspec resolve`` and ``modelspec gpus``: thin wrappers over the resolver."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ._common import fail, load_spec, output_option, stdin_filename_option, wide_option, write_output


@click.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--model-config", metavar="FILE|hf://ORG/MODEL[@REV]", help="config.json to size the model from.")
@click.option("--gpus", metavar="LIST", help="Comma-separated GPU types to consider, or `all` "
              "(default: the spec's type + alternatives).")
@click.option("--vendor", metavar="NAME", help="Only this vendor's GPUs (default: the spec's; `any` = all).")
@click.option(
    "--catalog",
    "catalog_file",
    type=click.Path(dir_okay=False),
    help="GPU catalog file that overrides or extends the built-in one.",
)
@click.option("--max-gpus", type=click.IntRange(1, 1024), default=64, show_default=True,
              help="Most GPUs per replica.")
@click.option("--max-nodes", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Most nodes per replica (pipeline stages across nodes).")
@click.option("--objective", type=click.Choice(["cost", "latency", "throughput"]), default="cost", show_default=True)
@click.option("--max-model-len", type=click.IntRange(1, 1 << 24), help="Context length (overrides the spec).")
@click.option("--gpu-memory-utilization", type=click.FloatRange(0.05, 1.0),
              help="vLLM's --gpu-memory-utilization (default: the engine version's, 0.90 / 0.92 from 0.20).")
@click.option("--kv-cache-dtype", type=click.Choice(["auto", "fp8", "fp8_e4m3", "fp8_e5m2"]), default="auto",
              show_default=True)
@click.option("--engine-version", metavar="X.Y.Z", help="vLLM release whose memory accounting to follow.")
@click.option("--prompt-tokens", type=click.IntRange(min=1, max=1 << 24), help="Prompt length assumed.")
@click.option("--output-tokens", type=click.IntRange(min=1, max=1 << 24), help="Output length assumed.")
@click.option("--hub-timeout", type=click.FloatRange(0.1, 600), default=15.0, show_default=True,
              help="Total seconds for an hf:// config.json download.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "yaml"]), default="table", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=15, show_default=True,
              help="Rows shown (table) or candidates listed (json/yaml).")
@click.option("--write", "write_to", type=click.Path(), help="Write the spec with the choice filled in.")
@output_option("Write the report to FILE (atomically); '-' is stdout.")
@stdin_filename_option()
@wide_option()
def resolve(spec: str, model_config: str | None, gpus: str | None, vendor: str | None, catalog_file: str | None,
            max_gpus: int, max_nodes: int, objective: str, max_model_len: int | None,
            gpu_memory_utilization: float | None, kv_cache_dtype: str, engine_version: str | None,
            prompt_tokens: int | None, output_tokens: int | None, hub_timeout: float, fmt: str, limit: int,
            write_to: str | None, output: str | None, stdin_filename: str | None) -> None:
    """Pick GPU type and count, parallelism, weight variant and batch limits for SPEC, and say why.

    Exit codes: 0 a candidate fits, 1 none fits (closest misses shown), 2 bad input.
    """
    from ..errors import ModelSpecError
    from ..report.resolution import render_json, render_table, render_yaml
    from ..resolve.engine import resolve as run_resolve
    from ..resolve.engine import spec_updates

    try:
        if write_to and spec == "-":
            fail("--write rewrites SPEC keeping its comments: give SPEC as a file, not '-'")
        if model_config and model_config.startswith("hf://"):
            from ..resolve.hub import parse_hf_uri

            parse_hf_uri(model_config)  # the format is checked before anything is requested
        doc = load_spec(spec, stdin_filename).to_dict()
        res = run_resolve(
            doc, catalog=catalog_file, model=model_config,
            gpus=[g for g in gpus.split(",") if g.strip()] if gpus else None, vendor=vendor,
            max_gpus=max_gpus, max_nodes=max_nodes, objective=objective, max_model_len=max_model_len,
            gpu_memory_utilization=gpu_memory_utilization, kv_cache_dtype=kv_cache_dtype,
            engine_version=engine_version, prompt_tokens=prompt_tokens, output_tokens=output_tokens,
            hub_timeout=hub_timeout,
        )
    except ModelSpecError as exc:
        click.echo(f"error: {_one_line(str(exc))}", err=True)
        sys.exit(2)
    out = {
        "table": lambda: render_table(res, limit),
        "json": lambda: render_json(res, limit),
        "yaml": lambda: render_yaml(res, limit),
    }[fmt]()
    write_output(out, output)
    if res.chosen is None:
        sys.exit(1)
    if write_to:
        from ..report.spec_write import write_resolved

        try:
            write_resolved(Path(spec), Path(write_to), spec_updates(res))
        except ModelSpecError as exc:
            click.echo(f"error: {_one_line(str(exc))}", err=True)
            sys.exit(2)
        click.echo(f"wrote {write_to}", err=True)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


@click.command()
@click.option("--catalog", "catalog_file", type=click.Path(dir_okay=False), help="Extra/override catalog file.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@wide_option()
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
