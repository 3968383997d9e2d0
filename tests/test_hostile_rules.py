"""One verdict for hostile numbers and shapes: schema check, models, rules and ``load`` agree,
and no rule raises on anything a schema (ours or a looser ``--schema``) lets through."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import modelspec
from modelspec.errors import SpecLoadError
from modelspec.spec.loader import LoadedDocument
from modelspec.spec.models import ModelSpec
from modelspec.spec.schema import bundled
from modelspec.validate import semantic
from modelspec.validate.runner import Validator
from modelspec.validate.schema_check import SchemaChecker

from .strategies import from_schema

SCHEMA = bundled()
CHECKER = SchemaChecker(SCHEMA)
VALIDATOR = Validator()
LOOSE = Validator(schema={"type": "object"})
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))

HOSTILE_NUMBERS = st.sampled_from([
    10**400, -(10**400), 2**63 - 1, 2**63, -(2**63), 1e20, 1.0e160, -1e160, 3.0, 0.0, -0.0, 1e-300,
    float("nan"), float("inf"), float("-inf"), 9.2e18, 9.3e18, 1, 0, -1, 65535, 65536, 1.5,
])


def _leaves(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _leaves(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _leaves(v, (*path, i))
    return out


@st.composite
def hostile_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A schema-valid document with up to three values replaced by hostile numbers or shapes."""
    doc: dict[str, Any] = copy.deepcopy(draw(from_schema(SCHEMA)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_leaves(doc)))
        if not path:
            continue
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = draw(st.one_of(HOSTILE_NUMBERS, HOSTILE_NUMBERS, st.just([1, "x"]), st.just({"a": None}),
                                          st.text(max_size=3), st.booleans()))
    return doc


def _model_ok(doc: dict[str, Any]) -> bool:
    try:
        ModelSpec.model_validate(doc)
    except ValidationError:
        return False
    return True


@SETTINGS
@given(hostile_documents())
def test_schema_and_models_agree_and_rules_are_total(doc: dict[str, Any]) -> None:
    loaded = LoadedDocument("<gen>", 0, data=doc)
    findings = CHECKER.check(loaded)
    assert all(f.rule != "MS399" for f in findings)
    assert (not findings) == _model_ok(doc), [f.message for f in findings]
    rules = semantic.run(loaded)
    assert [f.message for f in rules if f.rule == "MS399"] == []
    if not findings:
        spec = ModelSpec.model_validate(doc)
        assert ModelSpec.model_validate(spec.to_dict()) == spec


@settings(SETTINGS, max_examples=30)
@given(hostile_documents())
def test_text_round_trip_gives_the_same_verdict_and_load_never_crashes(doc: dict[str, Any]) -> None:
    finite = not any(isinstance(v, float) and not math.isfinite(v) for v in _values(doc))
    texts = [("x.yaml", yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))]
    if finite:
        texts.append(("x.json", json.dumps(doc)))
    verdicts = set()
    for source, text in texts:
        reports = VALIDATOR.validate_text(text, source)
        assert all(f.rule != "MS399" for r in reports for f in r.findings), source
        schema_errors = [f for r in reports for f in r.findings if f.rule.startswith(("MS1", "MS3"))]
        verdicts.add(not schema_errors)
        try:
            modelspec.loads(text, source=source)
        except SpecLoadError:
            assert schema_errors
    assert verdicts == {_model_ok(doc)} or not finite


def _values(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [x for v in node.values() for x in _values(v)]
    if isinstance(node, list):
        return [x for v in node for x in _values(v)]
    return [node]


_ANY = st.recursive(
    st.one_of(st.none(), st.booleans(), HOSTILE_NUMBERS, st.text(max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=10,
)


@SETTINGS
@given(hostile_documents(), st.data())
def test_rules_are_total_under_any_looser_schema(doc: dict[str, Any], data: st.DataObject) -> None:
    """A permissive ``--schema`` lets any shape through: every rule still answers."""
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_leaves(doc)))
        if not path:
            continue
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = data.draw(_ANY)
    report = LOOSE.validate_data(doc)
    assert [f.message for f in report.findings if f.rule == "MS399"] == []


def test_a_crashing_rule_is_a_finding_not_a_lost_report(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: semantic.Context) -> Any:
        raise ZeroDivisionError("boom")
        yield  # pragma: no cover

    monkeypatch.setattr(semantic, "SEMANTIC_RULES", [broken, *semantic.SEMANTIC_RULES])
    from .conftest import EXAMPLES, INVALID

    report = modelspec.validate(str(EXAMPLES))
    assert report.files and all(any(f.rule == "MS399" for f in d.findings) for d in report.files)
    finding = next(f for f in report.files[0].findings if f.rule == "MS399")
    assert "broken" in finding.message and "ZeroDivisionError: boom" in finding.message
    other = Validator().validate_file(INVALID / "count-zero.yaml")
    # rules run in one pass (schema + semantic): the crash costs the semantic rules, not the schema finding
    assert {f.rule for f in other[0].findings} == {"MS105", "MS399"}


@pytest.mark.parametrize("value", ["1.0e+20", ".nan", ".inf", "-.inf", "1" + "0" * 400])
def test_known_hostile_counts_are_one_error_everywhere(value: str) -> None:
    from .conftest import EXAMPLES

    text = (EXAMPLES / "00-minimal.modelspec.yaml").read_text().replace("count: 1", f"count: {value}")
    findings = [f for r in Validator().validate_text(text, "x.yaml") for f in r.findings]
    line = text.splitlines().index(next(t for t in text.splitlines() if "count: " in t)) + 1
    assert [(f.rule, f.line) for f in findings] in ([("MS105", line)], [("MS103", line)])
    with pytest.raises(SpecLoadError):
        modelspec.loads(text)
