"""A hypothesis strategy for documents valid under the keyword subset our schema uses.

hypothesis-jsonschema 0.23 breaks on current hypothesis (``'many' object has no attribute
'more'``); our schema needs only type/properties/required/additionalProperties/items/enum/
const/minimum/maximum/exclusiveMinimum/$ref, which is little enough to generate directly.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_KEY = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ_-./0123456789", min_size=1, max_size=10)


def from_schema(schema: dict[str, Any], root: dict[str, Any] | None = None, depth: int = 0) -> st.SearchStrategy[Any]:
    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return from_schema(root["$defs"][name], root, depth)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    typ = schema.get("type")
    if typ == "string":
        return _TEXT
    if typ == "boolean":
        return st.booleans()
    if typ == "integer":
        lo = schema.get("minimum", schema.get("exclusiveMinimum", -(10**6) - 1) + 1)
        return st.integers(min_value=lo, max_value=schema.get("maximum", 10**12))
    if typ == "number":
        if "exclusiveMinimum" in schema:
            return st.floats(min_value=schema["exclusiveMinimum"], exclude_min=True, max_value=1e9, allow_nan=False)
        return st.one_of(
            st.integers(min_value=int(schema.get("minimum", -(10**6))), max_value=10**6),
            st.floats(min_value=schema.get("minimum", -1e9), max_value=1e9, allow_nan=False),
        )
    if typ == "array":
        return st.lists(from_schema(schema["items"], root, depth + 1), max_size=3 if depth < 6 else 0)
    if typ == "object":
        props = schema.get("properties")
        if props is None:
            values = from_schema(schema.get("additionalProperties", {"type": "string"}), root, depth + 1)
            return st.dictionaries(_KEY, values, max_size=3)
        required = set(schema.get("required", ()))
        fixed = {k: from_schema(v, root, depth + 1) for k, v in props.items() if k in required}
        optional = {k: from_schema(v, root, depth + 1) for k, v in props.items() if k not in required}
        return st.fixed_dictionaries(fixed, optional=optional)
    raise NotImplementedError(f"schema keyword set not covered: {sorted(schema)}")
