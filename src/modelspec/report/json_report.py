"""The stable JSON contract: ``{"files": [...], "summary": {...}}`` (see docs/cli.md)."""

from __future__ import annotations

import json

from ..validate.findings import Report


def render(report: Report, **_: object) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
