"""specRef stage: every dependency's spec exists, is itself valid, and the graph has no cycle.

A referenced file is loaded and checked once per run (cached by real path), whichever spec
points at it; cycle search walks the same cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .findings import Finding, Severity
from .rules import severity_of

if TYPE_CHECKING:
    from ..spec.loader import LoadedDocument
    from .runner import Validator


@dataclass(slots=True)
class RefInfo:
    """What we learnt about one referenced spec file."""

    path: Path
    readable: bool
    first_error: str | None = None
    children: list[Path] = field(default_factory=list)


def dependency_refs(data: Any, base: Path) -> list[tuple[int, str, str, Path]]:
    """(index, id, specRef, resolved path) for each dependency that has a specRef."""
    node: Any = data
    for key in ("spec", "pipeline", "dependencies"):
        node = node.get(key) if isinstance(node, dict) else None
    deps = node if isinstance(node, list) else []
    out = []
    for i, dep in enumerate(deps):
        if isinstance(dep, dict) and isinstance(dep.get("specRef"), str):
            ref = dep["specRef"]
            out.append((i, str(dep.get("id")), ref, (base / ref).resolve()))
    return out


def check(doc: LoadedDocument, base: Path, self_path: Path | None, validator: Validator) -> list[Finding]:
    findings: list[Finding] = []
    refs = dependency_refs(doc.data, base)
    for i, dep_id, ref, target in refs:
        pointer = f"/spec/pipeline/dependencies/{i}/specRef"
        line, col = doc.position(pointer)
        info = validator.ref_info(target)
        if not info.readable:
            findings.append(
                Finding(
                    "MS220",
                    severity_of("MS220"),
                    f"dependency `{dep_id}`: specRef `{ref}` does not resolve ({target} not found)",
                    pointer,
                    line,
                    col,
                    "specRef is relative to this spec's own file",
                )
            )
        elif info.first_error is not None:
            findings.append(
                Finding(
                    "MS221",
                    severity_of("MS221"),
                    f"dependency `{dep_id}`: `{ref}` is not a valid ModelSpec: {info.first_error}",
                    pointer,
                    line,
                    col,
                )
            )
    if self_path is not None:
        for i, _dep_id, _ref, target in refs:
            cycle = _find_cycle(self_path, target, validator)
            if cycle:
                pointer = f"/spec/pipeline/dependencies/{i}/specRef"
                line, col = doc.position(pointer)
                chain = " → ".join(p.name for p in cycle)
                findings.append(Finding("MS222", Severity.ERROR, f"dependency cycle: {chain}", pointer, line, col))
                break
    return findings


def _find_cycle(start: Path, first: Path, validator: Validator) -> list[Path] | None:
    """A path start → first → … → start, or any cycle met on the way, else None."""
    stack: list[Path] = [start]
    on_stack = {start}
    done: set[Path] = set()

    def visit(node: Path) -> list[Path] | None:
        if node in on_stack:
            return [*stack[stack.index(node) :], node]
        if node in done:
            return None
        stack.append(node)
        on_stack.add(node)
        for child in validator.ref_info(node).children:
            found = visit(child)
            if found:
                return found
        stack.pop()
        on_stack.discard(node)
        done.add(node)
        return None

    return visit(first)
