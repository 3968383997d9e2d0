"""A strict JSON parser (RFC 8259) that keeps the line and column of every value and key.

Why not read JSON as YAML: YAML 1.1 reads ``1e5`` as the string "1e5" and ``1e-05`` (what
``json.dumps(0.00001)`` writes) as text, rejects the standard surrogate-pair escape and limits
keys to 1024 characters. Why not :func:`json.loads`: it forgets positions, keeps the last of two
duplicate keys, accepts ``NaN``/``Infinity`` and recurses without bound.

This parser walks the text once with an explicit stack and regular expressions for tokens;
string escapes are decoded by :func:`json.loads` on the single token, so the decoding is the
standard library's. It records the same things as the YAML loader: JSON pointer → (line, column),
1-based, for each mapping key and each list item; and it stops at the first problem with the
rule id the YAML path uses (MS301 syntax, MS302 duplicate key, MS303 size, MS305 depth).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LITERALS = {"true": True, "false": False, "null": None}
_MAX_DIGITS = 4000  # below Python's int-from-text limit; far above any real count or size


@dataclass(frozen=True, slots=True)
class JsonProblem:
    rule: str
    message: str
    line: int
    column: int
    hint: str | None = None
    path: str = ""


@dataclass(slots=True)
class JsonResult:
    value: Any = None
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    problem: JsonProblem | None = None


class _Stop(Exception):
    def __init__(self, problem: JsonProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class _Frame:
    __slots__ = ("container", "key", "pointer", "pos", "seen")

    def __init__(self, container: dict[str, Any] | list[Any], pointer: str, pos: tuple[int, int]) -> None:
        self.container = container
        self.pointer = pointer
        self.pos = pos
        self.key = ""
        self.seen: dict[str, tuple[int, int]] = {}


class _Parser:
    def __init__(self, text: str, max_depth: int, max_nodes: int) -> None:
        self.text = text
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.nodes = 0
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.result = JsonResult()

    # -- positions and errors --------------------------------------------------------------
    def where(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_left(self.newlines, offset)
        start = self.newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def fail(self, offset: int, message: str, rule: str = "MS301", hint: str | None = None,
             path: str = "") -> _Stop:
        if rule == "MS301":
            message = f"JSON syntax error: {message}"
        return _Stop(JsonProblem(rule, message, *self.where(offset), hint=hint, path=path))

    def ws(self, i: int) -> int:
        m = _WS.match(self.text, i)
        assert m is not None
        return m.end()

    # -- scalars ---------------------------------------------------------------------------
    def string(self, i: int) -> tuple[str, int]:
        m = _STRING.match(self.text, i)
        if m is None:
            raise self._string_error(i)
        token = m.group(0)
        if "\\" not in token:  # the common case: no escapes, the text is the value
            return token[1:-1], m.end()
        value: str = json.loads(token)
        bad = _SURROGATE.search(value)
        if bad is not None:
            raise self.fail(i, f"lone surrogate \\u{ord(bad.group(0)):04x} is not a character",
                            hint="a character outside the BMP is written as a pair: \\ud83d\\ude00")
        return value, m.end()

    def _string_error(self, start: int) -> _Stop:
        text, i = self.text, start + 1
        while i < len(text):
            c = text[i]
            if c == '"':
                break
            if c == "\\":
                if not re.match(r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})', text[i:i + 6]):
                    return self.fail(i, "invalid \\escape", hint='escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX')
                i += 2
                continue
            if ord(c) < 0x20:
                return self.fail(i, f"control character U+{ord(c):04X} inside a string",
                                 hint="write it as an escape such as \\n or \\u0007")
            i += 1
        return self.fail(start, "unterminated string")

    def scalar(self, i: int) -> tuple[Any, int]:
        text = self.text
        c = text[i] if i < len(text) else ""
        if c == '"':
            return self.string(i)
        for word, value in _LITERALS.items():
            if text.startswith(word, i):
                return value, i + len(word)
        m = _NUMBER.match(text, i)
        if m is None or m.end() == i:
            raise self.fail(i, "expecting a value" if c else "unexpected end of input, expecting a value")
        token = m.group(0)
        if m.group(1) or m.group(2):
            return float(token), m.end()
        if len(token) > _MAX_DIGITS:
            raise self.fail(i, f"integer of {len(token)} digits is beyond the 64-bit range", rule="MS105",
                            hint="no count, size or limit is that large")
        return int(token), m.end()

    # -- structure -------------------------------------------------------------------------
    def count(self, i: int) -> None:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise self.fail(i, f"document has more than {self.max_nodes} nodes (oversized document)", "MS303",
                            hint="split the document")

    def open(self, stack: list[_Frame], i: int) -> None:
        if len(stack) >= self.max_depth:
            raise self.fail(i, f"nesting deeper than {self.max_depth} levels", "MS305")
        pointer = self.child_pointer(stack)
        container: dict[str, Any] | list[Any] = {} if self.text[i] == "{" else []
        stack.append(_Frame(container, pointer, self.where(i)))

    @staticmethod
    def child_pointer(stack: list[_Frame]) -> str:
        if not stack:
            return ""
        top = stack[-1]
        if isinstance(top.container, list):
            return f"{top.pointer}/{len(top.container)}"
        return f"{top.pointer}/{_token(top.key)}"

    def place(self, stack: list[_Frame], value: Any, pos: tuple[int, int]) -> bool:
        """Put ``value`` in its parent; ``True`` when it was the root."""
        if not stack:
            self.result.value = value
            return True
        top = stack[-1]
        if isinstance(top.container, list):
            self.result.positions[f"{top.pointer}/{len(top.container)}"] = pos
            top.container.append(value)
        else:
            top.container[top.key] = value
        return False

    def key(self, frame: _Frame, i: int) -> int:
        if i >= len(self.text) or self.text[i] != '"':
            raise self.fail(i, "expecting a property name in double quotes"
                            + (" (no trailing comma before '}')" if self.text[i:i + 1] == "}" else ""))
        pos = self.where(i)
        key, i = self.string(i)
        pointer = f"{frame.pointer}/{_token(key)}"
        first = frame.seen.get(key)
        if first is not None:
            raise _Stop(JsonProblem("MS302", f"duplicate key '{key}' (first at line {first[0]}, again at line "
                                    f"{pos[0]})", *pos, hint="JSON readers keep only one of them; remove or "
                                    "rename the other", path=pointer))
        frame.seen[key] = pos
        frame.key = key
        self.result.positions[pointer] = pos
        i = self.ws(i)
        if self.text[i:i + 1] != ":":
            raise self.fail(i, "expecting ':' after the property name")
        return i + 1

    def run(self) -> None:
        text = self.text
        stack: list[_Frame] = []
        i = self.ws(0)
        expect_value = True
        while True:
            i = self.ws(i)
            if expect_value:
                c = text[i:i + 1]
                self.count(i)
                if c in ("{", "["):
                    self.open(stack, i)
                    i = self.ws(i + 1)
                    close = "}" if c == "{" else "]"
                    if text[i:i + 1] == close:
                        frame = stack.pop()
                        if self.place(stack, frame.container, frame.pos):
                            break
                        i, expect_value = i + 1, False
                    elif c == "{":
                        i = self.key(stack[-1], i)
                    continue
                pos = self.where(i)
                value, i = self.scalar(i)
                if self.place(stack, value, pos):
                    break
                expect_value = False
                continue
            top = stack[-1]
            c = text[i:i + 1]
            close = "}" if isinstance(top.container, dict) else "]"
            if c == ",":
                i = self.ws(i + 1)
                if isinstance(top.container, dict):
                    i = self.key(top, i)
                elif text[i:i + 1] == "]":
                    raise self.fail(i, "expecting a value (no trailing comma before ']')")
                expect_value = True
            elif c == close:
                stack.pop()
                i += 1
                if self.place(stack, top.container, top.pos):
                    break
            else:
                raise self.fail(i, f"expecting ',' or '{close}'" if c else f"unexpected end of input, expecting "
                                f"',' or '{close}'")
        i = self.ws(i)
        if i < len(text):
            raise self.fail(i, "extra data after the JSON value")


def parse(text: str, *, max_depth: int, max_nodes: int) -> JsonResult:
    """Parse one JSON text; a problem comes back in ``result.problem``, never as an exception."""
    parser = _Parser(text, max_depth, max_nodes)
    try:
        raw = _SURROGATE.search(text)  # only a str handed in by a caller can hold one
        if raw is not None:
            raise parser.fail(raw.start(), "lone surrogate is not a character")
        parser.run()
    except _Stop as stop:
        return JsonResult(problem=stop.problem)
    return parser.result


def is_syntax_problem(result: JsonResult) -> bool:
    return result.problem is not None and result.problem.rule == "MS301"
