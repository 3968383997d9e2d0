"""``modelspec validate`` and ``modelspec schema``: thin wrappers over the validator."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ._common import fail, output_option, stdin_filename_option, write_output


def _read_schema(path: str) -> dict[str, Any]:
    from ..validate.schema_file import SchemaFileError, load_schema_file

    try:
        return load_schema_file(path)
    except SchemaFileError as exc:
        fail(str(exc))


def _rule_filter(select: tuple[str, ...], ignore: tuple[str, ...], config: Any) -> Any:
    from ..validate.suppress import RuleFilter, parse_selectors

    try:
        chosen = parse_selectors(select) or config.select
        return RuleFilter(chosen, config.ignore + parse_selectors(ignore))
    except ValueError as exc:
        fail(str(exc))


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--schema", "schema_path", metavar="FILE", help="Validate against this JSON Schema instead of the built-in one."
)
@click.option("--no-semantic", is_flag=True, help="Schema checks only (no MS2xx rules).")
@click.option("--strict", is_flag=True, default=None, help="Warnings fail the run too.")
@click.option("--select", multiple=True, metavar="IDS", help="Report only these rule ids or prefixes (MS2,MS310).")
@click.option("--ignore", multiple=True, metavar="IDS", help="Never report these rule ids or prefixes (MS223).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "sarif"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@output_option()
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Refuse files larger than N bytes (default 5 MiB).",
)
@stdin_filename_option()
def validate(
    paths: tuple[str, ...],
    schema_path: str | None,
    no_semantic: bool,
    strict: bool | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fmt: str,
    output: str | None,
    quiet: bool,
    max_bytes: int | None,
    stdin_filename: str | None,
) -> None:
    """Validate ModelSpec files, directories, or '-' for stdin.

    Directories are walked for *.modelspec.(yaml|yml|json) and for other YAML/JSON files that
    contain a `kind: ModelSpec` document; documents of other kinds are skipped and counted.
    Hidden and vendored folders are skipped. Settings may also come from [tool.modelspec] in
    pyproject.toml or from .modelspec.yaml (see docs/cli.md).
    """
    from ..report import renderer
    from ..spec.loader import Limits
    from ..validate import config as project
    from ..validate.findings import Report
    from ..validate.runner import Validator

    try:
        settings = project.find()
    except project.ConfigError as exc:
        fail(str(exc))
    strict = settings.strict if strict is None else strict
    max_bytes = max_bytes or settings.max_bytes
    schema = _read_schema(schema_path) if schema_path else None
    limits = Limits(max_bytes=max_bytes) if max_bytes else Limits()
    validator = Validator(schema, semantic=not no_semantic, limits=limits,
                          rules=_rule_filter(select, ignore, settings))
    report = Report()
    for raw in paths:
        report.files.extend(validator.validate_stdin(stdin_filename or "<stdin>") if raw == "-"
                            else validator.validate_path(raw))
    report.skipped = validator.skipped
    out = renderer(fmt)(report, quiet=quiet, strict=strict)
    if not (quiet and not out.strip()) or output not in (None, "-"):
        write_output(out, output)
    sys.exit(report.exit_code(strict))


@click.command()
@output_option("Write the schema to FILE (atomically); '-' is stdout.")
def schema(output: str | None) -> None:
    """Print the ModelSpec JSON Schema (draft 2020-12)."""
    from ..spec.schema import bundled

    write_output(json.dumps(bundled(), indent=2) + "\n", output)
