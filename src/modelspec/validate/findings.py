"""Findings and reports: what the validator hands to reporters and to Python callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..spec.models import ModelSpec


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one document, pointing at ``path`` (a JSON pointer) and line:column."""

    rule: str
    severity: Severity
    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass(slots=True)
class DocumentReport:
    """The verdict on one document of one file (``document`` is its index in the file)."""

    path: str
    document: int = 0
    findings: list[Finding] = field(default_factory=list)
    data: Any = None
    io_error: bool = False

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    @property
    def valid(self) -> bool:
        return self.errors == 0

    @property
    def spec(self) -> ModelSpec | None:
        """The typed ModelSpec when the document passed the schema, else ``None``."""
        if self.data is None or any(f.rule.startswith(("MS1", "MS3")) for f in self.findings):
            return None
        from ..spec.models import ModelSpec

        return ModelSpec.model_validate(self.data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "document": self.document,
            "valid": self.valid,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(slots=True)
class Report:
    """Everything one validation run found, file by file and document by document."""

    files: list[DocumentReport] = field(default_factory=list)
    #: documents read but not validated because their ``kind`` is not ModelSpec (see discover.py)
    skipped: int = 0

    @property
    def valid(self) -> bool:
        return all(d.valid for d in self.files)

    @property
    def io_errors(self) -> int:
        return sum(1 for d in self.files if d.io_error)

    def summary(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "valid": sum(1 for d in self.files if d.valid),
            "invalid": sum(1 for d in self.files if not d.valid),
            "errors": sum(d.errors for d in self.files),
            "warnings": sum(d.warnings for d in self.files),
            "skipped": self.skipped,
        }

    def passed(self, strict: bool = False) -> bool:
        """No errors (and, with ``strict``, no warnings either)."""
        return all(d.valid and (not strict or d.warnings == 0) for d in self.files)

    def exit_code(self, strict: bool = False) -> int:
        """0 all valid, 1 some invalid, 2 when a path could not be read at all."""
        if self.io_errors:
            return 2
        return 0 if self.passed(strict) else 1

    def to_dict(self) -> dict[str, Any]:
        return {"files": [d.to_dict() for d in self.files], "summary": self.summary()}
