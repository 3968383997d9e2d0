"""Resolver: GPU type and count, weight variant and max batch size, with the numbers shown.

>>> from modelspec.resolve import resolve
>>> res = resolve("examples/extensions/llama-3-8b-architecture.modelspec.yaml", gpus=["l4", "l40s"])
>>> res.chosen.gpu.type, res.chosen.count, res.chosen.variant.name
"""

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

# `modelspec.resolve(...)` calls `resolve` (see modelspec/_callable.py).
from .._callable import make_callable

make_callable(__name__, resolve)
