"""GitHub Actions workflow commands: one ``::error file=…,line=…,col=…,title=MS203::…`` per finding."""

from __future__ import annotations

from ..validate.findings import Report

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, **_: object) -> str:
    lines = []
    for doc in report.files:
        for f in doc.findings:
            props = [f"file={_prop(doc.path)}"]
            if f.line is not None:
                props += [f"line={f.line}", f"col={f.column}"]
            props.append(f"title={_prop(f.rule)}")
            hint = f" ({f.hint})" if f.hint else ""
            lines.append(f"::{_LEVEL[f.severity.value]} {','.join(props)}::{_data(f.message + hint)}")
    s = report.summary()
    lines.append(
        f"modelspec: {s['files']} documents, {s['valid']} valid, {s['invalid']} invalid, "
        f"{s['errors']} errors, {s['warnings']} warnings"
    )
    return "\n".join(lines) + "\n"
