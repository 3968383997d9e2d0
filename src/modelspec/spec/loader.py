"""Safe YAML/JSON loader that keeps the line and column of every node.

Why not ``yaml.safe_load``: it forgets positions, silently keeps the last of two duplicate keys,
expands aliases without bound when the result is walked (the "billion laughs" file), and reads
YAML 1.1 words such as ``no`` or ``010`` as booleans and octal numbers without a trace.

This loader builds plain Python values straight from the parser's event stream (libyaml's C
parser when present), with an explicit stack instead of recursion. On the way it records:

* ``positions``: JSON pointer → (line, column), 1-based; for a mapping entry, the key's place;
* ``traps``: JSON pointer → the YAML 1.1 reading of a plain scalar that probably was not meant;
* and it refuses duplicate keys, deep nesting, alias expansion past a bound, unknown tags.

Problems come back as :class:`LoadProblem` values, never as exceptions to the caller.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_NODES = 100_000  # nodes after alias expansion, per document
DEFAULT_MAX_ALIASES = 100  # alias uses per document

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_KNOWN_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, "tag:yaml.org,2002:binary"}

_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds that make hostile input fail fast instead of hanging or eating memory."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_nodes: int = DEFAULT_MAX_NODES
    max_aliases: int = DEFAULT_MAX_ALIASES


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """Why (part of) a file could not be loaded. ``rule`` is an MS3xx id."""

    rule: str
    message: str
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    path: str = ""


@dataclass(frozen=True, slots=True)
class Trap:
    """A plain YAML 1.1 scalar read as something other than text."""

    text: str
    kind: str  # "boolean", "octal", "sexagesimal", "date", "number", "null"
    value: Any


@dataclass(slots=True)
class LoadedDocument:
    """One document of a file: its data (or the problems that stopped it) and where things are."""

    source: str
    index: int
    data: Any = None
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    traps: dict[str, Trap] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)
    fmt: str = "yaml"

    @property
    def ok(self) -> bool:
        return not self.problems

    def position(self, pointer: str) -> tuple[int, int]:
        """Where ``pointer`` (or its nearest recorded ancestor) starts; (1, 1) if nothing is known."""
        p = pointer
        while True:
            pos = self.positions.get(p)
            if pos is not None:
                return pos
            if not p:
                return (1, 1)
            p = p.rsplit("/", 1)[0]


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class _Abort(Exception):
    def __init__(self, problem: LoadProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _Frame:
    """A mapping or sequence being built."""

    __slots__ = ("anchor", "container", "key", "key_pos", "keys_seen", "merged", "pointer", "pos", "weight")

    def __init__(self, container: Any, pointer: str, anchor: str | None, pos: tuple[int, int]) -> None:
        self.container = container
        self.pointer = pointer
        self.anchor = anchor
        self.pos = pos
        self.weight = 1
        self.key: Any = _NO_KEY
        self.key_pos: tuple[int, int] = pos
        self.keys_seen: dict[Any, tuple[int, int]] | None = {} if isinstance(container, dict) else None
        self.merged: set[Any] = set()


_NO_KEY = object()


class _Builder:
    """Turns one document's events into Python values with positions, bounded."""

    def __init__(self, doc: LoadedDocument, limits: Limits) -> None:
        self.doc = doc
        self.limits = limits
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.alias_uses = 0
        self.nodes = 0
        self.root: Any = None
        self.has_root = False
        self.resolver = _Loader("")  # a resolver/constructor pair, reused for tag logic
        self.constructor = yaml.constructor.SafeConstructor()

    # -- helpers -------------------------------------------------------------------------
    def _child_pointer(self, frame: _Frame) -> str:
        if frame.keys_seen is None:
            return f"{frame.pointer}/{len(frame.container)}"
        return f"{frame.pointer}/{escape_pointer_token(str(frame.key))}"

    def _count(self, weight: int, pos: tuple[int, int]) -> None:
        self.nodes += weight
        if self.nodes > self.limits.max_nodes:
            raise _Abort(
                LoadProblem(
                    "MS303",
                    f"document expands to more than {self.limits.max_nodes} nodes (alias bomb or oversized document)",
                    *pos,
                    hint="remove the repeated aliases or split the document",
                )
            )

    def _place(self, value: Any, weight: int, pos: tuple[int, int], anchor: str | None) -> None:
        """Put a finished value into its parent (or make it the root)."""
        if anchor is not None:
            self.anchors[anchor] = (value, weight)
        if not self.stack:
            self.root = value
            self.has_root = True
            return
        parent = self.stack[-1]
        parent.weight += weight
        if parent.keys_seen is None:
            self.doc.positions[f"{parent.pointer}/{len(parent.container)}"] = pos
            parent.container.append(value)
            return
        if parent.key is _NO_KEY:
            self._take_key(parent, value, pos)
            return
        key = parent.key
        parent.key = _NO_KEY
        if key is _MERGE_KEY:
            self._merge(parent, value, pos)
            return
        parent.container[key] = value

    def _take_key(self, parent: _Frame, key: Any, pos: tuple[int, int]) -> None:
        if isinstance(key, (dict, list)):
            raise _Abort(LoadProblem("MS301", "a mapping key must be a scalar", *pos))
        assert parent.keys_seen is not None
        if key is _MERGE_KEY:
            parent.key = key
            return
        first = parent.keys_seen.get(key)
        if first is not None and key in parent.merged:
            parent.merged.discard(key)  # an explicit key overrides one merged in with '<<'
        elif first is not None:
            raise _Abort(
                LoadProblem(
                    "MS302",
                    f"duplicate key '{key}' (first at line {first[0]}, again at line {pos[0]})",
                    *pos,
                    hint="YAML keeps only one of them; remove or rename the other",
                    path=f"{parent.pointer}/{escape_pointer_token(str(key))}",
                )
            )
        parent.keys_seen[key] = pos
        parent.key = key
        self.doc.positions[f"{parent.pointer}/{escape_pointer_token(str(key))}"] = pos

    def _merge(self, parent: _Frame, value: Any, pos: tuple[int, int]) -> None:
        sources = value if isinstance(value, list) else [value]
        for src in sources:
            if not isinstance(src, dict):
                raise _Abort(LoadProblem("MS301", "'<<' merge needs a mapping or a list of mappings", *pos))
            assert parent.keys_seen is not None
            for k, v in src.items():
                if k not in parent.container:
                    parent.container[k] = v
                    parent.merged.add(k)
                    parent.keys_seen.setdefault(k, pos)
                    self.doc.positions.setdefault(f"{parent.pointer}/{escape_pointer_token(str(k))}", pos)

    def _scalar(self, ev: Any) -> tuple[Any, str]:
        value: str = ev.value
        tag = ev.tag
        plain = ev.implicit[0]
        if tag is None or tag == "!":
            tag = self.resolver.resolve(yaml.ScalarNode, value, ev.implicit)  # type: ignore[no-untyped-call]
        if tag == _STR:
            return value, tag
        if tag == "tag:yaml.org,2002:merge" and plain:
            return _MERGE_KEY, tag
        if tag not in _KNOWN_SCALAR_TAGS:
            raise _Abort(
                LoadProblem(
                    "MS309",
                    f"unsupported tag {tag!r}: only plain YAML/JSON data is accepted",
                    *_mark(ev.start_mark),
                )
            )
        node = yaml.ScalarNode(tag, value, ev.start_mark, ev.end_mark, ev.style)
        try:
            result = self.constructor.construct_object(node)
        except yaml.YAMLError as exc:
            raise _Abort(
                LoadProblem("MS301", f"bad {tag.rsplit(':', 1)[-1]} value {value!r}: {exc}", *_mark(ev.start_mark))
            ) from None
        return result, tag

    def _note_trap(self, pointer: str, ev: Any, tag: str, value: Any) -> None:
        if not ev.implicit[0] or ev.style:
            return
        text = ev.value
        kind: str | None = None
        if tag == _BOOL and text.lower() not in ("true", "false"):
            kind = "boolean"
        elif tag == _INT and ":" in text:
            kind = "sexagesimal"
        elif tag == _INT and _OCTAL.match(text):
            kind = "octal"
        elif tag == _FLOAT and ":" in text:
            kind = "sexagesimal"
        elif tag == _TIMESTAMP:
            kind = "date"
        elif tag in (_INT, _FLOAT):
            kind = "number"
        elif tag == _NULL:
            kind = "null"
        if kind is not None:
            self.doc.traps[pointer] = Trap(text, kind, value)

    # -- event handling ------------------------------------------------------------------
    def feed(self, ev: Any) -> None:
        if isinstance(ev, yaml.ScalarEvent):
            pos = _mark(ev.start_mark)
            value, tag = self._scalar(ev)
            self._count(1, pos)
            if self.stack:
                parent = self.stack[-1]
                if parent.keys_seen is None or parent.key is not _NO_KEY:
                    self._note_trap(self._child_pointer(parent), ev, tag, value)
            else:
                self._note_trap("", ev, tag, value)
            self._place(value, 1, pos, ev.anchor)
        elif isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            pos = _mark(ev.start_mark)
            if ev.tag not in (None, "!", _MAP, _SEQ):
                raise _Abort(LoadProblem("MS309", f"unsupported tag {ev.tag!r}", *pos))
            if len(self.stack) >= self.limits.max_depth:
                raise _Abort(LoadProblem("MS305", f"nesting deeper than {self.limits.max_depth} levels", *pos))
            if self.stack:
                parent = self.stack[-1]
                if parent.keys_seen is not None and parent.key is _NO_KEY:
                    raise _Abort(LoadProblem("MS301", "a mapping key must be a scalar", *pos))
                pointer = self._child_pointer(parent)
            else:
                pointer = ""
            self._count(1, pos)
            container: Any = {} if isinstance(ev, yaml.MappingStartEvent) else []
            self.stack.append(_Frame(container, pointer, ev.anchor, pos))
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = self.stack.pop()
            self._place(frame.container, frame.weight, frame.pos, frame.anchor)
        elif isinstance(ev, yaml.AliasEvent):
            pos = _mark(ev.start_mark)
            if ev.anchor not in self.anchors:
                # libyaml reports unknown anchors itself; an anchor still open means recursion.
                raise _Abort(LoadProblem("MS303", f"alias *{ev.anchor} refers to itself", *pos))
            self.alias_uses += 1
            if self.alias_uses > self.limits.max_aliases:
                raise _Abort(
                    LoadProblem(
                        "MS303",
                        f"more than {self.limits.max_aliases} alias uses",
                        *pos,
                        hint="aliases are limited to stop 'billion laughs' expansion",
                    )
                )
            value, weight = self.anchors[ev.anchor]
            self._count(weight, pos)
            self._place(value, weight, pos, None)


