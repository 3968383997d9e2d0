#!/usr/bin/env python3
"""Drop-in for the public reference validator: ``validate.py --schema FILE PATH… [--no-semantic]``.

A thin wrapper over ``modelspec validate``: same checks, same output and exit codes (0 valid,
1 invalid, 2 usage or I/O error). Works from a checkout without installing the package.
Extra flags of ``modelspec validate`` (``--strict``, ``--format``, ``--quiet``) pass through.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import modelspec  # noqa: F401
except ImportError:  # running from a checkout: use src/ beside this tooling folder
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

PROG = "validate.py"


def run(argv: list[str]) -> int:
    """``modelspec validate`` with this script's name in usage, help and error lines."""
    import click

    from modelspec.cli.validate import validate

    try:
        validate.main(args=argv, prog_name=PROG, standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except click.UsageError as exc:
        print(f"error: {exc.format_message()} (see '{PROG} --help')", file=sys.stderr)
        return 2
    except click.ClickException as exc:
        print(f"error: {exc.format_message()}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1:]))
