"""What the spec asks of a deployment: context length, concurrency, latency, request rate, cost,
and which accelerators it allows. Read once from the spec document (plus CLI overrides), so the
candidate search never reaches into dotted paths itself."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import ModelSpecError
from ..spec.accelerators import canonical_type

MAX_CONTEXT = 1 << 24  # 16 M tokens: beyond any published model; larger is a typo
MAX_COUNT = 1 << 20


class DemandError(ModelSpecError):
    """A value in the spec the resolver cannot work with (named in the message)."""


def get(d: dict[str, Any], dotted: str) -> Any:
    node: Any = d
    for k in dotted.split("."):
        node = node.get(k) if isinstance(node, dict) else None
    return node


def _positive(doc: dict[str, Any], dotted: str, *, integer: bool, high: float) -> Any:
    value = get(doc, dotted)
    if value is None:
        return None
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok or not 0 < value <= high:
        kind = "a whole number" if integer else "a number"
        raise DemandError(f"spec.{dotted.removeprefix('spec.')} must be {kind} above 0 and at most {high:g}, "
                          f"got {value!r:.40}")
    return int(value) if integer else float(value)


@dataclass(frozen=True, slots=True)
class Declared:
    """The accelerator the spec declares, as written (the 'is this right?' row)."""

    vendor: str | None
    type: str | None  # canonical when known
    raw_type: str | None
    count: int | None
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Demand:
    max_len: int
    concurrency: int | None  # batch.maxBatchSize, else serving.maxConcurrency
    concurrency_source: str | None
    prompt_tokens: int
    output_tokens: int
    latency_ms_p95: float | None
    rps: float | None
    min_replicas: int
    max_replicas: int | None
    cost_per_1k: float | None
    precision: str | None
    memory_gb_floor: float | None
    declared: Declared
    notes: list[str] = field(default_factory=list)

    @property
    def expected_len(self) -> int:
        return min(self.max_len, self.prompt_tokens + self.output_tokens)

    def targets(self) -> dict[str, float]:
        out: dict[str, float] = {}
        if self.concurrency is not None:
            out["concurrency"] = float(self.concurrency)
        if self.latency_ms_p95 is not None:
            out["latencyMsP95"] = self.latency_ms_p95
        if self.rps is not None:
            out["rps"] = self.rps
        if self.cost_per_1k is not None:
            out["costPer1kTokensUsd"] = self.cost_per_1k
        return out


def _declared(doc: dict[str, Any]) -> Declared:
    acc = get(doc, "spec.runtime.accelerator") or {}
    raw = acc.get("type") if isinstance(acc.get("type"), str) else None
    vendor = acc.get("vendor") if isinstance(acc.get("vendor"), str) else None
    count = _positive(doc, "spec.runtime.accelerator.count", integer=True, high=MAX_COUNT)
    alts_raw = acc.get("alternatives")
    alts: list[Any] = alts_raw if isinstance(alts_raw, list) else []
    return Declared(vendor.strip().lower() if vendor else None, canonical_type(raw) if raw else None, raw, count,
                    tuple(str(a) for a in alts if isinstance(a, str)))


def read_demand(doc: dict[str, Any], *, model_max_len: int | None, max_model_len: int | None = None,
                prompt_tokens: int | None = None, output_tokens: int | None = None) -> Demand:
    """The demand in ``doc``; ``max_model_len`` (the CLI's ``--max-model-len``) overrides the spec."""
    declared_len = _positive(doc, "spec.runtime.batch.maxSequenceLengthTokens", integer=True, high=MAX_CONTEXT)
    max_len = max_model_len or declared_len or model_max_len
    if not isinstance(max_len, int) or not 0 < max_len <= MAX_CONTEXT:
        raise DemandError("no sequence length: set spec.runtime.batch.maxSequenceLengthTokens or --max-model-len")
    notes: list[str] = []
    if model_max_len and max_len > model_max_len:
        notes.append(f"sequence length {max_len:,} exceeds the model's max_position_embeddings {model_max_len:,}; "
                     f"vLLM refuses this without rope scaling")
    batch = _positive(doc, "spec.runtime.batch.maxBatchSize", integer=True, high=MAX_COUNT)
    serving = _positive(doc, "spec.operations.serving.maxConcurrency", integer=True, high=MAX_COUNT)
    concurrency, source = (batch, "batch.maxBatchSize") if batch else (serving, "serving.maxConcurrency") \
        if serving else (None, None)
    prompt = prompt_tokens or min(1024, max(1, max_len * 3 // 4))
    output = output_tokens or min(256, max(1, max_len - prompt))
    min_rep = None if get(doc, "spec.operations.scaling.minReplicas") == 0 else \
        _positive(doc, "spec.operations.scaling.minReplicas", integer=True, high=MAX_COUNT)
    max_rep = _positive(doc, "spec.operations.scaling.maxReplicas", integer=True, high=MAX_COUNT)
    precision = get(doc, "spec.identity.model.precision")
    return Demand(
        max_len=max_len, concurrency=concurrency, concurrency_source=source, prompt_tokens=prompt,
        output_tokens=output,
        latency_ms_p95=_positive(doc, "spec.operations.scaling.targetLatencyMsP95", integer=False, high=1e9),
        rps=_positive(doc, "spec.operations.scaling.targetRps", integer=False, high=1e9),
        min_replicas=min_rep or 1, max_replicas=max_rep,
        cost_per_1k=_positive(doc, "spec.governance.cost.targetCostPer1kTokensUsd", integer=False, high=1e6),
        precision=precision if isinstance(precision, str) else None,
        memory_gb_floor=_positive(doc, "spec.runtime.accelerator.memoryGb", integer=False, high=1e5),
        declared=_declared(doc), notes=notes,
    )
