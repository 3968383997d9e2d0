"""Drift findings and the drift report: the shared result types of every scanner.

Each finding names the spec field (a JSON pointer), what was declared, what was observed, the
status — match, drift, missing (declared but absent), unknown (could not be observed) — a
severity, the source of the evidence, a sentence a platform team can act on, and the id of the
rule that produced it (see :mod:`modelspec.scan.rules`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .._version import __version__
from ..validate.findings import Severity
from .facts import now


class Status(str, Enum):
    MATCH = "match"
    DRIFT = "drift"
    MISSING = "missing"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DriftFinding:
    field: str
    declared: Any
    observed: Any
    status: Status
    severity: Severity
    source: str
    message: str
    workload: str | None = None
    rule: str | None = None  # the drift rule id (MS4xx node, MS5xx cluster)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "field": self.field,
            "declared": self.declared,
            "observed": self.observed,
            "status": self.status.value,
            "severity": self.severity.value,
            "source": self.source,
            "message": self.message,
        }
        if self.workload is not None:
            out["workload"] = self.workload
        if self.rule is not None:
            out["rule"] = self.rule
        return out


def verdict(
    field: str,
    declared: Any,
    observed: Any,
    ok: bool,
    severity: Severity,
    source: str,
    message: str,
    workload: str | None = None,
) -> DriftFinding:
    """A match (info) when ``ok``, else a drift at ``severity``: the shape of most rules."""
    status, sev = (Status.MATCH, Severity.INFO) if ok else (Status.DRIFT, severity)
    return DriftFinding(field, declared, observed, status, sev, source, message, workload)


FAIL_ON = ("drift", "warning", "never")


@dataclass(slots=True)
class DriftReport:
    scope: str
    target: dict[str, Any]
    facts: dict[str, Any]
    findings: list[DriftFinding]
    generated_at: str = field(default_factory=now)

    def summary(self) -> dict[str, Any]:
        """Counts per status, and coverage: the share of rule findings that were really verified
        (match, drift or missing). Findings that are not a rule's (a spec no workload implements)
        never count as covered, so nothing found is 0 coverage, never 100%."""
        counts: dict[str, Any] = {s.value: sum(1 for f in self.findings if f.status is s) for s in Status}
        checked = [f for f in self.findings if f.rule is not None]
        verified = sum(1 for f in checked if f.status in (Status.MATCH, Status.DRIFT, Status.MISSING))
        counts["coverage"] = round(verified / len(checked), 4) if checked else 0.0
        return counts

    def failing(self, fail_on: str) -> list[DriftFinding]:
        """Findings at or above the ``--fail-on`` level: ``drift`` = errors, ``warning`` = warnings too."""
        if fail_on == "never":
            return []
        levels = {Severity.ERROR} if fail_on == "drift" else {Severity.ERROR, Severity.WARNING}
        return [f for f in self.findings if f.status in (Status.DRIFT, Status.MISSING) and f.severity in levels]

    def exit_code(self, fail_on: str = "drift") -> int:
        return 1 if self.failing(fail_on) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "piqc.ai/v1alpha1",
            "kind": "ScanReport",
            "generatedAt": self.generated_at,
            "generator": f"modelspec {__version__}",
            "target": self.target,
            "facts": self.facts,
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary(),
        }
