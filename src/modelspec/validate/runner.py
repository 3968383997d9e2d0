"""The validation pipeline: load → pick ModelSpec documents → schema + semantics + specRefs → findings.

Every rule runs in one pass: the schema stage reports what is malformed, and the semantic and
specRef stages then run on the well-formed rest of the same document (each malformed value is
cut out first, see :func:`well_formed`), so fixing one error never uncovers a second round.

:class:`Validator` holds what is shared across the files of one run (the compiled schema, the
cache of referenced specs, the rule filter); :func:`validate` is the one-call form behind
``modelspec.validate``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..spec import loader
from ..spec.loader import Limits, LoadedDocument
from ..spec.schema import bundled
from . import discover, refs, semantic
from .findings import DocumentReport, Finding, Report
from .rules import severity_of
from .schema_check import SchemaChecker
from .suppress import InlineSuppressions, RuleFilter
from .wellformed import inside, malformed, well_formed

Source = str | os.PathLike[str] | dict[str, Any]
_NO_MODELSPEC_HINT = "a ModelSpec document has `kind: ModelSpec`; documents of other kinds are skipped"


class Validator:
    """Validates many documents with one schema; reuse it across files of a run."""

    def __init__(self, schema: dict[str, Any] | None = None, *, semantic: bool = True,
                 limits: Limits | None = None, rules: RuleFilter | None = None) -> None:
        self.checker = SchemaChecker(schema if schema is not None else bundled())
        self.semantic = semantic
        self.limits = limits or Limits()
        self.rules = rules or RuleFilter()
        #: documents of another kind than ModelSpec met so far (skipped, not validated)
        self.skipped = 0
        self._refs: dict[Path, refs.RefInfo] = {}

    # -- documents -----------------------------------------------------------------------
    def check_document(self, doc: LoadedDocument, base: Path | None = None,
                       self_path: Path | None = None) -> DocumentReport:
        report = DocumentReport(doc.source, doc.index, data=doc.data if doc.ok else None)
        if not doc.ok:
            report.findings.extend(
                Finding(p.rule, severity_of(p.rule), p.message, p.path, p.line, p.column, p.hint)
                for p in doc.problems
            )
            return report
        try:
            report.findings.extend(self.checker.check(doc))
            if self.semantic:
                view = well_formed(doc, report.findings, self.checker.schema)
                later = semantic.run(view) + refs.check(view, base or Path.cwd(), self_path, self)
                flagged = malformed(report.findings)  # a placeholder left for a cut value says nothing
                report.findings.extend(f for f in later if not (flagged and inside(f.path, flagged)))
        except Exception as exc:  # a bug must cost one document, not the run
            report.findings.append(semantic.internal_error("the validator", exc))
        report.findings = [f for f in report.findings if self.rules.keeps(f.rule)]
        report.findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule))
        return report

    def check_documents(self, docs: list[LoadedDocument], source: str, *, base: Path | None = None,
                        self_path: Path | None = None, discovered: bool = False,
                        text: Callable[[], str | None] = lambda: None) -> list[DocumentReport]:
        """Check the ModelSpec documents among ``docs``; skip and count documents of other kinds.

        A file that holds no ModelSpec at all is reported (MS320) when it was named, and silently
        counted when a directory walk found it. ``text`` supplies the file's text for inline
        ``# modelspec: disable=…`` comments; it is only called when there is a finding to filter.
        """
        kept = [d for d in docs if not (d.ok and discover.is_other_kind(d.data))]
        self.skipped += len(docs) - len(kept)
        if not kept:
            return [] if discovered else [self._no_modelspec(docs, source)]
        reports = [self.check_document(d, base, self_path) for d in kept]
        if any(r.findings and r.data is not None for r in reports):
            _apply_inline(reports, text())
        return reports

    def _no_modelspec(self, docs: list[LoadedDocument], source: str) -> DocumentReport:
        kinds = ", ".join(sorted({str(d.data.get("kind")) for d in docs}))
        line, col = docs[0].position("/kind")
        message = f"no ModelSpec document in this file (found kind {kinds})"
        return DocumentReport(source, 0, [Finding("MS320", severity_of("MS320"), message, "/kind", line, col,
                                                  _NO_MODELSPEC_HINT)])

    # -- sources -------------------------------------------------------------------------
    def validate_file(self, path: str | os.PathLike[str], *, discovered: bool = False) -> list[DocumentReport]:
        source = os.fspath(path)
        try:
            docs = loader.load_file(source, self.limits)
        except loader.FileUnreadable as exc:
            msg = str(exc).split(": ", 1)[-1]
            return [DocumentReport(source, 0, [Finding("MS300", severity_of("MS300"), f"cannot read: {msg}",
                                                       "", None, None)], io_error=True)]
        real = Path(source).resolve()
        return self.check_documents(docs, source, base=real.parent, self_path=real, discovered=discovered,
                                    text=lambda: _read_text(source))

    def validate_path(self, path: str | os.PathLike[str]) -> list[DocumentReport]:
        """A file, or a directory walked for ModelSpec files (one with none is an I/O error)."""
        if not os.path.isdir(path):
            return self.validate_file(path)
        before = self.skipped
        reports = [rep for f in discover.walk(Path(path)) for rep in self.validate_file(f, discovered=True)]
        if not reports:
            skipped = self.skipped - before
            also = f"; {skipped} document(s) of other kinds skipped" if skipped else ""
            message = f"no ModelSpec files found in this directory (no document with `kind: ModelSpec`{also})"
            return [DocumentReport(os.fspath(path), 0, [Finding("MS300", severity_of("MS300"), message)],
                                   io_error=True)]
        return reports

    def validate_text(self, text: str, source: str = "<string>",
                      base: Path | None = None) -> list[DocumentReport]:
        """Documents in ``text``; specRefs resolve against ``base`` (default: the working directory)."""
        docs = loader.load_bytes(text.encode("utf-8"), source, self.limits)
        return self.check_documents(docs, source, base=base, text=lambda: text)

    def validate_stdin(self, source: str = "<stdin>") -> list[DocumentReport]:
        """Standard input; ``source`` names it in findings (``--stdin-filename``) and anchors specRefs."""
        raw = sys.stdin.buffer.read(self.limits.max_bytes + 1)
        docs = loader.load_bytes(raw, source, self.limits)
        base = Path(source).resolve().parent if source != "<stdin>" else None
        return self.check_documents(docs, source, base=base, text=lambda: raw.decode("utf-8", "replace"))

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
        findings: list[Finding] = [Finding(p.rule, severity_of(p.rule), p.message, p.path, p.line, p.column)
                                   for p in doc.problems]
        if doc.ok:
            findings = self.checker.check(doc)
            if self.semantic:
                findings += semantic.run(well_formed(doc, findings, self.checker.schema))
            info.children = [t for *_, t in refs.dependency_refs(doc.data, path.parent)]
        errors = [f for f in findings if f.severity.value == "error"]
        if errors:
            first = errors[0]
            info.first_error = f"{path.name}:{first.line}:{first.column}: {first.rule} {first.message}"
        return info


def _read_text(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return None


def _apply_inline(reports: list[DocumentReport], text: str | None) -> None:
    if not text:
        return
    inline = InlineSuppressions.scan(text)
    if not (inline.lines or inline.whole_file):
        return
    for rep in reports:
        if rep.data is not None:
            rep.findings = [f for f in rep.findings if not inline.silences(f)]


def _looks_like_text(source: str) -> bool:
    """A string is document text, not a path, when it could not be a path or is plainly a document."""
    stripped = source.lstrip()
    return "\n" in source or stripped.startswith(("{", "[", "---")) or (
        ": " in source and not os.path.exists(source))


def validate(source: Source | Iterable[Source], *, schema: dict[str, Any] | None = None, semantic: bool = True,
             limits: Limits | None = None, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Report:
    """Validate files or directories, YAML/JSON text, already-loaded mappings, or a list of these.

    A ``str`` is document text when it holds a newline, starts like a document (``{``, ``[``,
    ``---``) or is a ``key: value`` line that names no file; otherwise it is a path. Pass a
    :class:`pathlib.Path` to be explicit. ``select``/``ignore`` take rule ids or prefixes (``MS2``).
    Never raises for bad input: everything wrong is a finding in the returned :class:`Report`.
    """
    from .suppress import parse_selectors

    rules = RuleFilter(parse_selectors(select), parse_selectors(ignore))
    v = Validator(schema, semantic=semantic, limits=limits, rules=rules)
    items: Iterable[Source] = [source] if isinstance(source, (str, os.PathLike, dict)) else source
    report = Report()
    for item in items:
        if isinstance(item, dict):
            report.files.append(v.validate_data(item))
        elif isinstance(item, str) and _looks_like_text(item):
            report.files.extend(v.validate_text(item))
        elif isinstance(item, (str, os.PathLike)):
            report.files.extend(v.validate_path(item))
        else:
            raise TypeError(f"cannot validate a {type(item).__name__}: pass a path, YAML/JSON text or a dict")
    report.skipped = v.skipped
    return report
