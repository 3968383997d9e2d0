"""Per-GPU memory accounting, following how vLLM sizes its KV cache at start-up, release by release.

Every constant the resolver uses for memory lives in this module, with where it comes from:
``vX.Y.Z:path`` means https://github.com/vllm-project/vllm/blob/vX.Y.Z/path (read, not copied);
"fitted" means derived from the calibration part of the public start-up logs in
``tests/data/vllm_logs`` (``benchmarks/resolver_accuracy.py`` shows the fit and the hold-out error).

Per GPU of one pipeline stage, at tensor-parallel degree TP::

    budget      = total memory × gpu_memory_utilization          (0.90; 0.92 from v0.20)
    weights     = the stage's weight bytes / TP                  (embedding on the first stage, LM head on the last)
    non-torch   = NCCL / custom all-reduce buffers and the CUDA context that the profile charges
    activations = peak of the profiling forward pass + the sampler on max_num_seqs rows (last stage)
    cuda graphs = charged from v0.20 (estimated before the KV cache is allocated)
    KV cache    = budget − weights − non-torch − activations − cuda graphs
    blocks      = min over stages ⌊KV cache / (16 tokens × bytes per token of the stage's layers)⌋

Sliding-window layers and hybrid models follow the KV-cache manager of the release: before
v0.9.1 every layer is charged the full length; from v0.9.1 layers are grouped by kind and a
window layer reserves only ⌈min(window − 1 + max_num_batched_tokens, L) / 16⌉ + 1 blocks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from .architecture import Architecture
from .catalog import GIB, Gpu
from .variants import Variant

BLOCK_TOKENS = 16  # v0.11.0:vllm/platforms/cuda.py — default block size on CUDA (MLA backends may
# force 64, v0.33.0:vllm/v1/attention/backends/mla/flashmla.py: that changes rounding only)

# -- releases --------------------------------------------------------------------------------
# the newest release the calibration logs cover (0.20+ adds a CUDA-graph charge no log calibrates)
DEFAULT_ENGINE_VERSION = "0.19.0"
KNOWN_VERSIONS = ("0.6.6", "0.8.5", "0.9.1", "0.10.2", "0.11.0", "0.19.1", "0.20.0", "0.21.0", "0.26.0", "0.33.0")


def parse_version(text: str) -> tuple[int, int, int]:
    """``0.11``, ``v0.10.2``, ``0.6.6.post1`` → (major, minor, patch)."""
    m = re.fullmatch(r"v?(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?(?:[.+-]?[0-9A-Za-z.+-]*)?", text.strip())
    if not m:
        raise ValueError(f"engine version must look like 0.11.0, got {text!r}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


# -- fitted constants (calibration logs only; see benchmarks/resolver_accuracy.py --fit) -------


ERAS = ("v0", "v1", "v1_011", "v1_017")


@dataclass(frozen=True, slots=True)
class EraCharges:
    """Per-GPU charges of one accounting era (GiB, and bytes per sampler row × vocabulary entry)."""

    base_gib: float  # non-torch memory the profile sees on one GPU (CUDA/allocator slack, workspaces)
    tp_extra_gib: float  # more of it with TP > 1: NCCL and custom all-reduce buffers
    sampler: float  # bytes per (max_num_seqs row × vocabulary entry) of the sampler warm-up


@dataclass(frozen=True, slots=True)
class Fitted:
    """The profiling charges no source states as a number, fitted on the calibration logs.

    Everything vLLM charges besides weights and KV cache on one GPU is modelled as
        base + tp_extra [TP > 1] + max(forward, sampler)
        forward = FORWARD × tokens × (hidden + intermediate / TP) × 2 B   (the dummy forward pass)
        sampler = SAMPLER × max_num_seqs × vocab                         (last pipeline stage only)
    — the torch peak is the larger of the two phases, not their sum: pipeline ranks without the
    sampler log the forward part alone. The sampler warm-up sits in the profile from V1 0.8
    (v0.11.0:vllm/v1/worker/gpu_model_runner.py) and its size changed between releases, so each
    era has its own charges: v0 = V0 engine, v1 = V1 to 0.10, v1_011 = 0.11–0.16, v1_017 = 0.17 on
    (the eras are where the public logs show a step, see benchmarks/resolver_accuracy.py).
    """

    forward: float = 4.3
    v0: EraCharges = EraCharges(0.023, 0.137, 13.75)
    v1: EraCharges = EraCharges(0.023, 0.137, 13.75)
    v1_011: EraCharges = EraCharges(0.13, 1.387, 39.0)
    v1_017: EraCharges = EraCharges(0.25, 1.82, 15.25)

    # CUDA-graph estimate (logged from 0.18 as "Estimated CUDA graph memory", charged from 0.20,
    # v0.20.0:vllm/envs.py): graph_base + graph_per_layer × layers on the GPU, GiB
    graph_base_gib: float = 0.317
    graph_per_layer_gib: float = 0.0162

    def graphs_bytes(self, layers: int) -> int:
        return int((self.graph_base_gib + self.graph_per_layer_gib * layers) * GIB)

    def era(self, name: str) -> EraCharges:
        value: EraCharges = getattr(self, name)
        return value


FITTED = Fitted()
NON_TORCH_BYTES = int(FITTED.v1_017.base_gib * GIB)  # kept for scan/drift.py's headroom estimate


@dataclass(frozen=True, slots=True)
class EngineRules:
    """What one vLLM release charges and defaults to; built by :func:`engine_rules`."""

    version: tuple[int, int, int]
    engine_v0: bool | None = None  # VLLM_USE_V1=0 on 0.8–0.10, or V1 opted into on 0.7

    @property
    def label(self) -> str:
        return "vLLM {}.{}.{}".format(*self.version) + (" (V0 engine)" if self.v0 and self.version >= (0, 8, 0) else "")

    @property
    def v0(self) -> bool:
        if self.engine_v0 is not None:
            return self.engine_v0
        return self.version < (0, 8, 0)  # V1 is the default engine by 0.8 (v0.8.5.post1:vllm/envs.py)

    @property
    def default_utilization(self) -> float:
        return 0.92 if self.version >= (0, 20, 0) else 0.90  # v0.20.0:vllm/config/cache.py

    @property
    def hybrid_kv(self) -> bool:
        return self.version >= (0, 9, 1)  # v0.9.1:vllm/v1/core/kv_cache_utils.py

    @property
    def charges_cuda_graphs(self) -> bool:
        return self.version >= (0, 20, 0)  # v0.20.0:vllm/envs.py (estimate on by default)

    @property
    def tokens_from_concurrency(self) -> bool:
        return self.version >= (0, 21, 0)  # v0.21.0:vllm/v1/core/kv_cache_utils.py

    @property
    def era(self) -> str:
        if self.v0:
            return "v0"
        return "v1_017" if self.version >= (0, 17, 0) else "v1_011" if self.version >= (0, 11, 0) else "v1"

    def non_torch(self, tp: int, fitted: Fitted = FITTED) -> int:
        charges = fitted.era(self.era)
        return int((charges.base_gib + (charges.tp_extra_gib if tp > 1 else 0.0)) * GIB)

    def sampler_bytes(self, fitted: Fitted = FITTED) -> float:
        return fitted.era(self.era).sampler

    def batch_defaults(self, gpu: Gpu, max_len: int, server: bool = True) -> tuple[int, int]:
        """(max_num_batched_tokens, max_num_seqs) when neither is given.

        V0: chunked prefill off unless max_len > 32K (v0.6.6.post1:vllm/engine/arg_utils.py).
        V1: by GPU memory, A100 excluded from the large tier from 0.9.0
        (v0.9.0:vllm/engine/arg_utils.py), a ≥160 GiB tier from 0.28 (v0.28.0:vllm/engine/arg_utils.py).
        """
        if self.v0:
            return (2048 if max_len > 32768 else max(max_len, 2048)), 256
        large = gpu.memory_gb >= 70 and not (self.version >= (0, 9, 0) and gpu.type.startswith("a100"))
        if self.version >= (0, 28, 0) and gpu.memory_gb >= 160:
            mnbt, seqs = 16384, 1024
        elif large:
            mnbt, seqs = (8192 if server else 16384), 1024
        else:
            mnbt, seqs = (2048 if server else 8192), 256
        if self.version >= (0, 10, 1):
            seqs = min(seqs, mnbt)  # v0.10.1.1:vllm/engine/arg_utils.py
        return mnbt, seqs


def engine_rules(version: str | None = None, *, v0: bool | None = None) -> EngineRules:
    """The accounting of release ``version`` (default: DEFAULT_ENGINE_VERSION)."""
    parsed = parse_version(version or DEFAULT_ENGINE_VERSION)
    if parsed < (0, 6, 0) or parsed > (0, 99, 0):
        raise ValueError(f"engine version {version} is outside what is modelled (0.6 … 0.x)")
    return EngineRules(parsed, v0)


def forward_width(arch: Architecture, tp: int) -> float:
    """hidden + intermediate / TP (MoE: the experts a token uses), the per-token activation width."""
    inter = arch.moe_intermediate_size * max(1, arch.experts_per_token) if arch.is_moe and arch.moe_intermediate_size \
        else arch.intermediate_size * (max(1, arch.experts_per_token) if arch.is_moe else 1)
    return arch.hidden_size + inter / tp


def activation_bytes(arch: Architecture, tp: int, tokens: int, sampler_rows: int, rules: EngineRules | None = None,
                     fitted: Fitted = FITTED) -> int:
    """Peak of vLLM's profiling run on one GPU (the forward pass, and the sampler on the last stage).

    ``tokens`` is what the profile run feeds (max_num_batched_tokens in V1, max(max_model_len,
    2048) in V0 without chunked prefill); ``sampler_rows`` is max_num_seqs, 0 off the last stage
    (v0.11.0:vllm/v1/worker/gpu_model_runner.py, v0.6.6.post1:vllm/worker/model_runner.py).
    """
    rules = rules or engine_rules()
    forward = fitted.forward * tokens * forward_width(arch, tp) * 2
    sampler = rules.sampler_bytes(fitted) * min(sampler_rows, tokens) * arch.vocab_size
    return int(max(forward, sampler))


@dataclass(frozen=True, slots=True)
class MemoryPlan:
    """Sizes for one deployment. ``*_per_gpu`` fields are the worst (limiting) GPU; totals say so."""

    weight_bytes: int  # whole model, all GPUs together
    weight_bytes_per_gpu: int
    kv_bytes_per_token: int  # per GPU of the limiting stage
    budget_bytes: int  # per GPU
    overhead_bytes: int  # per GPU: non-torch + CUDA graphs
    activation_bytes: int  # per GPU
    kv_cache_bytes: int  # per GPU, negative when weights do not fit
    num_blocks: int  # per GPU (every rank uses the minimum)
    blocks_per_sequence: int
    max_concurrency: float
    kv_tokens: int  # what vLLM logs as "GPU KV cache size"
    max_num_batched_tokens: int
    max_num_seqs: int
    gpu_memory_utilization: float
    stage_layers: int = 0  # layers on the limiting stage (for sequences_at)

    @property
    def fits_one_sequence(self) -> bool:
        return self.num_blocks >= self.blocks_per_sequence > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "weightBytesTotal": self.weight_bytes,
            "weightBytesPerGpu": self.weight_bytes_per_gpu,
            "kvBytesPerTokenPerGpu": self.kv_bytes_per_token,
            "budgetBytesPerGpu": self.budget_bytes,
            "overheadBytesPerGpu": self.overhead_bytes,
            "activationBytesPerGpu": self.activation_bytes,
            "kvCacheBytesPerGpu": max(0, self.kv_cache_bytes),
            "kvBlocksPerGpu": self.num_blocks,
            "kvTokens": self.kv_tokens,
            "maxConcurrency": round(self.max_concurrency, 2),
            "maxNumBatchedTokens": self.max_num_batched_tokens,
            "maxNumSeqs": self.max_num_seqs,
        }


def stage_layers(layers: int, pp: int) -> list[int]:
    """Layers per pipeline stage: the remainder goes one each to the stages before the last,
    counted backwards (v0.33.0:vllm/distributed/utils.py)."""
    base, extra = divmod(layers, pp)
    out = [base] * pp
    for i in range(extra):
        out[max(0, pp - 2 - i)] += 1
    return out


def _kv_layout(arch: Architecture, layers: int, max_len: int, mnbt: int, rules: EngineRules,
               block: int) -> tuple[int, int, int]:
    """(layers whose pages make one block, blocks one full sequence needs, groups) for one stage."""
    window = arch.sliding_window
    share = arch.sliding_window_layers if window and window < max_len else 0.0
    full_blocks = math.ceil(max_len / block)
    if share <= 0 or not rules.hybrid_kv:
        return layers, full_blocks, 1
    slide = min(layers, max(1, round(layers * share)))
    full = layers - slide
    win_blocks = math.ceil(min((window or 0) - 1 + mnbt, max_len) / block) + 1
    if full == 0:
        return layers, win_blocks, 1
    small, big = min(full, slide), max(full, slide)
    group = big if rules.version >= (0, 18, 0) and big < 1.5 * small else small
    g_full, g_slide = math.ceil(full / group), math.ceil(slide / group)
    return group, g_full * full_blocks + g_slide * win_blocks, g_full + g_slide


def plan(arch: Architecture, variant: Variant, gpu: Gpu, tp: int, max_len: int, *, pp: int = 1,
         gpu_memory_utilization: float | None = None, kv_dtype_bytes: float = 2.0,
         max_num_batched_tokens: int | None = None, max_num_seqs: int | None = None,
         engine: str | EngineRules | None = None, server: bool = True, fitted: Fitted = FITTED) -> MemoryPlan:
    """vLLM's start-up sizing for ``arch`` on ``tp × pp`` GPUs of type ``gpu``."""
    rules = engine if isinstance(engine, EngineRules) else engine_rules(engine)
    util = gpu_memory_utilization if gpu_memory_utilization is not None else rules.default_utilization
    d_mnbt, d_seqs = rules.batch_defaults(gpu, max_len, server)
    mnbt = max_num_batched_tokens or d_mnbt
    seqs = max_num_seqs or d_seqs
    params = arch.params()
    weights = variant.weight_bytes(params)
    emb_bytes = weights * (params.embedding / max(1, params.total))
    head_bytes = weights * (params.lm_head / max(1, params.total))
    body = weights - emb_bytes - head_bytes
    budget = int(gpu.usable_bytes * util)
    non_torch = rules.non_torch(tp, fitted)
    block = BLOCK_TOKENS
    per_layer_tok = arch.kv_bytes_per_token(tp, kv_dtype_bytes) / arch.num_layers
    best: tuple[int, ...] | None = None  # blocks, … of the limiting stage
    for i, layers in enumerate(stage_layers(arch.num_layers, pp)):
        w = body * layers / arch.num_layers + (emb_bytes if i == 0 else 0) + (head_bytes if i == pp - 1 else 0)
        if arch.tie_embeddings and pp > 1 and i == pp - 1:
            w += emb_bytes  # the last stage keeps its own copy of a tied LM head
        w_gpu = math.ceil(w / tp)
        act = activation_bytes(arch, tp, mnbt, seqs if i == pp - 1 else 0, rules, fitted)
        overhead = non_torch + (fitted.graphs_bytes(layers) if rules.charges_cuda_graphs else 0)
        kv = int(budget - w_gpu - overhead - act)
        group, per_seq, groups = _kv_layout(arch, layers, max_len, mnbt, rules, block)
        page = per_layer_tok * group * block
        blocks = max(0, int(kv // page)) if page > 0 and layers > 0 else 0
        if best is None or blocks < best[0]:
            best = (blocks, w_gpu, act, kv, per_seq, groups, int(per_layer_tok * layers), overhead, layers)
    assert best is not None
    blocks, w_gpu, act, kv, per_seq, groups, kv_tok, overhead, limiting = best
    # v0.9.1:vllm/v1/core/kv_cache_utils.py divides by blocks per request; before, tokens / max_len
    conc = (blocks / per_seq if per_seq else 0.0) if rules.hybrid_kv else blocks * block / max_len
    tokens = int(conc * max_len) if rules.tokens_from_concurrency else blocks // groups * block
    return MemoryPlan(weights, w_gpu, kv_tok, budget, overhead, act, kv, blocks, per_seq, conc, tokens,
                      mnbt, seqs, util, limiting)


def sequences_at(arch: Architecture, mem: MemoryPlan, length: int, engine: str | EngineRules | None = None) -> int:
    """Whole sequences of ``length`` tokens the plan's KV cache holds at once."""
    rules = engine if isinstance(engine, EngineRules) else engine_rules(engine)
    _, per_seq, _ = _kv_layout(arch, mem.stage_layers or arch.num_layers, max(1, length), mem.max_num_batched_tokens,
                               rules, BLOCK_TOKENS)
    return mem.num_blocks // per_seq if per_seq else 0
