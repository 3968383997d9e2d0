"""Schema stage: a document in, MS1xx findings out, each at the key's line and column."""

from __future__ import annotations

import difflib
from typing import Any

from ..spec.loader import LoadedDocument, escape_pointer_token
from ._fastschema import Check, Unsupported, compile_schema
from .findings import Finding, Severity

_TRAP_TEXT = {
    "boolean": "YAML 1.1 reads `{text}` as the boolean {value}",
    "octal": "YAML 1.1 reads `{text}` as the octal number {value}",
    "sexagesimal": "YAML 1.1 reads `{text}` as the base-60 number {value}",
    "date": "YAML reads `{text}` as a date",
    "number": "YAML reads `{text}` as a number",
    "null": "YAML reads `{text}` as null (no value)",
}


def trap_hint(doc: LoadedDocument, pointer: str, kinds: frozenset[str] | None = None) -> str | None:
    """Explain a YAML 1.1 reading at ``pointer``; ``kinds`` limits which readings are worth naming."""
    trap = doc.traps.get(pointer)
    if trap is None or (kinds is not None and trap.kind not in kinds):
        return None
    if trap.kind == "null" and trap.text in ("", "~", "null", "Null", "NULL"):
        return "an empty value is null: give a value or remove the key"
    value = str(trap.value).lower() if isinstance(trap.value, bool) else trap.value
    reading = _TRAP_TEXT[trap.kind].format(text=trap.text, value=value)
    if trap.kind == "null":
        return f"{reading}; give a value or remove the key"
    return f'{reading}; quote it: "{trap.text}"'


_SURPRISING = frozenset({"boolean", "octal", "sexagesimal", "date", "null"})
_NUMERIC = frozenset({"octal", "sexagesimal"})


class SchemaChecker:
    """Checks documents against one JSON Schema (the bundled one unless told otherwise)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._fast: Check | None
        try:
            self._fast = compile_schema(schema)
        except Unsupported:
            self._fast = None
        self._validator: Any = None

    def _jsonschema(self) -> Any:
        if self._validator is None:
            import jsonschema

            cls = jsonschema.validators.validator_for(self.schema, default=jsonschema.Draft202012Validator)
            cls.check_schema(self.schema)
            self._validator = cls(self.schema)
        return self._validator

    def is_valid(self, data: Any) -> bool:
        if self._fast is not None:
            return self._fast(data)
        return bool(self._jsonschema().is_valid(data))

    def check(self, doc: LoadedDocument) -> list[Finding]:
        if self.is_valid(doc.data):
            return []
        findings: list[Finding] = []
        errors = sorted(self._jsonschema().iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path)))
        for err in errors:
            findings.extend(self._convert(doc, err))
        findings.sort(key=lambda f: (f.line or 0, f.column or 0))
        return findings

    def _convert(self, doc: LoadedDocument, err: Any) -> list[Finding]:
        pointer = "".join("/" + escape_pointer_token(str(p)) for p in err.absolute_path)
        where = pointer or "/"
        line, col = doc.position(pointer)
        keyword = err.validator
        schema = err.schema if isinstance(err.schema, dict) else {}
        if keyword == "additionalProperties" and isinstance(err.instance, dict):
            allowed = list(schema.get("properties", {}))
            out = []
            for key in err.instance:
                if key in allowed:
                    continue
                kp = f"{pointer}/{escape_pointer_token(str(key))}"
                kl, kc = doc.position(kp)
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = (
                    f"did you mean `{close[0]}`?"
                    if close
                    else (f"allowed keys: {', '.join(allowed)}" if allowed else None)
                )
                out.append(Finding("MS101", Severity.ERROR, f"unknown key `{key}` in {where}", kp, kl, kc, hint))
            return out
        if keyword == "required":
            missing = [r for r in err.validator_value if isinstance(err.instance, dict) and r not in err.instance]
            return [
                Finding("MS102", Severity.ERROR, f"missing required key `{m}` in {where}", pointer, line, col)
                for m in missing
            ]
        if keyword == "type":
            want = err.validator_value if isinstance(err.validator_value, str) else " or ".join(err.validator_value)
            got = _json_type(err.instance)
            # "read as a number" only helps where text was expected
            hint = trap_hint(doc, pointer, None if "string" in want else _SURPRISING)
            return [
                Finding(
                    "MS103", Severity.ERROR, f"{where} must be {_article(want)}, got {got}", pointer, line, col, hint
                )
            ]
        if keyword in ("enum", "const"):
            allowed_values = err.validator_value if keyword == "enum" else [err.validator_value]
            words = [str(a) for a in allowed_values]
            close = difflib.get_close_matches(str(err.instance), words, n=1, cutoff=0.5)
            hint = f"did you mean `{close[0]}`?" if close else trap_hint(doc, pointer, _SURPRISING)
            return [
                Finding(
                    "MS104",
                    Severity.ERROR,
                    f"{where} must be {' or '.join(repr(w) for w in words)}, got {err.instance!r}",
                    pointer,
                    line,
                    col,
                    hint,
                )
            ]
        if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            op = {"minimum": "≥", "maximum": "≤", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[keyword]
            return [
                Finding(
                    "MS105",
                    Severity.ERROR,
                    f"{where} must be {op} {err.validator_value}, got {err.instance!r}",
                    pointer,
                    line,
                    col,
                    trap_hint(doc, pointer, _NUMERIC),
                )
            ]
        return [Finding("MS100", Severity.ERROR, f"{where}: {err.message}", pointer, line, col)]


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__ + f" {value}"
