"""The click group behind ``modelspec``: lazy, one module per command group (see main.py)."""

from __future__ import annotations

import importlib

import click

from .._version import __version__
from .main import COMMANDS, DISTRIBUTION


class LazyGroup(click.Group):
    """Imports a command's module on first use; lists commands from :data:`COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module, attr, _ = entry
        command = getattr(importlib.import_module(f".{module}", __package__), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The command list comes from the table, so `modelspec --help` imports no command module.
        with formatter.section("Commands"):
            formatter.write_dl([(name, help_line) for name, (_, _, help_line) in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="modelspec",
                      message=f"%(prog)s %(version)s ({DISTRIBUTION})")
def cli() -> None:
    """Validate, resolve and scan ModelSpec files (apiVersion piqc.ai/v1alpha1).

    Shell completion (bash, zsh, fish): eval "$(_MODELSPEC_COMPLETE=bash_source modelspec)".
    """
