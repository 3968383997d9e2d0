"""Which files and documents a path stands for.

A document is a ModelSpec when its ``kind`` says so. Files named ``*.modelspec.(yaml|yml|json)``
are always read; other YAML/JSON files in a directory walk only when their text mentions
``kind: ModelSpec`` somewhere (a bundle may put the spec after a Deployment). Inside a file,
documents of another kind (a Deployment after ``---``, a ConfigMap that embeds a spec as text,
our own ScanReport) are skipped and counted, never validated as ModelSpecs.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any

from .._fileio import InputError, read_regular

SPEC_SUFFIXES = (".modelspec.yaml", ".modelspec.yml", ".modelspec.json")
DATA_SUFFIXES = (".yaml", ".yml", ".json")
SKIP_DIRS = {"node_modules", "vendor", "venv", "site-packages", "__pycache__", "build", "dist", "third_party"}
KIND = "ModelSpec"
_KIND = re.compile(r"""["']?kind["']?\s*:\s*["']?ModelSpec\b""")
_SNIFF_BYTES = 5 * 1024 * 1024


def mentions_modelspec(path: Path) -> bool:
    """Cheap sniff: does the file's text contain ``kind: ModelSpec`` anywhere?"""
    try:  # never blocks on a FIFO or device; those are not specs
        text = read_regular(path, _SNIFF_BYTES, head=True).decode("utf-8", "replace")
    except InputError:
        return False
    return bool(_KIND.search(text))


def is_other_kind(data: Any) -> bool:
    """True for a mapping whose ``kind`` is a string naming something else than a ModelSpec.

    A missing or non-string kind, and a near miss such as ``Modelspec``, stay ModelSpecs: the
    schema then reports the mistake instead of the document silently disappearing.
    """
    if not isinstance(data, dict):
        return False
    kind = data.get("kind")
    if not isinstance(kind, str) or kind == KIND:
        return False
    folded = kind.strip().lower().replace("-", "").replace("_", "")
    return folded != KIND.lower() and difflib.SequenceMatcher(None, folded, KIND.lower()).ratio() < 0.8


def walk(directory: Path) -> list[Path]:
    """Candidate ModelSpec files below ``directory``, sorted, skipping hidden and vendored folders."""
    found: list[Path] = []

    def unreadable(exc: OSError) -> None:
        # An unreadable subdirectory is listed as is: reading it fails, the run reports an
        # I/O error (MS300, exit 2) instead of "all valid" for the files it could see.
        found.append(Path(exc.filename) if exc.filename else directory)

    for root, dirs, files in os.walk(directory, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(files):
            if name.startswith("."):
                continue
            lower = name.lower()
            path = Path(root) / name
            if lower.endswith(SPEC_SUFFIXES) or (lower.endswith(DATA_SUFFIXES) and mentions_modelspec(path)):
                found.append(path)
    return found
