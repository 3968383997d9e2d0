"""Drift rules for node and cluster scans, registered side by side (see :mod:`.base`)."""

from __future__ import annotations

from collections.abc import Iterator

from ...spec.models import ModelSpec
from ..facts import NodeFacts, WorkloadFacts
from ..findings import DriftFinding
from . import cluster as _cluster
from . import node as _node
from .base import CLUSTER_RULES, NODE_RULES, DriftRule, cluster_rule, node_rule, render_table

__all__ = [
    "CLUSTER_RULES",
    "NODE_RULES",
    "DriftRule",
    "cluster_rule",
    "node_findings",
    "node_rule",
    "render_table",
    "rules_page",
    "workload_findings",
]
_LOADED = (_cluster, _node)


def node_findings(spec: ModelSpec, facts: NodeFacts) -> Iterator[DriftFinding]:
    """Every node rule over one spec and one node's facts."""
    from .base import run

    return run(NODE_RULES, spec, facts)


def workload_findings(spec: ModelSpec, workload: WorkloadFacts) -> Iterator[DriftFinding]:
    """Every cluster rule over one spec and one workload's facts, stamped with the workload id."""
    from .base import run

    return run(CLUSTER_RULES, spec, workload, workload.id)


def rules_page() -> str:
    """docs/rules.md: the validator's catalogue followed by the drift rules."""
    from ...validate.rules import render_markdown

    return render_markdown() + "\n".join(render_table()) + "\n"