_MERGE_KEY = object()


def _decode(raw: bytes, source: str) -> tuple[str | None, LoadProblem | None]:
    if not raw.strip():
        return None, LoadProblem(
            "MS307", "file is empty", 1, 1, hint="a ModelSpec needs apiVersion, kind, metadata and spec"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul != -1:
        line = raw.count(b"\n", 0, nul) + 1
        return None, LoadProblem("MS306", "binary content (NUL byte): not a YAML or JSON text file", line, 1)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, LoadProblem(
            "MS306", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line, col, hint="save the file as UTF-8"
        )


def looks_like_json(text: str, source: str) -> bool:
    if source.lower().endswith(".json"):
        return True
    stripped = text.lstrip()
    return stripped.startswith("{")


def load_text(text: str, source: str = "<string>", limits: Limits | None = None) -> list[LoadedDocument]:
    """Parse every document in ``text``. Never raises for bad input: see ``LoadedDocument.problems``."""
    limits = limits or Limits()
    fmt = "json" if looks_like_json(text, source) else "yaml"
    docs: list[LoadedDocument] = []
    current: LoadedDocument | None = None
    builder: _Builder | None = None
    try:
        for ev in yaml.parse(text, Loader=_Loader):
            if isinstance(ev, yaml.DocumentStartEvent):
                current = LoadedDocument(source, len(docs), fmt=fmt)
                builder = _Builder(current, limits)
            elif isinstance(ev, yaml.DocumentEndEvent):
                assert current is not None and builder is not None
                current.data = builder.root
                docs.append(current)
                current = builder = None
            elif builder is not None:
                builder.feed(ev)
    except _Abort as abort:
        assert current is not None
        current.problems.append(abort.problem)
        current.positions.clear()
        docs.append(current)
        return docs
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark(mark)
        problem = exc.problem or str(exc)
        if fmt == "json":
            jp = _json_problem(text)
            if jp is not None:
                line, col, problem = jp
        doc = current or LoadedDocument(source, len(docs), fmt=fmt)
        doc.problems.append(LoadProblem("MS301", f"{fmt.upper()} syntax error: {problem}", line, col))
        doc.positions.clear()
        docs.append(doc)
        return docs
    except yaml.YAMLError as exc:  # reader errors (control characters, …)
        doc = current or LoadedDocument(source, len(docs), fmt=fmt)
        mark = getattr(exc, "problem_mark", None)
        doc.problems.append(LoadProblem("MS306", f"unreadable characters: {exc}", *_mark(mark)))
        docs.append(doc)
        return docs
    except RecursionError:  # pragma: no cover - the explicit stack should prevent this
        doc = current or LoadedDocument(source, len(docs), fmt=fmt)
        doc.problems.append(LoadProblem("MS305", "nesting too deep", 1, 1))
        docs.append(doc)
        return docs
    if fmt == "json" and source.lower().endswith(".json") and len(docs) == 1 and not docs[0].problems:
        jp = _json_problem(text)  # YAML is laxer than JSON (trailing commas, comments, tabs)
        if jp is not None:
            docs[0].problems.append(LoadProblem("MS301", f"JSON syntax error: {jp[2]}", jp[0], jp[1]))
            docs[0].positions.clear()
            return docs
    if not docs or (all(d.data is None and not d.problems for d in docs) and len(docs) == 1):
        empty = docs[0] if docs else LoadedDocument(source, 0, fmt=fmt)
        empty.problems.append(LoadProblem("MS307", "no document: the file holds only comments or whitespace", 1, 1))
        return [empty]
    for doc in docs:
        if doc.problems:
            continue
        if doc.data is None:
            doc.problems.append(LoadProblem("MS307", f"document {doc.index} is empty", 1, 1))
        elif not isinstance(doc.data, dict):
            kind = type(doc.data).__name__
            kind = {
                "list": "a list",
                "str": "a string",
                "int": "a number",
                "float": "a number",
                "bool": "a boolean",
            }.get(kind, kind)
            doc.problems.append(
                LoadProblem(
                    "MS308",
                    f"top level is {kind}, expected a mapping with apiVersion, kind, metadata and spec",
                    *doc.position(""),
                )
            )
    return docs


def _json_problem(text: str) -> tuple[int, int, str] | None:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.lineno, exc.colno, exc.msg
    except RecursionError:
        return 1, 1, "nesting too deep"
    return None


def load_bytes(raw: bytes, source: str, limits: Limits | None = None) -> list[LoadedDocument]:
    limits = limits or Limits()
    if len(raw) > limits.max_bytes:
        return [LoadedDocument(source, 0, problems=[_too_big(len(raw), limits)])]
    text, problem = _decode(raw, source)
    if problem is not None:
        return [LoadedDocument(source, 0, problems=[problem])]
    assert text is not None
    return load_text(text, source, limits)


def _too_big(size: int, limits: Limits) -> LoadProblem:
    return LoadProblem(
        "MS304",
        f"file is {size} bytes, over the {limits.max_bytes}-byte limit",
        1,
        1,
        hint="raise the limit with --max-bytes if this is intended",
    )


class FileUnreadable(Exception):
    """The path could not be read at all (missing, a directory, permissions): an I/O error."""


def load_file(path: str | os.PathLike[str], limits: Limits | None = None) -> list[LoadedDocument]:
    """Load a file from disk. Raises :class:`FileUnreadable` only for I/O errors."""
    limits = limits or Limits()
    source = os.fspath(path)
    try:
        size = os.stat(source).st_size
        if size > limits.max_bytes:
            return [LoadedDocument(source, 0, problems=[_too_big(size, limits)])]
        with open(source, "rb") as fh:
            raw = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise FileUnreadable(f"{source}: {exc.strerror or exc}") from None
    return load_bytes(raw, source, limits)
