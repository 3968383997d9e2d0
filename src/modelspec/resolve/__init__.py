"""Resolver: GPU type and count, weight variant and max batch size, with the numbers shown.

>>> from modelspec.resolve import resolve
>>> res = resolve("examples/extensions/llama-3-8b-architecture.modelspec.yaml", gpus=["l4", "l40s"])
>>> res.chosen.gpu.type, res.chosen.count, res.chosen.variant.name

The names below are imported on first use, so that the validator can read ``resolve.fit``
(MS224) without loading the search engine; ``modelspec.resolve(...)`` calls :func:`resolve`.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .architecture import Architecture, ArchitectureError, from_hf_config
    from .catalog import CatalogError, Gpu, load_catalog
    from .engine import Candidate, Resolution, ResolveError, resolve, spec_with_resolution

__all__ = [
    "Architecture",
    "ArchitectureError",
    "Candidate",
    "CatalogError",
    "Gpu",
    "Resolution",
    "ResolveError",
    "from_hf_config",
    "load_catalog",
    "resolve",
    "spec_with_resolution",
]

_WHERE = {
    "Architecture": "architecture", "ArchitectureError": "architecture", "from_hf_config": "architecture",
    "CatalogError": "catalog", "Gpu": "catalog", "load_catalog": "catalog",
    "Candidate": "engine", "Resolution": "engine", "ResolveError": "engine", "resolve": "engine",
    "spec_with_resolution": "engine",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


class _CallableModule(types.ModuleType):
    """``modelspec.resolve(...)`` calls :func:`resolve` (see modelspec/_callable.py for why)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return __getattr__("resolve")(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
