"""The well-formed part of a document: what the semantic rules may read after the schema stage.

Semantic rules must not meet a value of the wrong shape (a string where a number belongs), but
they should still run on everything else, so that one run reports every finding. Each value the
schema stage flagged (wrong type, value not allowed, out of range, unknown key, other keyword) is
cut out of a copy of the document; a missing required key needs no cut (rules read it as absent).
"""

from __future__ import annotations

from typing import Any

from ..spec.loader import LoadedDocument
from .findings import Finding

_SHAPE_RULES = frozenset({"MS100", "MS101", "MS103", "MS104", "MS105"})
_CUT = object()  # trie leaf: remove the value here


def malformed(findings: list[Finding]) -> set[str]:
    """The pointers of the values the schema stage flagged as malformed."""
    return {f.path for f in findings if f.rule in _SHAPE_RULES and f.path not in ("", "/")}


def inside(pointer: str, pointers: set[str]) -> bool:
    """Is ``pointer`` one of ``pointers`` or below one of them?"""
    return any(pointer == p or pointer.startswith(p + "/") for p in pointers)


def well_formed(doc: LoadedDocument, findings: list[Finding],
                schema: dict[str, Any] | None = None) -> LoadedDocument:
    """``doc`` itself when nothing is malformed, else a copy without the malformed values.

    ``schema`` (the one the document was checked against) tells what a cut list item stands in
    for: a list of objects gets an empty mapping in its place, so rules reading ``item.get(…)``
    keep working; any other list gets ``None``.
    """
    bad = malformed(findings)
    if not bad:
        return doc
    trie: dict[str, Any] = {}
    for pointer in bad:
        node = trie
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
        for token in tokens[:-1]:
            nxt = node.setdefault(token, {})
            if nxt is _CUT:
                break
            node = nxt
        else:
            node[tokens[-1]] = _CUT
    traps = {p: t for p, t in doc.traps.items() if not inside(p, bad)}
    root = schema or {}
    data = _cut(doc.data, trie, _Schema(root, root))
    return LoadedDocument(doc.source, doc.index, data=data, positions=doc.positions, traps=traps, fmt=doc.fmt)


class _Schema:
    """A position in a JSON Schema, followed along properties, items and local $refs."""

    def __init__(self, node: Any, root: dict[str, Any]) -> None:
        self.root = root
        self.node = self._deref(node)

    def _deref(self, node: Any) -> dict[str, Any]:
        for _ in range(32):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not (isinstance(ref, str) and ref.startswith("#/")):
                break
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            node = target
        return node if isinstance(node, dict) else {}

    def child(self, key: Any) -> _Schema:
        if isinstance(key, int):
            return _Schema(self.node.get("items", {}), self.root)
        props = self.node.get("properties")
        return _Schema(props.get(key, {}) if isinstance(props, dict) else {}, self.root)

    @property
    def is_object(self) -> bool:
        return self.node.get("type") == "object" or "properties" in self.node


def _cut(node: Any, trie: dict[str, Any], schema: _Schema) -> Any:
    if isinstance(node, dict):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            sub = trie.get(str(key))
            if sub is None:
                out[key] = value
            elif sub is not _CUT:
                out[key] = _cut(value, sub, schema.child(key))
        return out
    if isinstance(node, list):
        # A cut list item is replaced, never removed, so that the indices (and so the positions)
        # of the items after it stay right.
        item = schema.child(0)
        objects = item.is_object or any(isinstance(v, dict) for v in node)
        items: list[Any] = []
        for i, value in enumerate(node):
            sub = trie.get(str(i))
            if sub is None:
                items.append(value)
            elif sub is not _CUT:
                items.append(_cut(value, sub, item))
            else:
                items.append({} if objects else None)
        return items
    return node
