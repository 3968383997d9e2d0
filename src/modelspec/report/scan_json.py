"""Scan report as JSON or YAML: the ScanReport contract (schema/scanreport.v1alpha1.json)."""

from __future__ import annotations

import json

from ..scan.drift import DriftReport


def render(report: DriftReport) -> str:
    return json.dumps(report.to_dict(), indent=2, default=str) + "\n"


def render_yaml(report: DriftReport) -> str:
    import yaml

    return yaml.safe_dump(json.loads(json.dumps(report.to_dict(), default=str)), sort_keys=False)
