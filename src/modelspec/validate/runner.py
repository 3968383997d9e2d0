"""The validation pipeline: load → schema → semantics → specRefs → findings.

:class:`Validator` holds what is shared across the files of one run (the compiled schema, the
cache of referenced specs); :func:`validate` is the one-call form behind ``modelspec.validate``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from ..spec import loader
from ..spec.loader import Limits, LoadedDocument
from ..spec.schema import bundled
from . import discover, refs, semantic
from .findings import DocumentReport, Finding, Report
from .rules import severity_of
from .schema_check import SchemaChecker

Source = str | os.PathLike[str] | dict[str, Any]


class Validator:
    """Validates many documents with one schema; reuse it across files of a run."""

    def __init__(
        self, schema: dict[str, Any] | None = None, *, semantic: bool = True, limits: Limits | None = None
    ) -> None:
        self.checker = SchemaChecker(schema if schema is not None else bundled())
        self.semantic = semantic
        self.limits = limits or Limits()
        self._refs: dict[Path, refs.RefInfo] = {}

    # -- documents -----------------------------------------------------------------------
    def check_document(
        self, doc: LoadedDocument, base: Path | None = None, self_path: Path | None = None
    ) -> DocumentReport:
        report = DocumentReport(doc.source, doc.index, data=doc.data if doc.ok else None)
        if not doc.ok:
            report.findings.extend(
                Finding(p.rule, severity_of(p.rule), p.message, p.path, p.line, p.column, p.hint) for p in doc.problems
            )
            return report
        report.findings.extend(self.checker.check(doc))
        if self.semantic and not report.findings:
            report.findings.extend(semantic.run(doc))
            report.findings.extend(refs.check(doc, base or Path.cwd(), self_path, self))
        report.findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule))
        return report

    # -- sources -------------------------------------------------------------------------
    def validate_file(self, path: str | os.PathLike[str]) -> list[DocumentReport]:
        source = os.fspath(path)
        try:
            docs = loader.load_file(source, self.limits)
        except loader.FileUnreadable as exc:
            msg = str(exc).split(": ", 1)[-1]
            return [
                DocumentReport(
                    source,
                    0,
                    [Finding("MS300", severity_of("MS300"), f"cannot read: {msg}", "", None, None)],
                    io_error=True,
                )
            ]
        real = Path(source).resolve()
        return [self.check_document(d, real.parent, real) for d in docs]

    def validate_path(self, path: str | os.PathLike[str]) -> list[DocumentReport]:
        """A file, or a directory walked for ModelSpec files (an empty one is an I/O error)."""
        if not os.path.isdir(path):
            return self.validate_file(path)
        files = discover.walk(Path(path))
        if not files:
            message = (
                "no ModelSpec files found in this directory (*.modelspec.yaml, or YAML/JSON "
                "declaring apiVersion piqc.ai/v1alpha1)"
            )
            return [
                DocumentReport(os.fspath(path), 0, [Finding("MS300", severity_of("MS300"), message)], io_error=True)
            ]
        return [rep for f in files for rep in self.validate_file(f)]

    def validate_text(self, text: str, source: str = "<string>") -> list[DocumentReport]:
        docs = loader.load_bytes(text.encode("utf-8"), source, self.limits)
        return [self.check_document(d) for d in docs]

    def validate_stdin(self) -> list[DocumentReport]:
        raw = sys.stdin.buffer.read(self.limits.max_bytes + 1)
        docs = loader.load_bytes(raw, "<stdin>", self.limits)
        return [self.check_document(d) for d in docs]

    def validate_data(self, data: dict[str, Any], source: str = "<data>") -> DocumentReport:
        doc = LoadedDocument(source, 0, data=data)
        if not isinstance(data, dict):
            doc.problems.append(loader.LoadProblem("MS308", "top level is not a mapping", 1, 1))
        return self.check_document(doc)

    # -- specRef cache -------------------------------------------------------------------
    def ref_info(self, path: Path) -> refs.RefInfo:
        info = self._refs.get(path)
        if info is not None:
            return info
        info = refs.RefInfo(path, readable=path.is_file())
        self._refs[path] = info
        if not info.readable:
            return info
        try:
            docs = loader.load_file(path, self.limits)
        except loader.FileUnreadable:
            info.readable = False
            return info
        doc = docs[0]
        findings: list[Finding] = [
            Finding(p.rule, severity_of(p.rule), p.message, p.path, p.line, p.column) for p in doc.problems
        ]
        if doc.ok:
            findings = self.checker.check(doc)
            if not findings and self.semantic:
                findings = semantic.run(doc)
            info.children = [t for *_, t in refs.dependency_refs(doc.data, path.parent)]
        errors = [f for f in findings if f.severity.value == "error"]
        if errors:
            first = errors[0]
            info.first_error = f"{path.name}:{first.line}:{first.column}: {first.rule} {first.message}"
        return info


def validate(
    source: Source, *, schema: dict[str, Any] | None = None, semantic: bool = True, limits: Limits | None = None
) -> Report:
    """Validate a file or directory path, a YAML/JSON text or an already-loaded mapping.

    A ``str`` naming an existing file is read as a path; a ``str`` holding a newline or a ':' is
    read as document text; any other ``str`` is taken as a path (and reported missing).
    Never raises for bad input: everything wrong is a finding in the returned :class:`Report`.
    """
    v = Validator(schema, semantic=semantic, limits=limits)
    if isinstance(source, dict):
        return Report([v.validate_data(source)])
    if isinstance(source, str) and not os.path.exists(source) and ("\n" in source or ":" in source):
        return Report(v.validate_text(source))
    return Report(v.validate_path(source))
