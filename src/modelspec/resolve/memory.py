"""Per-GPU memory accounting, following how vLLM sizes its KV cache at start-up.

    budget      = usable memory × gpu_memory_utilization (0.90 unless told)
    weights     = weight bytes / TP
    overhead    = non-torch memory (0.35 GiB CUDA context; + 0.4 GiB NCCL buffers when TP > 1)
    activations = peak of the profiling forward pass (max_num_batched_tokens tokens), sampler
                  logits and workspaces: see :func:`activation_bytes`
    KV cache    = budget − weights − overhead − activations
    blocks      = ⌊KV cache / (16 tokens × KV bytes per token)⌋
    concurrency = blocks / ⌈maxSequenceLengthTokens / 16⌉ — vLLM's "Maximum concurrency"

A candidate whose KV cache cannot hold one full-length sequence is rejected: vLLM refuses to
start with "max_model_len … is larger than the maximum number of tokens that can be stored".
The overhead and activation terms are estimates, written out here so they can be argued with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .architecture import Architecture
from .catalog import GIB, Gpu
from .variants import Variant

BLOCK_TOKENS = 16
NON_TORCH_BYTES = int(0.35 * GIB)  # CUDA context and allocator, as vLLM logs "non_torch_memory"
NCCL_BYTES = int(0.4 * GIB)  # NCCL / custom all-reduce buffers when TP > 1
WORKSPACE_BYTES = int(0.75 * GIB)  # GEMM/attention workspaces and fragmentation in the profiling peak
DEFAULT_BATCHED_TOKENS = 8192  # vLLM's default max_num_batched_tokens with chunked prefill
SAMPLER_SEQS = 256  # logits rows kept during profiling (max_num_seqs default)
ACT_BYTES_PER_HIDDEN = 2  # 16-bit activations


@dataclass(frozen=True, slots=True)
class MemoryPlan:
    weight_bytes: int  # whole model
    weight_bytes_per_gpu: int
    kv_bytes_per_token: int  # per GPU
    budget_bytes: int
    overhead_bytes: int
    activation_bytes: int
    kv_cache_bytes: int  # per GPU, may be negative when weights do not fit
    num_blocks: int
    blocks_per_sequence: int
    max_concurrency: float

    @property
    def kv_tokens(self) -> int:
        return self.num_blocks * BLOCK_TOKENS

    @property
    def fits_one_sequence(self) -> bool:
        return self.num_blocks >= self.blocks_per_sequence > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "weightBytes": self.weight_bytes,
            "weightBytesPerGpu": self.weight_bytes_per_gpu,
            "kvBytesPerToken": self.kv_bytes_per_token,
            "budgetBytesPerGpu": self.budget_bytes,
            "overheadBytesPerGpu": self.overhead_bytes,
            "activationBytesPerGpu": self.activation_bytes,
            "kvCacheBytes": max(0, self.kv_cache_bytes),
            "kvTokens": self.kv_tokens,
            "maxConcurrency": round(self.max_concurrency, 2),
        }


V0_FIXED_BYTES = int(0.09 * GIB)  # the V0 engine's profiling peak above the per-token term


def activation_bytes(
    arch: Architecture, tp: int, batched_tokens: int = DEFAULT_BATCHED_TOKENS, engine: str = "v1"
) -> int:
    """Peak of vLLM's profiling forward pass, per GPU.

    tokens × (6 × hidden + 2 × intermediate / TP) × 2 bytes   (residual, norms, attention and MLP buffers)
    + 256 × vocab × 12 bytes                                   (fp32 logits, probabilities, log-probabilities)
    + 0.75 GiB                                                  (workspaces, fragmentation)
    Fitted on vLLM start-up logs (see benchmarks/resolver_accuracy.py); ``batched_tokens`` is
    max_num_batched_tokens: 8192 with chunked prefill (V1). The older V0 engine profiled
    max_model_len tokens and logged a much smaller fixed part (``engine="v0"``).
    """
    inter = (
        arch.moe_intermediate_size * max(1, arch.experts_per_token)
        if arch.is_moe and arch.moe_intermediate_size
        else arch.intermediate_size
    )
    hidden_terms = batched_tokens * (6 * arch.hidden_size + 2 * inter // tp) * ACT_BYTES_PER_HIDDEN
    if engine == "v0":
        return int(hidden_terms + V0_FIXED_BYTES)
    logits = min(SAMPLER_SEQS, batched_tokens) * arch.vocab_size * 12
    return int(hidden_terms + logits + WORKSPACE_BYTES)


def plan(
    arch: Architecture,
    variant: Variant,
    gpu: Gpu,
    tp: int,
    max_len: int,
    *,
    gpu_memory_utilization: float = 0.90,
    kv_dtype_bytes: float = 2.0,
    batched_tokens: int | None = None,
    engine: str = "v1",
) -> MemoryPlan:
    params = arch.params()
    weights = variant.weight_bytes(params)
    per_gpu = math.ceil(weights / tp)
    budget = int(gpu.usable_bytes * gpu_memory_utilization)
    overhead = NON_TORCH_BYTES + (NCCL_BYTES if tp > 1 else 0)
    tokens = batched_tokens or (max_len if engine == "v0" else DEFAULT_BATCHED_TOKENS)
    act = activation_bytes(arch, tp, tokens, engine)
    kv_cache = budget - per_gpu - overhead - act
    kv_tok = arch.kv_bytes_per_token(tp, kv_dtype_bytes)
    blocks = max(0, kv_cache // (BLOCK_TOKENS * kv_tok)) if kv_tok else 0
    per_seq_tokens = arch.kv_tokens_per_sequence(max_len)
    blocks_per_seq = math.ceil(per_seq_tokens / BLOCK_TOKENS)
    conc = blocks / blocks_per_seq if blocks_per_seq else 0.0
    return MemoryPlan(weights, per_gpu, kv_tok, budget, overhead, act, kv_cache, int(blocks), blocks_per_seq, conc)
