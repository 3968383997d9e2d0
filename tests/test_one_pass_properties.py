"""Property tests for the one-pass pipeline: semantic rules run beside the schema on any document.

Generated schema-valid documents are broken in several places at once (wrong types, nulls,
unknown keys, removed keys); the validator must still return findings — never raise — and no
semantic finding may point into a value the schema stage already flagged as malformed.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelspec.spec.schema import bundled
from modelspec.validate.runner import Validator

from .strategies import from_schema
from .test_schema_properties import _mutations

SCHEMA = bundled()
VALIDATOR = Validator()
SHAPE = {"MS100", "MS101", "MS103", "MS104", "MS105"}


def _broken(times: int) -> st.SearchStrategy[dict[str, Any]]:
    strategy = from_schema(SCHEMA)
    for _ in range(times):
        strategy = strategy.flatmap(_mutations)
    return strategy


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(_broken(3))
def test_every_rule_runs_on_broken_documents_without_crashing(doc: dict[str, Any]) -> None:
    report = VALIDATOR.validate_data(doc)
    flagged = [f.path for f in report.findings if f.rule in SHAPE and f.path]
    for f in report.findings:
        assert f.line is not None and f.column is not None and f.message
        if f.rule.startswith("MS2"):
            assert not any(f.path == p or f.path.startswith(p + "/") for p in flagged), (f, flagged)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(from_schema(SCHEMA))
def test_valid_documents_get_the_same_semantic_findings_as_before(doc: dict[str, Any]) -> None:
    """On a schema-valid document the one-pass view is the document itself."""
    from modelspec.spec.loader import LoadedDocument
    from modelspec.validate import semantic
    from modelspec.validate.wellformed import well_formed

    loaded = LoadedDocument("<data>", 0, data=doc)
    assert well_formed(loaded, []) is loaded
    staged = sorted((f.rule, f.path) for f in semantic.run(loaded))
    specrefs = ("MS220", "MS221", "MS222")  # refs.py, not semantic.py
    one_pass = sorted((f.rule, f.path) for f in VALIDATOR.validate_data(doc).findings
                      if f.rule.startswith("MS2") and f.rule not in specrefs)
    assert one_pass == staged
