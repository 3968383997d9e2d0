"""Roofline estimates of speed and cost. They are estimates: bounds from bandwidth and FLOPs
with fixed efficiencies, good for ranking candidates, not a substitute for a benchmark.

    decode step ≈ bytes read per step / (bandwidth × 0.75) + TP all-reduce time
    prefill     ≈ 2 × active params × prompt tokens / (TFLOPs × TP × 0.45 MFU)
    request     ≈ prefill + output tokens × decode step
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .architecture import Architecture
from .catalog import Gpu
from .memory import MemoryPlan
from .variants import Variant

BANDWIDTH_EFFICIENCY = 0.75
MFU = 0.45
ALLREDUCE_LATENCY_S = {"nvlink": 8e-6, "nvlink-c2c": 8e-6, "xgmi": 10e-6, "nvlink-bridge": 10e-6, "pcie": 25e-6}


@dataclass(frozen=True, slots=True)
class Estimate:
    batch: int
    decode_ms_per_token: float  # one decode step at `batch`
    prefill_ms: float
    request_ms: float  # prefill + output tokens
    tokens_per_s: float  # generated tokens per second per replica
    requests_per_s: float  # per replica
    price_per_hour: float
    cost_per_1k_tokens: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "decodeMsPerToken": round(self.decode_ms_per_token, 3),
            "prefillMs": round(self.prefill_ms, 1),
            "requestMs": round(self.request_ms, 1),
            "tokensPerSecond": round(self.tokens_per_s, 1),
            "requestsPerSecond": round(self.requests_per_s, 3),
            "pricePerHourUsd": round(self.price_per_hour, 2),
            "costPer1kTokensUsd": round(self.cost_per_1k_tokens, 6),
        }


def estimate(
    arch: Architecture,
    variant: Variant,
    gpu: Gpu,
    tp: int,
    mem: MemoryPlan,
    batch: int,
    prompt_tokens: int,
    output_tokens: int,
) -> Estimate:
    batch = max(1, batch)
    params = arch.params()
    total = max(1, params.total)
    expert_share = arch.active_fraction_of_experts(batch)
    read_fraction = (total - params.linear_experts * (1 - expert_share)) / total
    weights_read = mem.weight_bytes_per_gpu * read_fraction
    avg_context = prompt_tokens + output_tokens / 2
    kv_read = batch * min(avg_context, arch.kv_tokens_per_sequence(int(avg_context) or 1)) * mem.kv_bytes_per_token
    step = (weights_read + kv_read) / (gpu.bandwidth_gbs * 1e9 * BANDWIDTH_EFFICIENCY)
    if tp > 1:
        volume = 2 * (tp - 1) / tp * batch * arch.hidden_size * 2
        per_layer = 2 * (ALLREDUCE_LATENCY_S.get(gpu.interconnect, 25e-6) + volume / (gpu.interconnect_gbs * 1e9))
        step += per_layer * arch.num_layers
    flops = 2 * arch.active_parameters(1) * prompt_tokens
    prefill = flops / (gpu.dense_tflops(variant.compute_precision) * 1e12 * tp * MFU)
    request = prefill + output_tokens * step
    # steady state: `batch` sequences decode together; prefill work is shared across the batch
    cycle = request + prefill * (batch - 1) / max(1, output_tokens)
    rps = batch / cycle if cycle > 0 else 0.0
    tok_s = rps * output_tokens
    price = gpu.price_per_hour * tp
    cost = price / (tok_s * 3600) * 1000 if tok_s > 0 else math.inf
    return Estimate(batch, step * 1000, prefill * 1000, request * 1000, tok_s, rps, price, cost)
