"""Docs that are generated from code must match it."""

from __future__ import annotations

from pathlib import Path

from modelspec.scan.rules import CLUSTER_RULES, NODE_RULES, rules_page
from modelspec.validate.rules import RULES

from .conftest import ROOT


def test_rules_doc_matches_catalogue() -> None:
    assert (ROOT / "docs/rules.md").read_text() == rules_page(), "run python tooling/generate.py"


def test_every_emitted_rule_is_catalogued() -> None:
    import re

    used: set[str] = set()
    for path in (ROOT / "src/modelspec").rglob("*.py"):
        used |= set(re.findall(r'"(MS\d{3})"', path.read_text()))
    known = set(RULES) | set(NODE_RULES) | set(CLUSTER_RULES)
    assert used <= known, used - known


def test_readme_commands_present() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci/run").read_text()
    assert "bash .ci/run" in readme or "pytest" in readme
    assert "python -m pytest" in ci
    assert Path(ROOT / ".pre-commit-hooks.yaml").exists()
