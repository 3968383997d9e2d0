"""The drift engine: declared (the spec) against observed (facts), field by field.

The result types live in :mod:`.findings`, the rules in :mod:`.rules`; this module is the node
scan's entry point and keeps the public names importable from one place.
"""

from __future__ import annotations

from typing import Any

from ..spec.models import ModelSpec
from .facts import NodeFacts
from .findings import FAIL_ON, DriftFinding, DriftReport, Status, verdict

__all__ = ["FAIL_ON", "DriftFinding", "DriftReport", "Status", "as_spec", "drift", "verdict"]


def drift(spec: Any, facts: NodeFacts, *, spec_path: str | None = None) -> DriftReport:
    """Compare a spec (ModelSpec, mapping or path) with node facts."""
    from .rules import node_findings

    model = as_spec(spec)
    findings = list(node_findings(model, facts))
    target = {"scope": "node", "host": facts.hostname, "spec": spec_path, "specName": model.metadata.name}
    return DriftReport("node", target, facts.to_dict(), findings)


def as_spec(spec: Any) -> ModelSpec:
    """A ModelSpec from a ModelSpec, a wire-form mapping or a file path."""
    if isinstance(spec, ModelSpec):
        return spec
    if isinstance(spec, dict):
        return ModelSpec.model_validate(spec)
    from ..spec.api import load

    return load(spec)
