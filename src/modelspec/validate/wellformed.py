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


def well_formed(doc: LoadedDocument, findings: list[Finding]) -> LoadedDocument:
    """``doc`` itself when nothing is malformed, else a copy without the malformed values."""
    bad = {f.path for f in findings if f.rule in _SHAPE_RULES and f.path not in ("", "/")}
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
    traps = {p: t for p, t in doc.traps.items() if not any(p == b or p.startswith(b + "/") for b in bad)}
    return LoadedDocument(doc.source, doc.index, data=_cut(doc.data, trie), positions=doc.positions,
                          traps=traps, fmt=doc.fmt)


def _cut(node: Any, trie: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            sub = trie.get(str(key))
            if sub is None:
                out[key] = value
            elif sub is not _CUT:
                out[key] = _cut(value, sub)
        return out
    if isinstance(node, list):
        # A cut list item becomes an empty mapping when its siblings are mappings, so that the
        # indices (and so the positions) of the items after it stay right; else it is dropped.
        mappings = any(isinstance(v, dict) for v in node)
        items: list[Any] = []
        for i, value in enumerate(node):
            sub = trie.get(str(i))
            if sub is None:
                items.append(value)
            elif sub is not _CUT:
                items.append(_cut(value, sub))
            elif mappings:
                items.append({})
        return items
    return node
