"""Tables fit the terminal (COLUMNS): columns dropped in a stated order, the message wrapped, --wide for all."""

from __future__ import annotations

import os

import pytest

from modelspec.report import scan_text
from modelspec.report.table import fit_table, set_wide
from modelspec.scan.drift import DriftFinding, DriftReport, Status
from modelspec.validate.findings import Severity

from .conftest import run_cli

HEADERS = ["field", "declared", "observed", "status", "source", "message"]
ROWS = [["spec.runtime.accelerator.type", "h100", "a100-80gb", "drift", "nvml", "declared type differs from the "
         "GPUs found on this node; the resolver can suggest a count for a100-80gb"]] * 3


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("width", [80, 120])
def test_fits_by_dropping_then_wrapping(width: int) -> None:
    text = fit_table(ROWS, HEADERS, drop=("source", "observed"), wrap="message", width=width)
    assert widest(text) <= width
    assert "status" in text and "field" in text  # kept columns
    words = " ".join(text.split())
    assert "resolver can suggest" in words  # wrapped, not cut


def test_drops_in_the_stated_order_and_says_so() -> None:
    text = fit_table(ROWS, HEADERS, drop=("source", "observed", "declared"), wrap="message", width=80)
    assert "source" not in text.splitlines()[0]
    assert "hidden to fit 80 columns: source" in " ".join(text.split()) and "--wide" in text


def test_no_limit_for_pipes_and_wide_keeps_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    full = fit_table(ROWS, HEADERS, drop=("source",), wrap="message")  # stdout is not a terminal under pytest
    assert "hidden" not in full and widest(full) > 120
    set_wide(True)
    try:
        assert fit_table(ROWS, HEADERS, drop=("source",), wrap="message", width=80) == full
    finally:
        set_wide(False)


def test_gpus_command_honours_columns_and_wide() -> None:
    env_80 = dict(os.environ, COLUMNS="80")
    import subprocess
    import sys

    from .conftest import ROOT

    narrow = subprocess.run([sys.executable, "-m", "modelspec", "gpus"], env=env_80, cwd=ROOT,
                            capture_output=True, text=True).stdout
    assert widest(narrow) <= 80 and "--wide shows all" in narrow
    wide = subprocess.run([sys.executable, "-m", "modelspec", "gpus", "--wide"], env=env_80, cwd=ROOT,
                          capture_output=True, text=True).stdout
    assert widest(wide) > 80 and "interconnect" in wide
    assert run_cli("gpus", "--format", "json").returncode == 0


def _finding(status: Status, field: str) -> DriftFinding:
    return DriftFinding(field, "a", "b" if status is not Status.MATCH else "a", status, Severity.ERROR, "pod",
                        f"{field} {status.value}", workload="default/llm")


def test_cluster_table_lists_problems_first_and_matches_only_with_all() -> None:
    report = DriftReport("cluster", {"specName": "x", "workloads": 1}, {},
                         [_finding(Status.MATCH, "a.match"), _finding(Status.UNKNOWN, "b.unknown"),
                          _finding(Status.DRIFT, "c.drift")])
    text = scan_text.render(report)
    assert "a.match" not in text and "1 matching field(s) not listed; --all lists them" in text
    assert text.index("c.drift") < text.index("b.unknown")
    token = scan_text.SHOW_MATCHES.set(True)
    try:
        everything = scan_text.render(report)
    finally:
        scan_text.SHOW_MATCHES.reset(token)
    assert everything.index("c.drift") < everything.index("b.unknown") < everything.index("a.match")
