"""Reporters: one module per output format, each ``render(report) -> str``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FORMATS = ("text", "json", "github", "sarif")


def renderer(fmt: str) -> Callable[..., str]:
    """The ``render`` function of one format (imported on demand)."""
    if fmt == "text":
        from .text import render
    elif fmt == "json":
        from .json_report import render
    elif fmt == "github":
        from .github import render
    elif fmt == "sarif":
        from .sarif import render
    else:  # pragma: no cover - click restricts the choice
        raise ValueError(f"unknown format {fmt!r}")
    fn: Callable[..., Any] = render
    return fn
