"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``)."""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any

from .._version import __version__
from ..validate.findings import Report
from ..validate.rules import RULES

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS = "https://github.com/piqc/modelspec/blob/main/docs/rules.md"


def render(report: Report, **_: object) -> str:
    used = sorted({f.rule for d in report.files for f in d.findings})
    rules = [
        {
            "id": rid,
            "name": RULES[rid].title.replace(" ", "-") if rid in RULES else rid,
            "shortDescription": {"text": RULES[rid].title if rid in RULES else rid},
            "fullDescription": {"text": RULES[rid].why if rid in RULES else rid},
            "defaultConfiguration": {"level": _LEVEL[RULES[rid].severity.value] if rid in RULES else "error"},
            "helpUri": f"{DOCS}#{rid.lower()}",
        }
        for rid in used
    ]
    index = {rid: i for i, rid in enumerate(used)}
    results: list[dict[str, Any]] = []
    for doc in report.files:
        uri = PurePath(doc.path).as_posix() if not doc.path.startswith("<") else "stdin"
        for f in doc.findings:
            region = {"startLine": f.line or 1, "startColumn": f.column or 1}
            text = f.message + (f" ({f.hint})" if f.hint else "")
            results.append(
                {
                    "ruleId": f.rule,
                    "ruleIndex": index[f.rule],
                    "level": _LEVEL[f.severity.value],
                    "message": {"text": text},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}],
                    "properties": {"jsonPointer": f.path, "document": doc.document},
                }
            )
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "modelspec",
                        "version": __version__,
                        "informationUri": "https://github.com/piqc/modelspec",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"
