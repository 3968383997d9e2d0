"""Which files a path stands for: files as given, directories walked for ModelSpec files."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .._fileio import InputError, read_regular

SPEC_SUFFIXES = (".modelspec.yaml", ".modelspec.yml", ".modelspec.json")
DATA_SUFFIXES = (".yaml", ".yml", ".json")
SKIP_DIRS = {"node_modules", "vendor", "venv", "site-packages", "__pycache__", "build", "dist", "third_party"}
_API_VERSION = re.compile(r"""^\s*["']?apiVersion["']?\s*:\s*["']?piqc\.ai/v1alpha1\b""", re.MULTILINE)


def declares_modelspec(path: Path) -> bool:
    """Cheap sniff: does the file's head declare ``apiVersion: piqc.ai/v1alpha1``?"""
    try:  # never blocks on a FIFO or device; those are not specs
        head = read_regular(path, 8192, head=True).decode("utf-8", "replace")
    except InputError:
        return False
    return bool(_API_VERSION.search(head))


def walk(directory: Path) -> list[Path]:
    """ModelSpec files below ``directory``, sorted, skipping hidden and vendored folders."""
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
            if lower.endswith(SPEC_SUFFIXES) or (lower.endswith(DATA_SUFFIXES) and declares_modelspec(path)):
                found.append(path)
    return found
