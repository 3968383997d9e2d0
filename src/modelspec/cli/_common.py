"""Conventions every command shares, so an option means one thing everywhere.

* ``-o/--output FILE`` is always *where* the output goes, never its format: the file is written
  atomically (temporary file, then rename), ``-o -`` is stdout, and a format name given there by
  mistake (``-o json``) is refused with a hint to use ``--format``;
* ``-`` as a spec path reads standard input, named by ``--stdin-filename`` in messages;
* errors are one ``error: …`` line on stderr and exit code 2.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from ..spec.models import ModelSpec

F = TypeVar("F", bound=Callable[..., Any])
FORMAT_WORDS = frozenset({"text", "json", "yaml", "yml", "table", "github", "sarif", "prometheus", "wide"})


def fail(message: str, code: int = 2) -> NoReturn:
    """One ``error:`` line on stderr, then exit (2: usage or I/O error)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _check_output(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and value.lower() in FORMAT_WORDS and not os.path.exists(value):
        raise click.BadParameter(
            f"{value!r} looks like a format, but -o/--output names the file to write; "
            f"use --format {value.lower()} (or -o ./{value} for a file of that name)", ctx, param)
    return value


def output_option(help_text: str = "Write the output to FILE (atomically); '-' is stdout.") -> Callable[[F], F]:
    """The one ``-o/--output FILE`` option."""
    return click.option("--output", "-o", metavar="FILE", callback=_check_output, help=help_text)


def stdin_filename_option() -> Callable[[F], F]:
    return click.option("--stdin-filename", metavar="PATH",
                        help="Name standard input ('-') as PATH in messages; specRefs resolve next to it.")


def _set_wide(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        from ..report.table import set_wide

        set_wide(True)
    return value


def wide_option() -> Callable[[F], F]:
    """``--wide``: tables keep every column even when wider than the terminal (``COLUMNS``)."""
    return click.option("--wide", is_flag=True, expose_value=False, callback=_set_wide, is_eager=True,
                        help="Show every table column, however wide (default: fit COLUMNS/the terminal).")


def write_output(text: str, output: str | None) -> None:
    """Print ``text``, or write it atomically to ``output`` (``-`` is stdout)."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    from .._fileio import OutputError, write_atomic

    try:
        write_atomic(output, text)
    except OutputError as exc:
        fail(str(exc))


def load_spec(path: str, stdin_filename: str | None = None) -> ModelSpec:
    """The ModelSpec at ``path``, or read from stdin when ``path`` is ``-``; raises SpecLoadError."""
    from ..spec.api import load, loads

    if path != "-":
        return load(path)
    from ..spec.loader import DEFAULT_MAX_BYTES

    raw = sys.stdin.buffer.read(DEFAULT_MAX_BYTES + 1)  # bounded: the loader refuses what is over
    text = raw.decode("utf-8", "replace")
    return loads(text, source=stdin_filename or "<stdin>")
