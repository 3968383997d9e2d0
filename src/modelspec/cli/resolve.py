"""``modelspec resolve`` and ``modelspec gpus``: thin wrappers over the resolver."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command()
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


@click.command()
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
