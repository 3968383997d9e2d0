#!/usr/bin/env python3
"""Regenerate the files derived from code: the JSON Schemas and docs/rules.md.

Run after changing the models or the rule catalogue; tests fail while these are stale.
    python tooling/generate.py
"""

from __future__ import annotations

from pathlib import Path

from modelspec.scan.rules import rules_page
from modelspec.spec.schema import committed_files

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    outputs = dict(committed_files())
    outputs["docs/rules.md"] = rules_page()
    for rel, text in outputs.items():
        target = ROOT / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
