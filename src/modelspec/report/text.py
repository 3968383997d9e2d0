"""Compiler-style text: ``path:line:col: error MS203 message (hint)`` then a summary line.

The summary is a small fixed table written here rather than with tabulate, which would cost the
validate path an import on every run.
"""

from __future__ import annotations

from ..validate.findings import Report
from ._escape import printable

_COLUMNS = ("documents", "valid", "invalid", "errors", "warnings")


def render(report: Report, *, quiet: bool = False, strict: bool = False) -> str:
    lines: list[str] = []
    multi = {d.path for d in report.files if d.document > 0}
    for doc in report.files:
        for f in doc.findings:
            if quiet and f.severity.value == "info":
                continue
            path = printable(doc.path)
            where = path if f.line is None else f"{path}:{f.line}:{f.column}"
            suffix = f" [document {doc.document}]" if doc.path in multi else ""
            hint = f" ({printable(f.hint)})" if f.hint else ""
            lines.append(f"{where}: {f.severity.value} {f.rule} {printable(f.message)}{hint}{suffix}")
    if quiet:
        return "\n".join(lines) + ("\n" if lines else "")
    if lines:
        lines.append("")
    lines.extend(summary_table(report))
    verdict = "all valid" if report.passed(strict) else ("failed: warnings count as errors (--strict)"
                                                          if report.valid else "some documents are invalid")
    if report.skipped:
        verdict += f" ({report.skipped} document(s) of other kinds skipped)"
    lines.append(verdict)
    return "\n".join(lines) + "\n"


def summary_table(report: Report) -> list[str]:
    """Three lines: headers, rule, counts (right-aligned under each header)."""
    s = report.summary()
    values = [s["files"], s["valid"], s["invalid"], s["errors"], s["warnings"]]
    widths = [max(len(h), len(str(v))) for h, v in zip(_COLUMNS, values, strict=True)]
    return ["  ".join(h.rjust(w) for h, w in zip(_COLUMNS, widths, strict=True)),
            "  ".join("-" * w for w in widths),
            "  ".join(str(v).rjust(w) for v, w in zip(values, widths, strict=True))]
