"""A compiled yes/no check for the subset of JSON Schema that the ModelSpec schema uses.

Why: ``jsonschema`` costs ~80 ms to import and ~0.4 ms per document; most documents are valid,
and for those a yes is all we need. This module turns the schema into nested closures once
(``compile_schema``) and answers ``True``/``False`` in microseconds. On ``False`` the caller asks
``jsonschema`` for the detailed errors, so messages always come from the reference
implementation. A schema that uses any keyword not handled here raises :class:`Unsupported`
and the caller uses ``jsonschema`` for everything; a property test checks the two agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = {
    "description",
    "title",
    "$schema",
    "$id",
    "default",
    "examples",
    "$defs",
    "$comment",
    "deprecated",
    "readOnly",
    "writeOnly",
}
_HANDLED = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "$ref",
}


_TYPES = {"string", "object", "array", "boolean", "null", "integer", "number"}


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not implement."""


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float))
    raise Unsupported(f"type {name!r}")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def compile_schema(root: dict[str, Any]) -> Check:
    """Compile ``root`` to a predicate; raises :class:`Unsupported` for unknown keywords."""
    compiled_refs: dict[str, Check] = {}

    def resolve(ref: str) -> Check:
        if not ref.startswith("#/"):
            raise Unsupported(f"$ref {ref!r}")
        if ref not in compiled_refs:
            target: Any = root
            for token in ref[2:].split("/"):
                target = target[token.replace("~1", "/").replace("~0", "~")]
            holder: list[Check] = []
            compiled_refs[ref] = lambda v: holder[0](v)  # allows recursive schemas
            holder.append(build(target))
        return compiled_refs[ref]

    def build(schema: Any) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise Unsupported("schema is not an object")
        unknown = set(schema) - _HANDLED - _ANNOTATIONS
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(resolve(schema["$ref"]))
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not set(types) <= _TYPES:
                raise Unsupported(f"type {types!r}")
            checks.append(_typed(tuple(types)))
        if "enum" in schema:
            allowed = list(schema["enum"])
            checks.append(lambda v: any(_equal(v, a) for a in allowed))
        if "const" in schema:
            const = schema["const"]
            checks.append(lambda v: _equal(v, const))
        for key, op in (("minimum", "ge"), ("maximum", "le"), ("exclusiveMinimum", "gt"), ("exclusiveMaximum", "lt")):
            if key in schema:
                checks.append(_bound(schema[key], op))
        if "properties" in schema or "required" in schema or "additionalProperties" in schema:
            checks.append(_object(schema, build))
        if "items" in schema:
            item = build(schema["items"])
            checks.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(c(v) for c in checks)

    return build(root)


def _typed(types: tuple[str, ...]) -> Check:
    return lambda v: any(_is_type(v, t) for t in types)


def _bound(limit: float, op: str) -> Check:
    def check(v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return True
        if op == "ge":
            return bool(v >= limit)
        if op == "le":
            return bool(v <= limit)
        if op == "gt":
            return bool(v > limit)
        return bool(v < limit)

    return check


def _object(schema: dict[str, Any], build: Callable[[Any], Check]) -> Check:
    props = {k: build(s) for k, s in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    extra_check = None if extra is True or extra is False else build(extra)
    closed = extra is False

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for r in required:
            if r not in v:
                return False
        for key, value in v.items():
            sub = props.get(key)
            if sub is not None:
                if not sub(value):
                    return False
            elif closed or (extra_check is not None and not extra_check(value)):
                return False
        return True

    return check
