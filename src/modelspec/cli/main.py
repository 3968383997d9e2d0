"""``modelspec`` command: the click group and its sub-commands.

Each command turns options into library calls and the result into an exit code; no checking
logic lives here. Exit codes: 0 success, 1 findings at the failing level, 2 usage or I/O error.
"""

from __future__ import annotations

import click

from .._version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="modelspec")
def cli() -> None:
    """Validate, resolve and scan ModelSpec files (apiVersion piqc.ai/v1alpha1)."""


def _register() -> None:
    """Attach the sub-commands; each lives in its own module (validate, resolve, scan)."""
    from .resolve import gpus, resolve
    from .scan import scan
    from .validate import schema, validate

    for command in (validate, schema, resolve, gpus, scan):
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point for the ``modelspec`` script and ``python -m modelspec``."""
    try:
        cli.main(args=argv, prog_name="modelspec", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return 0
