"""Hostile input to the loader, generated: JSON read with JSON semantics, keys YAML would type,
control characters and encodings, each reported at its own line and column."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from modelspec.spec.loader import Limits, load_bytes, load_text
from modelspec.validate.runner import Validator

from .conftest import EXAMPLES

SETTINGS = settings(max_examples=80, deadline=None)

_JSON_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8)
_JSON_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False), _JSON_TEXT,
)
_JSON = st.recursive(
    _JSON_SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_JSON_TEXT, inner, max_size=4)),
    max_leaves=25,
)
_DOC = st.dictionaries(_JSON_TEXT, _JSON, min_size=1, max_size=5)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _at(text: str, line: int, col: int) -> str:
    return text.split("\n")[line - 1][col - 1:]


@SETTINGS
@given(_DOC, st.sampled_from([None, 1, 2, "\t"]), st.booleans(), st.sampled_from(["x.json", "<stdin>", "x.yaml"]))
def test_json_text_reads_exactly_as_json_does(doc: dict[str, Any], indent: Any, ascii_only: bool,
                                              source: str) -> None:
    text = json.dumps(doc, indent=indent, ensure_ascii=ascii_only)
    loaded = load_text(text, source)
    assert len(loaded) == 1 and loaded[0].ok, loaded[0].problems
    assert loaded[0].fmt == "json"
    assert _same(loaded[0].data, json.loads(text))
    for key in doc:  # every top-level key is recorded at its own opening quote
        pointer = "/" + key.replace("~", "~0").replace("/", "~1")
        line, col = loaded[0].position(pointer)
        assert _at(text, line, col).startswith(json.dumps(key, ensure_ascii=ascii_only))


@SETTINGS
@given(st.floats(allow_nan=False, allow_infinity=False, width=64) | st.integers(-(10**18), 10**18))
def test_numbers_are_numbers_and_never_strings(number: float) -> None:
    text = json.dumps({"n": number, "e": 1e-05, "f": 1e0, "s": "1e5"})
    data = load_text(text, "x.json")[0].data
    assert data == {"n": number, "e": 1e-05, "f": 1.0, "s": "1e5"}
    assert type(data["n"]) is type(number)


def test_exponent_where_a_string_belongs_is_a_type_error() -> None:
    base = json.loads(json.dumps(_minimal()))
    text = json.dumps(base).replace('"mistral"', "1e5")
    findings = [f for r in Validator().validate_text(text, "x.json") for f in r.findings]
    assert [(f.rule, f.path) for f in findings] == [("MS103", "/spec/identity/model/family")]


def test_surrogate_pairs_decode_and_lone_surrogates_are_refused() -> None:
    assert load_text('{"a": "\\ud83d\\ude00"}', "x.json")[0].data == {"a": "\U0001F600"}
    doc = load_text('{\n  "a": "x",\n  "b": "\\ud83d"\n}', "x.json")[0]
    assert doc.problems[0].rule == "MS301" and (doc.problems[0].line, doc.problems[0].column) == (3, 8)


@SETTINGS
@given(st.lists(st.text(alphabet="abc", min_size=1, max_size=2), min_size=2, max_size=6, unique=True),
       st.data())
def test_json_duplicate_keys_name_both_lines(keys: list[str], data: st.DataObject) -> None:
    dup = data.draw(st.sampled_from(keys))
    lines = [f'  "{k}": {i}' for i, k in enumerate(keys)] + [f'  "{dup}": 99']
    text = "{\n" + ",\n".join(lines) + "\n}"
    problem = load_text(text, "x.json")[0].problems[0]
    first = keys.index(dup) + 2
    assert problem.rule == "MS302" and problem.line == len(keys) + 2
    assert f"first at line {first}" in problem.message


@SETTINGS
@given(st.integers(1, 40), st.sampled_from(["x.json", "x.yaml"]))
def test_depth_and_size_limits_apply_to_json_too(depth: int, source: str) -> None:
    text = '{"a": ' + "[" * depth + "]" * depth + "}"
    doc = load_text(text, source, Limits(max_depth=20))[0]
    assert doc.ok == (depth < 20)
    if not doc.ok:
        assert doc.problems[0].rule == "MS305"
    wide = '{"a": [' + ",".join(["1"] * 50) + "]}"
    assert load_text(wide, source, Limits(max_nodes=30))[0].problems[0].rule == "MS303"


def test_json_syntax_errors_are_positioned() -> None:
    cases = {
        '{"a": 1,}': (1, 9), '{"a": [1,]}': (1, 10), '{"a" 1}': (1, 6), '{"a": NaN}': (1, 7),
        '{"a": 1} x': (1, 10), '{"a": "b\nc"}': (1, 9), '{"a": "\\q"}': (1, 8), '{"a": 1': (1, 8),
        '{"a": 01}': (1, 8),
    }
    for text, where in cases.items():
        problem = load_text(text, "x.json")[0].problems[0]
        assert (problem.rule, (problem.line, problem.column)) == ("MS301", where), (text, problem)


def test_json_looking_yaml_still_reads_as_yaml() -> None:
    assert load_text("{a: 1, b: [x, y]}", "x.yaml")[0].data == {"a": 1, "b": ["x", "y"]}
    assert load_text("{a: 1, b: [x, y]}", "x.json")[0].problems[0].rule == "MS301"


_TYPED_KEYS = ["123", "on", "yes", "No", "true", "2024-01-01", "1.5", "~", "null", "0x1F", "010", "1:30",
               ".nan", "-.inf", "1e3", "<<x"]


@SETTINGS
@given(st.lists(st.sampled_from(_TYPED_KEYS), min_size=1, max_size=8, unique=True))
def test_keys_are_the_text_as_written(keys: list[str]) -> None:
    text = "".join(f"{k}: {i}\n" for i, k in enumerate(keys))
    doc = load_text(text, "x.yaml")[0]
    assert doc.ok and doc.data == {k: i for i, k in enumerate(keys)}
    for i, k in enumerate(keys):
        assert doc.position("/" + k.replace("~", "~0").replace("/", "~1")) == (i + 1, 1)


@SETTINGS
@given(st.sampled_from(_TYPED_KEYS), st.sampled_from(["'{}'", '"{}"', "{}"]), st.integers(0, 3))
def test_keys_colliding_after_typing_name_both_lines(key: str, quoting: str, gap: int) -> None:
    text = f"{key}: 1\n" + "".join(f"k{i}: {i}\n" for i in range(gap)) + f"{quoting.format(key)}: 2\n"
    problem = load_text(text, "x.yaml")[0].problems[0]
    assert problem.rule == "MS302" and problem.line == gap + 2
    assert "first at line 1" in problem.message


def test_non_string_keys_never_crash_the_rules() -> None:
    base = (EXAMPLES / "00-minimal.modelspec.yaml").read_text()
    text = base + "  operations:\n    serving:\n      port: 8000\n"
    text = text.replace("metadata:\n", "metadata:\n  labels:\n    on: x\n    123: y\n    2024-01-01: z\n")
    reports = Validator().validate_text(text, "x.yaml")
    assert all(f.rule != "MS399" for r in reports for f in r.findings)
    text = text.replace("  name:", "  annotations:\n    1: a\n    '1': b\n  name:")
    finding = Validator().validate_text(text, "x.yaml")[0].findings[0]
    assert finding.rule == "MS302" and "line" in finding.message


@SETTINGS
@given(st.integers(0, 0x9F).filter(lambda c: c not in (9, 10, 13, 0x85) and (c < 0x20 or c >= 0x7F)),
       st.data())
def test_control_characters_are_reported_where_they_are(code: int, data: st.DataObject) -> None:
    lines = (EXAMPLES / "00-minimal.modelspec.yaml").read_text().splitlines(keepends=True)
    n = data.draw(st.integers(0, len(lines) - 1))
    col = data.draw(st.integers(0, len(lines[n]) - 1))
    lines[n] = lines[n][:col] + chr(code) + lines[n][col:]
    raw = "".join(lines).encode("utf-8")
    doc = load_bytes(raw, "x.yaml")[0]
    problem = doc.problems[0]
    assert problem.rule == "MS306", problem
    assert (problem.line, problem.column) == (n + 1, col + 1)


def test_control_character_inside_a_json_string_is_positioned() -> None:
    problem = load_text('{\n  "a": "x\x07y"\n}', "x.json")[0].problems[0]
    assert (problem.rule, problem.line, problem.column) == ("MS301", 2, 10)


def _minimal() -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load((EXAMPLES / "00-minimal.modelspec.yaml").read_text())
    return data


_HOSTILE_STRINGS = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.text(alphabet="\x85\u2028\u2029\x07\x1b\t\r\n \"'#:-?&*!|>%@`{}[],\\\ufeff\x9fé", max_size=10),
    st.sampled_from(["on", "no", "~", "null", "1e5", "010", "1:30", "2024-01-01", "<<", "- x", "? x", "---",
                     "...", " lead", "trail ", ".nan", "0x1F", "true"]),
)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_to_yaml_and_to_json_round_trip_every_string(data: st.DataObject) -> None:
    import modelspec
    from modelspec.spec.schema import bundled

    from .strategies import from_schema

    doc = data.draw(from_schema(bundled()))
    doc["metadata"]["name"] = data.draw(_HOSTILE_STRINGS)
    doc["metadata"]["description"] = data.draw(_HOSTILE_STRINGS)
    doc["metadata"]["labels"] = data.draw(st.dictionaries(_HOSTILE_STRINGS, _HOSTILE_STRINGS, max_size=3))
    doc["spec"]["identity"]["model"]["id"] = data.draw(_HOSTILE_STRINGS)
    spec = modelspec.ModelSpec.model_validate(doc)
    assert modelspec.loads(spec.to_yaml()) == spec
    assert modelspec.loads(spec.to_json(), source="x.json") == spec
    assert modelspec.loads(spec.to_json(indent=None)) == spec


_SNIPPETS = st.sampled_from([
    "!!int 1.5", "!!float x", "!!bool maybe", "!!timestamp x", "!!binary AAAA", "2024-13-45", "1" * 4400,
    "&a x", "*a", "*nope", "<<: *a", "? [a]", "{", "[", "]", "}", "'", '"', "\\ud800", "\t", "\x85", "\ufeff",
    "---", "...", "%YAML 1.1", "- ", ": ", "#", "|", ">-", "!custom", ".nan", "0o17", "0x_", "1_000", "~",
    "\x00", "\x1b[31m", "\u2028", "é",
])


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_loader_never_raises_on_mutated_specs(data: st.DataObject) -> None:
    base = (EXAMPLES / "08-full-production.modelspec.yaml").read_text()
    text = base
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(_SNIPPETS | st.text(max_size=4)) + text[at:]
    for source in ("x.yaml", "x.json"):
        for doc in load_bytes(text.encode("utf-8", "surrogatepass"), source):
            for p in doc.problems:
                assert p.rule.startswith("MS") and p.line and p.column
    reports = Validator().validate_text(text, "x.yaml")
    assert all(f.rule != "MS399" for r in reports for f in r.findings)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_loader_never_raises_on_bytes(raw: bytes) -> None:
    for source in ("x.yaml", "x.json"):
        load_bytes(raw, source)
