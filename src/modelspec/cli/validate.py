"""``modelspec validate`` and ``modelspec schema``: thin wrappers over the validator."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click


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


@click.command()
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


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
def schema(output: str | None) -> None:
    """Print the ModelSpec JSON Schema (draft 2020-12)."""
    from ..spec.schema import bundled

    text = json.dumps(bundled(), indent=2) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
