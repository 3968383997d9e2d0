"""The JSON Schema of ModelSpec, generated from the pydantic models.

``schema/modelspec.v1alpha1.json`` is this module's output (``python -m modelspec.spec.schema``
rewrites it); the packaged copy under ``modelspec/data`` is the same file. A test regenerates the
schema and fails on any difference, so the models and the schema cannot drift apart.

The generator is tuned to produce a schema that reads like the public v0.1 one: no titles, no
``null`` branches for optional fields, ``additionalProperties: false`` everywhere.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

# resolvable: the raw file in the repository, so editors and jsonschema can fetch it by its $id
SCHEMA_ID = "https://raw.githubusercontent.com/piqc/modelspec/main/schema/modelspec.v1alpha1.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = "modelspec.v1alpha1.json"
V01_ID = "https://piqc.ai/schemas/modelspec.v0.1.json"


def _data_file(name: str) -> Path:
    # The package's own data folder; not importlib.resources, which costs the validate path ~10 ms
    # of imports (tempfile, zipfile) for the same file.
    return Path(os.path.dirname(os.path.abspath(__file__))).parent / "data" / name


def generate() -> dict[str, Any]:
    """Build the JSON Schema from :class:`modelspec.spec.models.ModelSpec`."""
    from pydantic.json_schema import GenerateJsonSchema
    from pydantic_core import core_schema

    from .models import ModelSpec

    class _Gen(GenerateJsonSchema):
        def nullable_schema(self, schema: core_schema.NullableSchema) -> Any:
            # Optional fields are "may be absent", not "may be null".
            return self.generate_inner(schema["schema"])

        def default_schema(self, schema: core_schema.WithDefaultSchema) -> Any:
            if schema.get("default", ...) is None:
                return self.generate_inner(schema["schema"])
            return super().default_schema(schema)

        def field_title_should_be_set(self, schema: Any) -> bool:
            return False

        def model_schema(self, schema: core_schema.ModelSchema) -> Any:
            out = super().model_schema(schema)
            out.pop("title", None)
            return out

    body: dict[str, Any] = ModelSpec.model_json_schema(by_alias=True, schema_generator=_Gen, mode="validation")
    body.pop("title", None)
    doc: dict[str, Any] = {"$schema": DRAFT, "$id": SCHEMA_ID, "title": "ModelSpec v1alpha1"}
    doc.update(body)
    result: dict[str, Any] = _strip_model_docstrings(doc)
    return result


def _strip_model_docstrings(node: Any) -> Any:
    """Class docstrings are for Python readers; keep only field descriptions in the schema."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$defs":
                out[key] = {name: _drop_desc(_strip_model_docstrings(d)) for name, d in value.items()}
            else:
                out[key] = _strip_model_docstrings(value)
        return out
    if isinstance(node, list):
        return [_strip_model_docstrings(v) for v in node]
    return node


def _drop_desc(definition: dict[str, Any]) -> dict[str, Any]:
    if definition.get("type") == "object":
        definition.pop("description", None)
    return definition


def render(schema_id: str = SCHEMA_ID, title: str = "ModelSpec v1alpha1") -> str:
    """The schema as committed: two-space indent, trailing newline."""
    doc = generate()
    doc.pop("description", None)
    doc["$id"] = schema_id
    doc["title"] = title
    return json.dumps(doc, indent=2) + "\n"


def committed_files() -> dict[str, str]:
    """Relative path -> content of every generated schema file (see tooling/generate.py).

    ``modelspec.v0.1.json`` carries the same rules: every document the public v0.1 schema
    accepts is accepted, and users keep running ``validate.py --schema schema/modelspec.v0.1.json``.
    """
    main = render()
    compat = render(V01_ID, "ModelSpec v0.1 (compatible superset, same as v1alpha1)")
    return {
        f"schema/{SCHEMA_FILE}": main,
        f"src/modelspec/data/{SCHEMA_FILE}": main,
        "schema/modelspec.v0.1.json": compat,
    }


@lru_cache(maxsize=1)
def _bundled_text() -> str:
    return _data_file(SCHEMA_FILE).read_text(encoding="utf-8")


def bundled() -> dict[str, Any]:
    """The schema shipped inside the package (what the validator uses by default).

    A fresh object each call: callers (and libraries such as hypothesis-jsonschema) may change it.
    """
    result: dict[str, Any] = json.loads(_bundled_text())
    return result
