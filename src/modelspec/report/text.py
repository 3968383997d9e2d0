"""Compiler-style text: ``path:line:col: error MS203 message (hint)`` then a summary table."""

from __future__ import annotations

from ..validate.findings import Report


def render(report: Report, *, quiet: bool = False, strict: bool = False) -> str:
    lines: list[str] = []
    multi = {d.path for d in report.files if d.document > 0}
    for doc in report.files:
        for f in doc.findings:
            if quiet and f.severity.value == "info":
                continue
            where = doc.path if f.line is None else f"{doc.path}:{f.line}:{f.column}"
            suffix = f" [document {doc.document}]" if doc.path in multi else ""
            hint = f" ({f.hint})" if f.hint else ""
            lines.append(f"{where}: {f.severity.value} {f.rule} {f.message}{hint}{suffix}")
    if quiet:
        return "\n".join(lines) + ("\n" if lines else "")
    s = report.summary()
    from tabulate import tabulate

    table = tabulate(
        [[s["files"], s["valid"], s["invalid"], s["errors"], s["warnings"]]],
        headers=["documents", "valid", "invalid", "errors", "warnings"],
        tablefmt="simple",
    )
    if lines:
        lines.append("")
    verdict = (
        "all valid"
        if report.passed(strict)
        else ("failed: warnings count as errors (--strict)" if report.valid else "some documents are invalid")
    )
    lines.append(table)
    lines.append(verdict)
    return "\n".join(lines) + "\n"
