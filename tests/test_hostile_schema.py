"""``--schema``: the fast path answers only for schemas it implements exactly (else jsonschema
does), and schemas that cannot run to completion are refused up front: exit 2, one line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from modelspec.spec.loader import LoadedDocument
from modelspec.validate.schema_check import SchemaChecker
from modelspec.validate.schema_file import SchemaFileError, check_schema

from .conftest import EXAMPLES, ROOT

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))

DRAFTS = [None, "https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2019-09/schema",
          "http://json-schema.org/draft-07/schema#", "http://json-schema.org/draft-06/schema#",
          "http://json-schema.org/draft-04/schema#"]
_NUM = st.sampled_from([0, 1, 1.0, 2.5, -1, 10**20, 1e20])
_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), _NUM, st.sampled_from(["", "a", "1"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "c"]), inner,
                                                                         max_size=3)),
    max_leaves=8,
)


@st.composite
def _schema(draw: st.DrawFn, draft4: bool, depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["type"] = draw(st.sampled_from(["integer", "number", "string", "object", "array", "boolean", "null",
                                            ["integer", "string"]]))
    if draw(st.booleans()):
        key = draw(st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]))
        if draft4 and key.startswith("exclusive"):
            out[key.replace("exclusive", "").lower()] = draw(_NUM)
            out[key] = draw(st.booleans())
        else:
            out[key] = draw(_NUM)
    if draw(st.integers(0, 4)) == 0:
        out["enum"] = draw(st.lists(_VALUES, min_size=1, max_size=3))
    if draw(st.integers(0, 5)) == 0:
        out["const"] = draw(_VALUES)
    if depth < 2 and draw(st.booleans()):
        out["properties"] = {k: draw(_schema(draft4, depth + 1)) for k in draw(st.sets(st.sampled_from("abc")))}
        out["required"] = sorted(draw(st.sets(st.sampled_from("abc"), max_size=2)))
        out["additionalProperties"] = draw(st.one_of(st.booleans(), _schema(draft4, depth + 1)))
    if depth < 2 and draw(st.integers(0, 3)) == 0:
        out["items"] = draw(_schema(draft4, depth + 1))
    if draw(st.integers(0, 4)) == 0:
        out["$ref"] = "#/$defs/d" if not draft4 else "#/definitions/d"
    return out


@st.composite
def schemas(draw: st.DrawFn) -> dict[str, Any]:
    draft = draw(st.sampled_from(DRAFTS))
    draft4 = draft is not None and "draft-04" in draft
    root = draw(_schema(draft4))
    defs = {"d": draw(_schema(draft4, 2))}
    defs["d"].pop("$ref", None)
    root["definitions" if draft4 else "$defs"] = defs
    if draft is not None:
        root["$schema"] = draft
    return root


@SETTINGS
@given(schemas(), st.lists(_VALUES, min_size=1, max_size=5))
def test_fast_path_agrees_with_jsonschema_or_steps_aside(schema: dict[str, Any], instances: list[Any]) -> None:
    try:
        check_schema(schema)
    except SchemaFileError as exc:
        # draft-04 meta-schema rules (non-empty required, unique enums) the generator ignores
        assert "not a valid JSON Schema" in str(exc)
        assume(False)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    reference = cls(schema)
    checker = SchemaChecker(schema)
    for instance in instances:
        assert checker.is_valid(instance) == reference.is_valid(instance), (schema, instance)
        if isinstance(instance, dict):
            findings = checker.check(LoadedDocument("<gen>", 0, data=instance))
            assert bool(findings) != reference.is_valid(instance) or any(f.rule in ("MS103", "MS105")
                                                                        for f in findings)


def test_draft4_boolean_exclusive_minimum_and_integer_floats_go_to_jsonschema() -> None:
    d4 = "http://json-schema.org/draft-04/schema#"
    schema = {"$schema": d4, "type": "object", "properties": {
        "n": {"type": "integer", "minimum": 1, "exclusiveMinimum": True}}}
    checker = SchemaChecker(schema)
    assert checker._fast is None
    assert not checker.is_valid({"n": 1}) and checker.is_valid({"n": 2})
    assert not checker.is_valid({"n": 2.0})  # draft-04: 2.0 is not an integer
    d7 = {"$schema": "http://json-schema.org/draft-07/schema#", "$defs": {"s": {"type": "string"}},
          "properties": {"x": {"$ref": "#/$defs/s", "type": "integer"}}}
    assert SchemaChecker(d7)._fast is None and SchemaChecker(d7).is_valid({"x": "a"})


BAD_SCHEMAS = {
    "dangling": ({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}}, "dangling $ref"),
    "remote": ({"properties": {"a": {"$ref": "https://example.com/s.json#/x"}}}, "remote $ref"),
    "relative": ({"properties": {"a": {"$ref": "other.json"}}}, "remote $ref"),
    "cycle": ({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}},
               "$ref": "#/$defs/a"}, "cyclic $ref"),
    "self": ({"$defs": {"a": {"$ref": "#/$defs/a"}}, "properties": {"x": {"$ref": "#/$defs/a"}}}, "cyclic $ref"),
    "draft3": ({"$schema": "http://json-schema.org/draft-03/schema#", "properties": {"a": {"required": True}}},
               "draft-03"),
    "draft3-form": ({"properties": {"a": {"type": "string", "required": True}}}, "draft-03"),
    "any": ({"type": "any"}, "draft-03"),
    "unknown-draft": ({"$schema": "https://example.com/my-meta"}, "unknown $schema"),
    "invalid": ({"type": "integr"}, "not a valid JSON Schema"),
}


@pytest.mark.parametrize("name", sorted(BAD_SCHEMAS))
def test_unusable_schemas_are_refused(name: str) -> None:
    schema, message = BAD_SCHEMAS[name]
    with pytest.raises(SchemaFileError, match=re.escape(message)):
        check_schema(schema)


def test_recursive_schema_through_properties_is_fine() -> None:
    tree = {"$defs": {"node": {"type": "object", "properties": {"kids": {"type": "array",
                                                                            "items": {"$ref": "#/$defs/node"}}}}},
            "$ref": "#/$defs/node"}
    check_schema(tree)
    assert SchemaChecker(tree).is_valid({"kids": [{"kids": []}]})


def _validate(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "modelspec", "validate", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("name", ["dangling", "remote", "cycle", "draft3"])
def test_cli_refuses_with_one_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(BAD_SCHEMAS[name][0]))
    proc = _validate("--schema", str(path), str(EXAMPLES / "00-minimal.modelspec.yaml"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: schema "), proc.stderr


def test_special_files_as_schema_never_block(tmp_path: Path) -> None:
    fifo = tmp_path / "schema.json"
    os.mkfifo(fifo)
    for special in (str(fifo), "/dev/zero"):
        proc = _validate("--schema", special, str(EXAMPLES / "00-minimal.modelspec.yaml"), timeout=30)
        assert proc.returncode == 2 and proc.stderr.startswith("error: cannot read schema"), proc.stderr
