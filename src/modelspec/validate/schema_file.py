"""``--schema FILE``: read a user's JSON Schema safely and refuse what cannot be checked.

Why a stage of its own: a schema is code the validator runs. A FIFO or ``/dev/zero`` given as
the schema must not hang the run; a ``$ref`` that points nowhere, to another file or URL
(never fetched: a validator must not reach the network) or back to itself without consuming
the document would fail or loop in the middle of validation, once per file. Draft-03 forms
(``required: true`` on a property, ``type: any``, ``extends``) are not supported by any
validator we ship. All of these are refused up front as :class:`SchemaFileError`, one line each.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, cast

from .._fileio import InputError, read_regular
from ..errors import ModelSpecError
from ..spec import _json

MAX_SCHEMA_BYTES = 16 * 1024 * 1024
_DRAFT3_KEYWORDS = ("extends", "disallow", "divisibleBy")
_IN_PLACE = ("allOf", "anyOf", "oneOf")
_IN_PLACE_SINGLE = ("not", "if", "then", "else")


class SchemaFileError(ModelSpecError):
    """The ``--schema`` file cannot be used: the message is one line naming the file."""


def load_schema_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The schema in ``path``, checked against its meta-schema and for usable ``$ref``s."""
    name = os.fspath(path)
    try:
        raw = read_regular(name, MAX_SCHEMA_BYTES)
    except InputError as exc:
        raise SchemaFileError(f"cannot read schema {exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SchemaFileError(f"schema {name} is not UTF-8 (byte {exc.start})") from None
    result = _json.parse(text, max_depth=512, max_nodes=2_000_000)
    if result.problem is not None:
        p = result.problem
        detail = p.message.removeprefix("JSON syntax error: ")
        raise SchemaFileError(f"schema {name}:{p.line}:{p.column}: not valid JSON: {detail}")
    schema = result.value
    if not isinstance(schema, dict):
        raise SchemaFileError(f"schema {name} is not a JSON object")
    check_schema(schema, name)
    return schema


def check_schema(schema: dict[str, Any], name: str = "<schema>") -> None:
    """Raise :class:`SchemaFileError` for a schema the validator cannot run to completion."""
    import jsonschema

    draft3 = _draft3_form(schema)
    if draft3 is not None:
        raise SchemaFileError(f"schema {name}: draft-03 form ({draft3}) is not supported; "
                              "write it as draft-07 or 2020-12")
    if "$schema" in schema and jsonschema.validators.validator_for(schema, default=cast(Any, None)) is None:
        raise SchemaFileError(f"schema {name}: unknown $schema {str(schema['$schema'])[:100]!r}")
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        message = exc.message.splitlines()[0][:300]
        raise SchemaFileError(f"schema {name} is not a valid JSON Schema: {message}"
                              + (f" (at /{where})" if where else "")) from None
    _check_refs(schema, name)


def _subschemas(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    stack: list[tuple[str, Any]] = [(pointer, node)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            yield where, value
            stack.extend((f"{where}/{k}", v) for k, v in value.items() if k not in ("enum", "const", "default",
                                                                                     "examples"))
        elif isinstance(value, list):
            stack.extend((f"{where}/{i}", v) for i, v in enumerate(value))


def _draft3_form(schema: dict[str, Any]) -> str | None:
    if "draft-03" in str(schema.get("$schema", "")):
        return "$schema draft-03"
    for where, sub in _subschemas(schema):
        if isinstance(sub.get("required"), bool):
            return f"boolean required at {where or '/'}"
        if sub.get("type") == "any" or (isinstance(sub.get("type"), list) and "any" in sub["type"]):
            return f"type any at {where or '/'}"
        for keyword in _DRAFT3_KEYWORDS:
            if keyword in sub and isinstance(sub[keyword], (dict, list, int, float)):
                return f"{keyword} at {where or '/'}"
    return None


def _check_refs(schema: dict[str, Any], name: str) -> None:
    """Every ``$ref`` resolves inside the file; no chain of in-place references is a loop."""
    from referencing import Registry, Resource
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT202012

    root = Resource.from_contents(schema, default_specification=DRAFT202012)
    base = root.id() or "urn:modelspec:user-schema"
    resolver = Registry().with_resource(base, root).resolver(base_uri=base)
    edges: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    # nested $id: relative refs below it have another base; jsonschema resolves those at run time
    nested_ids = any("$id" in sub for where, sub in _subschemas(schema) if where)
    for where, sub in _subschemas(schema):
        names[id(sub)] = where or "/"
        targets = edges.setdefault(id(sub), [])
        ref = sub.get("$ref")
        if isinstance(ref, str):
            try:
                targets.append(id(resolver.lookup(ref).contents))
            except Unresolvable:
                if nested_ids:
                    continue
                remote = ref.split("#", 1)[0] not in ("", base)
                kind = "remote $ref (never fetched: copy it into $defs)" if remote else "dangling $ref"
                raise SchemaFileError(f"schema {name}: {kind} {ref!r} at {where or '/'}") from None
        targets.extend(id(s) for k in _IN_PLACE for s in (sub.get(k) or []) if isinstance(s, dict))
        targets.extend(id(sub[k]) for k in _IN_PLACE_SINGLE if isinstance(sub.get(k), dict))
    cycle = _find_cycle(edges)
    if cycle is not None:
        raise SchemaFileError(f"schema {name}: cyclic $ref at {names.get(cycle, '?')}: it refers back to itself "
                              "without reaching into the document")


def _find_cycle(edges: dict[int, list[int]]) -> int | None:
    """A node on a cycle of ``edges`` (iterative three-colour depth-first search)."""
    state: dict[int, int] = {}  # 1 on the path, 2 done
    for start in edges:
        if state.get(start):
            continue
        stack: list[tuple[int, Iterator[int]]] = [(start, iter(edges.get(start, ())))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                return child
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(edges.get(child, ()))))
    return None
