"""Scanners: read what runs (a node through NVML and psutil) and report drift from the spec.

>>> from modelspec import scan
>>> facts = scan.node()
>>> report = scan.drift("examples/08-full-production.modelspec.yaml", facts)
>>> report.summary()
>>> inv = scan.inventory(KubeReader(api_client()))   # every inference workload, no spec needed
>>> [(w.id, w.engine.name, w.cost_per_hour) for w in inv.workloads]
"""

from .drift import DriftFinding, DriftReport, Status, drift
from .facts import Fact, GpuFacts, NodeFacts, Source
from .inventory import ClusterSummary, Inventory, WorkloadRow, inventory
from .node import node

__all__ = [
    "ClusterSummary",
    "DriftFinding",
    "DriftReport",
    "Fact",
    "GpuFacts",
    "Inventory",
    "NodeFacts",
    "Source",
    "Status",
    "WorkloadRow",
    "drift",
    "inventory",
    "node",
]
