"""Do the declared accelerators hold the model's weights? The validator's one question (MS224).

Kept apart from :mod:`.engine` so that ``modelspec validate`` reads only the model-size facts it
needs (GPU catalog, architecture, weight variants) and never imports the resolver's search,
memory planner or estimator; no network either (a size in the model id or the spec's
architecture block, never a fetched config.json).
"""

from __future__ import annotations

from typing import Any

from ..spec.accelerators import canonical_type
from . import architecture as arch_mod
from .architecture import ArchitectureError
from .catalog import CatalogError, load_catalog
from .variants import STANDARD, matches_precision

UTILIZATION = 0.90


def _get(doc: Any, dotted: str) -> Any:
    node = doc
    for key in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def declared_fit(doc: dict[str, Any]) -> str | None:
    """Why the declared accelerators cannot hold the model's weights, or ``None``.

    Only the weights are checked against the declared type × count (precision as declared, or
    16-bit), using the spec's architecture block or a size in the model id.
    """
    gpu_type = canonical_type(str(_get(doc, "spec.runtime.accelerator.type") or ""))
    count = _get(doc, "spec.runtime.accelerator.count")
    if gpu_type is None or isinstance(count, bool) or not isinstance(count, int) or count < 1:
        return None
    try:
        gpu = load_catalog().get(gpu_type)
    except CatalogError:
        return None
    if gpu is None:
        return None
    model_id = str(_get(doc, "spec.identity.model.id") or "")
    try:
        block = _get(doc, "spec.identity.model.architecture")
        if isinstance(block, dict) and block:
            arch = arch_mod.from_spec_block(block, model_id)
        else:
            params = arch_mod.parameters_from_id(model_id)
            if not params:
                return None
            arch = arch_mod.estimate_from_parameters(params, f"model id `{model_id}`")
    except (ArchitectureError, ValueError, TypeError):
        return None
    precision = str(_get(doc, "spec.identity.model.precision") or "bf16")
    variant = next((v for v in STANDARD if matches_precision(v, precision)), STANDARD[0])
    weights = variant.weight_bytes(arch.params())
    if weights <= gpu.usable_bytes * count * UTILIZATION:
        return None
    where = "" if not arch.estimated else f" (size from {arch.source})"
    return (f"weights {weights / 1e9:.1f} GB {variant.precision}{where} > {count} × {gpu.usable_gib:g} GiB "
            f"usable on {gpu.type} (at {UTILIZATION:.2f} utilization, before any KV cache)")
