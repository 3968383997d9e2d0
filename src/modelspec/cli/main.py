"""``modelspec`` command: the click group and its sub-commands.

Each command turns options into library calls and the result into an exit code; no checking
logic lives here. Exit codes: 0 success, 1 findings at the failing level, 2 usage or I/O error.

The group (``_group.py``) is lazy: a sub-command's module is imported only when that command runs
(or its help is shown), so ``modelspec validate`` never pays for the resolver's or the scanners'
imports; ``modelspec --version`` and the top-level ``--help`` are answered here without importing
click at all (they are what a shell prompt or a completion script runs most).
"""

from __future__ import annotations

import sys

from .._version import __version__

DISTRIBUTION = "modelspec-sdk"
# command name -> (module under modelspec.cli, attribute, one-line help for the command list)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("validate", "validate", "Validate ModelSpec files, directories, or '-' for stdin."),
    "schema": ("validate", "schema", "Print the ModelSpec JSON Schema (draft 2020-12)."),
    "explain": ("explain", "explain", "Describe a spec field: type, rules, allowed values."),
    "resolve": ("resolve", "resolve", "Pick GPU type and count, weight variant and batch size for a spec."),
    "gpus": ("resolve", "gpus", "List the GPU catalog the resolver uses."),
    "scan": ("scan", "scan", "Compare what runs with what the spec declares (drift)."),
}
# a missing third-party module -> the extra that installs it
EXTRAS = {"kubernetes": "scan", "pynvml": "scan", "psutil": "scan", "httpx": "scan", "ruamel": "resolve"}


def missing_extra(exc: ModuleNotFoundError, command: str | None = None) -> str | None:
    """The one-line error for a command whose optional dependency is not installed."""
    root = (exc.name or "").split(".")[0]
    extra = "resolve" if root == "httpx" and command == "resolve" else EXTRAS.get(root)
    if extra is None:
        return None
    return (f"error: this command needs the '{root}' package from the [{extra}] extra: "
            f"pip install '{DISTRIBUTION}[{extra}]'")


def main(argv: list[str] | None = None) -> int:
    """Entry point for the ``modelspec`` script and ``python -m modelspec``.

    Every error is one ``error: …`` line on stderr with exit code 2 (click's own usage errors
    included), never a traceback.
    """
    args = sys.argv[1:] if argv is None else argv
    fast = _fast_answer(args)
    if fast is not None:
        sys.stdout.write(fast)
        return 0
    import click

    from ._group import cli

    try:
        result = cli.main(args=argv, prog_name="modelspec", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except click.UsageError as exc:
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        print(f"error: {exc.format_message()}{where}", file=sys.stderr)
        return 2
    except click.ClickException as exc:
        print(f"error: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code if exc.exit_code else 2
    except click.Abort:
        print("error: aborted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:
        message = missing_extra(exc, args[0] if args else None)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0


USAGE = "Usage: modelspec [OPTIONS] COMMAND [ARGS]..."
SUMMARY = "Validate, resolve and scan ModelSpec files (apiVersion piqc.ai/v1alpha1)."
COMPLETION = 'Shell completion (bash, zsh, fish): eval "$(_MODELSPEC_COMPLETE=bash_source modelspec)".'


def top_level_help() -> str:
    """The text of ``modelspec --help``, from :data:`COMMANDS` (a test compares it with click's)."""
    width = max(len(name) for name in COMMANDS) + 2
    commands = "".join(f"  {name.ljust(width)}{help_line}\n" for name, (_, _, help_line) in COMMANDS.items())
    return (f"{USAGE}\n\n  {SUMMARY}\n\n  {COMPLETION}\n\nOptions:\n  --version   Show the version and exit.\n"
            f"  -h, --help  Show this message and exit.\n\nCommands:\n{commands}")


def _fast_answer(args: list[str]) -> str | None:
    import os

    if "_MODELSPEC_COMPLETE" in os.environ:  # shell completion is click's job
        return None
    if args == ["--version"]:
        return f"modelspec {__version__} ({DISTRIBUTION})\n"
    if args in ([], ["--help"], ["-h"]):
        return top_level_help()
    return None
