"""The stable JSON contract: ``{"files": [...], "summary": {...}}`` (see docs/cli.md)."""

from __future__ import annotations

import json

from ..validate.findings import Report
from ._escape import printable


def render(report: Report, **_: object) -> str:
    data = report.to_dict()
    for entry in data["files"]:  # file names may hold undecodable bytes: escaped as in text output
        entry["path"] = printable(entry["path"])
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
