"""``resolve --write``: put the resolver's choice into a spec file, keeping everything else.

YAML goes through ruamel.yaml's round-trip mode, the one maintained Python YAML library that
keeps comments, key order, quoting and number spelling (PyYAML drops comments and reformats);
it is imported here only, so nothing else pays for it. JSON keeps key order through the standard
library. The new text is parsed back as a ModelSpec before anything is written, and written
through a temporary file created exclusively beside the target, then renamed over it: a failed
write leaves the original untouched, and a planted ``*.tmp`` symlink is never followed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ModelSpecError


class WriteError(ModelSpecError):
    """The spec could not be written (missing directory, I/O error, result not a valid spec)."""


def _set_yaml(root: Any, dotted: str, value: Any) -> None:
    from ruamel.yaml.comments import CommentedMap

    node = root
    *parents, last = dotted.split(".")
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = CommentedMap()
            node[key] = child
        node = child
    node[last] = value


def updated_yaml(text: str, updates: dict[str, Any]) -> str:
    """``text`` with ``updates`` (dotted path → value) applied to its first YAML document in place;
    any further documents are kept as they are."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.util import load_yaml_guess_indent

    try:
        _, seq_indent, seq_offset = load_yaml_guess_indent(_first_document(text))
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096  # never re-wrap the user's long lines
        yaml.indent(mapping=_mapping_indent(text), sequence=seq_indent or 2, offset=seq_offset or 0)
        docs = list(yaml.load_all(text))
        if not docs or not isinstance(docs[0], dict):
            raise WriteError("the spec is not a YAML mapping")
        for dotted, value in updates.items():
            _set_yaml(docs[0], dotted, value)
        out = io.StringIO()
        if len(docs) == 1:
            yaml.dump(docs[0], out)
        else:
            yaml.explicit_start = text.lstrip().startswith("---")
            yaml.dump_all(docs, out)
    except (YAMLError, RecursionError) as exc:
        raise WriteError(f"cannot rewrite the spec as YAML: {str(exc).splitlines()[0][:200]}") from None
    return out.getvalue()


def _first_document(text: str) -> str:
    lines = text.splitlines(keepends=True)
    seen_content = False
    for i, line in enumerate(lines):
        if line.rstrip() == "---" and seen_content:
            return "".join(lines[:i])
        if line.strip() and not line.lstrip().startswith("#") and line.rstrip() != "---":
            seen_content = True
    return text


def _mapping_indent(text: str) -> int:
    """Indent of the first nested mapping key (ruamel's guess measures sequences only)."""
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if line.startswith(" ") and stripped and not stripped.startswith(("-", "#")) and ":" in stripped:
            return len(line) - len(stripped)
    return 2


def updated_json(text: str, updates: dict[str, Any]) -> str:
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise WriteError("the spec is not a JSON object")
    for dotted, value in updates.items():
        node = doc
        *parents, last = dotted.split(".")
        for key in parents:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[last] = value
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def atomic_write(target: Path, produce: Callable[[], str]) -> None:
    """Write ``produce()`` to ``target`` through the package's one atomic writer."""
    from .._fileio import OutputError, write_atomic

    if target.is_dir():
        raise WriteError(f"cannot write {target}: it is a directory")
    text = produce()
    try:
        write_atomic(target, text)
    except OutputError as exc:
        raise WriteError(str(exc)) from None


def write_resolved(source: Path, target: Path, updates: dict[str, Any]) -> None:
    """``source`` with ``updates`` applied, checked as a ModelSpec, written atomically to ``target``."""
    from ..spec.api import loads

    def produce() -> str:
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise WriteError(f"cannot read {source} again: {exc}") from None
        is_json = source.suffix.lower() == ".json" or text.lstrip().startswith("{")
        new = updated_json(text, updates) if is_json else updated_yaml(text, updates)
        loads(new, source=str(target))  # raises SpecLoadError: never write an invalid spec
        return new

    atomic_write(target, produce)
