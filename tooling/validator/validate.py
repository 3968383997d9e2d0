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
    from modelspec.cli.main import main
except ImportError:  # running from a checkout: use src/ beside this tooling folder
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from modelspec.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["validate", *sys.argv[1:]]))
