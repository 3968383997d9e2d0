"""``modelspec explain FIELD``: what a spec field is, read from the models and the rule table.

The description comes from the pydantic models (a field's ``description``, else the docstring of
the object it holds); type, allowed values and bounds from the JSON Schema generated from those
same models; the rules that read the field from ``validate.rules.RULE_FIELDS``. Nothing here is
written twice, so the explanation cannot drift from what the validator checks.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

_BOUNDS = {"minimum": "≥", "maximum": "≤", "exclusiveMinimum": ">", "exclusiveMaximum": "<",
           "minItems": "items ≥", "maxItems": "items ≤", "minLength": "length ≥", "maxLength": "length ≤"}


class UnknownField(LookupError):
    """No such field; the message names the closest one."""


@dataclass(slots=True)
class Explanation:
    path: str
    type: str
    description: str
    required: bool
    constraints: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    rules: list[tuple[str, str, str]] = field(default_factory=list)  # (id, severity, title)

    def render(self) -> str:
        lines = [self.path, f"  type:        {self.type}", f"  required:    {'yes' if self.required else 'no'}"]
        if self.description:
            lines.append(f"  description: {self.description}")
        if self.constraints:
            lines.append(f"  allowed:     {'; '.join(self.constraints)}")
        if self.children:
            lines.append(f"  keys:        {', '.join(self.children)}")
        for rule_id, severity, title in self.rules:
            lines.append(f"  rule:        {rule_id} ({severity}) {title}")
        return "\n".join(lines) + "\n"


def _tokens(path: str) -> list[str]:
    return [t for t in re.split(r"[./]", path.replace("[]", "")) if t]


def explain(path: str) -> Explanation:
    """Explain ``path`` (dotted wire names such as ``spec.runtime.accelerator.count``)."""
    from .schema import bundled

    schema = bundled()
    node: dict[str, Any] = schema
    required = True
    model_name = "ModelSpec"
    walked: list[str] = []
    for token in _tokens(path):
        node, model_name = _deref(schema, node, model_name)
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            node, model_name = _deref(schema, node["items"], model_name)
        props: dict[str, Any] = node.get("properties", {})
        if token not in props:
            where = ".".join(walked) or "the top level"
            close = difflib.get_close_matches(token, list(props), n=1)
            keys = f"; keys: {', '.join(props)}" if props else ""
            hint = f"; did you mean `{close[0]}`?" if close else keys
            raise UnknownField(f"no field `{token}` in {where}{hint}")
        required = required and token in node.get("required", [])
        walked.append(token)
        node = props[token]
    target, target_model = _deref(schema, node, model_name)
    dotted = ".".join(walked)
    return Explanation(dotted or "(the whole document)", _type_of(schema, node),
                       _description(node, target_model, dotted), required, _constraints(target),
                       list(target.get("properties", {})), _rules_for(dotted))


def _deref(schema: dict[str, Any], node: dict[str, Any], model: str) -> tuple[dict[str, Any], str]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.rsplit("/", 1)[1]
        return schema["$defs"][name], name
    return node, model


def _type_of(schema: dict[str, Any], node: dict[str, Any]) -> str:
    ref = node.get("$ref")
    if isinstance(ref, str):
        return f"object ({ref.rsplit('/', 1)[1]})"
    kind = node.get("type", "any")
    if kind == "array" and isinstance(node.get("items"), dict):
        return f"list of {_type_of(schema, node['items'])}"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        return f"mapping of string to {_type_of(schema, node['additionalProperties'])}"
    return str(kind)


def _description(node: dict[str, Any], model: str, dotted: str) -> str:
    text = node.get("description")
    if isinstance(text, str) and text:
        return text
    if "$ref" in node or not dotted:
        from . import models

        cls = getattr(models, model, None)
        doc = (cls.__doc__ or "") if cls is not None else ""
        return " ".join(doc.strip().split("\n\n")[0].split())
    return ""


def _constraints(node: dict[str, Any]) -> list[str]:
    out = []
    if "const" in node:
        out.append(f"exactly {node['const']!r}")
    if "enum" in node:
        out.append("one of " + ", ".join(repr(v) for v in node["enum"]))
    for key, op in _BOUNDS.items():
        if key in node:
            out.append(f"{op} {node[key]}")
    if "pattern" in node:
        out.append(f"matches {node['pattern']}")
    return out


def _rules_for(dotted: str) -> list[tuple[str, str, str]]:
    from ..validate.rules import RULE_FIELDS, RULES

    hits = []
    for rule_id, fields in RULE_FIELDS.items():
        names = [f.replace("[]", "") for f in fields]
        if any(n == dotted or n.startswith(dotted + ".") or dotted.startswith(n + ".") for n in names):
            rule = RULES[rule_id]
            hits.append((rule.id, rule.severity.value, rule.title))
    return hits
