"""Every broken file gives its expected rule at its expected line, with no traceback."""

from __future__ import annotations

import json

import pytest

from modelspec.validate.findings import Report
from modelspec.validate.runner import Validator

from .conftest import INVALID, run_cli

EXPECTED: dict[str, dict[str, object]] = json.loads((INVALID / "expectations.json").read_text())


def test_corpus_is_large_enough() -> None:
    assert len(EXPECTED) >= 30
    assert {p.name for p in INVALID.iterdir()} - {"expectations.json"} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_rule_and_line(name: str) -> None:
    reports = Validator().validate_file(INVALID / name)
    found = [(f.rule, f.line) for r in reports for f in r.findings]
    assert (EXPECTED[name]["rule"], EXPECTED[name]["line"]) in found, found
    # a missing specRef target is a warning (MS220): it fails only under --strict
    assert not Report(reports).passed(strict=bool(EXPECTED[name].get("strict")))
    for r in reports:
        for f in r.findings:
            assert f.line is not None and f.column is not None and f.message


def test_whole_corpus_in_one_run_reports_every_file() -> None:
    """One bad file never hides the others: all are reported, exit 1, no traceback."""
    files = [str(INVALID / n) for n in sorted(EXPECTED)]
    proc = run_cli("validate", "--strict", "--format", "json", *files)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    out = json.loads(proc.stdout)
    assert {f["path"] for f in out["files"]} == set(files)
    failing = [e for e in out["files"] if not e["valid"] or any(f["severity"] == "warning" for f in e["findings"])]
    assert len({e["path"] for e in failing}) == len(files)
    for entry in out["files"]:
        name = entry["path"].rsplit("/", 1)[1]
        pairs = {(f["rule"], f["line"]) for f in entry["findings"]}
        if name in EXPECTED and entry["document"] == 0:
            assert (EXPECTED[name]["rule"], EXPECTED[name]["line"]) in pairs or any(
                e["document"] > 0 for e in out["files"] if e["path"] == entry["path"]
            )


def test_text_output_is_file_line_col() -> None:
    proc = run_cli("validate", str(INVALID / "duplicate-key.yaml"))
    assert proc.returncode == 1
    first = proc.stdout.splitlines()[0]
    assert first.startswith(f"{INVALID / 'duplicate-key.yaml'}:17:7: error MS302 duplicate key 'type'")
    assert "line 16" in first and "line 17" in first
