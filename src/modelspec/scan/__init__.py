"""Scanners: read what runs (a node through NVML and psutil) and report drift from the spec.

>>> from modelspec import scan
>>> facts = scan.node()
>>> report = scan.drift("examples/08-full-production.modelspec.yaml", facts)
>>> report.summary()
"""

from .drift import DriftFinding, DriftReport, Status, drift
from .facts import Fact, GpuFacts, NodeFacts, Source
from .node import node

__all__ = ["DriftFinding", "DriftReport", "Fact", "GpuFacts", "NodeFacts", "Source", "Status", "drift", "node"]
