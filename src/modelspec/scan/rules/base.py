"""The drift rule registry: each rule an id, the JSON pointer it checks, its evidence source,
severity, a doc line, a remediation and one short function over the typed spec and typed facts.

Node rules (``MS4xx``) take :class:`~modelspec.scan.facts.NodeFacts`, cluster rules (``MS5xx``)
take :class:`~modelspec.scan.facts.WorkloadFacts`; both take the pydantic
:class:`~modelspec.spec.models.ModelSpec`. ``docs/rules.md`` is generated from this registry and
the validator's (see :func:`render_markdown`). To add a rule::

    @cluster_rule("MS5xx", "/spec/…", "k8s", Severity.ERROR, "title", "what to do")
    def _my_rule(spec: ModelSpec, w: WorkloadFacts) -> Iterator[DriftFinding]:
        yield match("/spec/…", declared, observed, "k8s", "why it matches")

The runner stamps the rule id (and the workload id) on every finding the function yields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ...spec.models import ModelSpec
from ...validate.findings import Severity
from ..facts import Fact, NodeFacts, WorkloadFacts
from ..findings import DriftFinding, Status

F = TypeVar("F")
Check = Callable[[ModelSpec, F], Iterable[DriftFinding]]


@dataclass(frozen=True, slots=True)
class DriftRule(Generic[F]):
    id: str
    scope: str  # "node" | "cluster"
    pointer: str  # the JSON pointer (or pointer prefix) the rule checks
    source: str  # where its evidence comes from
    severity: Severity  # the severity of a drift
    title: str
    remediation: str
    check: Check[F]


NODE_RULES: dict[str, DriftRule[NodeFacts]] = {}
CLUSTER_RULES: dict[str, DriftRule[WorkloadFacts]] = {}


def _register(
    table: dict[str, Any],
    scope: str,
    rule_id: str,
    pointer: str,
    source: str,
    severity: Severity,
    title: str,
    remediation: str,
) -> Callable[[Check[Any]], Check[Any]]:
    def wrap(fn: Check[Any]) -> Check[Any]:
        if rule_id in NODE_RULES or rule_id in CLUSTER_RULES:
            raise ValueError(f"drift rule id {rule_id} registered twice")
        table[rule_id] = DriftRule(rule_id, scope, pointer, source, severity, title, remediation, fn)
        return fn

    return wrap


def node_rule(
    rule_id: str, pointer: str, source: str, severity: Severity, title: str, remediation: str
) -> Callable[[Check[NodeFacts]], Check[NodeFacts]]:
    """Register a node drift rule (``MS4xx``)."""
    return _register(NODE_RULES, "node", rule_id, pointer, source, severity, title, remediation)


def cluster_rule(
    rule_id: str, pointer: str, source: str, severity: Severity, title: str, remediation: str
) -> Callable[[Check[WorkloadFacts]], Check[WorkloadFacts]]:
    """Register a cluster drift rule (``MS5xx``)."""
    return _register(CLUSTER_RULES, "cluster", rule_id, pointer, source, severity, title, remediation)


def run(
    rules: dict[str, DriftRule[F]], spec: ModelSpec, facts: F, workload: str | None = None
) -> Iterator[DriftFinding]:
    """Every rule of a table over one spec and one set of facts, findings stamped with rule id."""
    for rule in rules.values():
        for f in rule.check(spec, facts):
            yield DriftFinding(
                f.field,
                f.declared,
                f.observed,
                f.status,
                f.severity,
                f.source,
                f.message,
                workload or f.workload,
                rule.id,
            )


# -- finding constructors shared by the rules -------------------------------------------------------


def match(field: str, declared: Any, observed: Any, source: str, message: str) -> DriftFinding:
    return DriftFinding(field, declared, observed, Status.MATCH, Severity.INFO, source, message)


def drifted(field: str, declared: Any, observed: Any, severity: Severity, source: str, message: str) -> DriftFinding:
    return DriftFinding(field, declared, observed, Status.DRIFT, severity, source, message)


def missing(
    field: str, declared: Any, severity: Severity, source: str, message: str, observed: Any = None
) -> DriftFinding:
    return DriftFinding(field, declared, observed, Status.MISSING, severity, source, message)


def unknown(
    field: str, declared: Any, source: str, message: str, observed: Any = None, severity: Severity = Severity.INFO
) -> DriftFinding:
    return DriftFinding(field, declared, observed, Status.UNKNOWN, severity, source, message)


def verdict(
    field: str, declared: Any, observed: Any, ok: bool, severity: Severity, source: str, message: str
) -> DriftFinding:
    """A match (info) when ``ok``, else a drift at ``severity``: the shape of most rules."""
    if ok:
        return match(field, declared, observed, source, message)
    return drifted(field, declared, observed, severity, source, message)


def compare(
    field: str,
    declared: Any,
    fact: Fact,
    what: str,
    severity: Severity = Severity.ERROR,
    equal: Callable[[Any, Any], bool] | None = None,
) -> DriftFinding:
    """Declared against one fact: unknown with the fact's reason, else match or drift."""
    if not fact.known:
        return unknown(field, declared, fact.source.value, f"{what}: {fact.reason}")
    same = equal(declared, fact.value) if equal else declared == fact.value
    default = " (engine default)" if fact.source.value == "default" else ""
    if same:
        return match(field, declared, fact.value, fact.source.value, f"{what} is {fact.value}{default}")
    return drifted(
        field,
        declared,
        fact.value,
        severity,
        fact.source.value,
        f"{what} is {fact.value}{default}, spec declares {declared}",
    )


def render_table() -> list[str]:
    """Markdown rows for docs/rules.md (the validator's page appends them)."""
    lines = [
        "",
        "# Drift rules",
        "",
        "Emitted by `modelspec scan node` (MS4xx) and `modelspec scan cluster` (MS5xx); generated from",
        "`src/modelspec/scan/rules/`. Each finding carries its rule id, the JSON pointer of the spec",
        "field, what was declared and observed, and the evidence source.",
        "",
        "| id | scope | field | evidence | severity | rule | remediation |",
        "|---|---|---|---|---|---|---|",
    ]
    every: list[DriftRule[Any]] = [*NODE_RULES.values(), *CLUSTER_RULES.values()]
    for r in sorted(every, key=lambda r: r.id):
        lines.append(
            f"| {r.id} | {r.scope} | `{r.pointer}` | {r.source} | {r.severity.value} | {r.title} | {r.remediation} |"
        )
    return lines
