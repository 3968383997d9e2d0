"""Property tests: schema-valid documents load into the models and dump back unchanged, and the
compiled fast check agrees with jsonschema on valid and mutated documents."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelspec.spec.models import ModelSpec
from modelspec.spec.schema import bundled
from modelspec.validate._fastschema import compile_schema

from .strategies import from_schema

SCHEMA = bundled()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
FAST = compile_schema(SCHEMA)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(from_schema(SCHEMA))
def test_schema_valid_documents_round_trip_through_models(doc: dict[str, Any]) -> None:
    spec = ModelSpec.model_validate(doc, strict=True)
    assert spec.to_dict() == doc
    assert ModelSpec.model_validate(spec.to_dict(), strict=True) == spec
    assert FAST(doc)
    assert VALIDATOR.is_valid(doc)


def _mutations(doc: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))

    walk(doc, ())
    replacement = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 70000),
        st.floats(allow_nan=False),
        st.text(max_size=5),
        st.just({}),
        st.just([]),
        st.just({"unknownKey": 1}),
    )

    @st.composite
    def mutate(draw: st.DrawFn) -> dict[str, Any]:
        new = copy.deepcopy(doc)
        path = draw(st.sampled_from(paths))
        if not path:
            return new
        parent: Any = new
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(replacement)
        return new

    return mutate()


@SETTINGS
@given(from_schema(SCHEMA).flatmap(_mutations))
def test_fast_check_agrees_with_jsonschema(doc: dict[str, Any]) -> None:
    assert FAST(doc) == VALIDATOR.is_valid(doc)
