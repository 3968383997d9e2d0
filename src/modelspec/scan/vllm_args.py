"""Compatibility: vLLM launch arguments now come from the one parser, :mod:`.launch`."""

from __future__ import annotations

from .launch import Launch as VllmLaunch
from .launch import parse
from .precision import precision_of

__all__ = ["VllmLaunch", "parse", "precision_of"]
