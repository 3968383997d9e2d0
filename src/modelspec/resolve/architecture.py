"""Model architecture: the numbers memory sizing needs, from a spec block or a HF config.json.

Understands llama / mistral / qwen2 / gemma2 / phi3 / mixtral / deepseek-v2 style configs:
GQA (``num_key_value_heads``), explicit ``head_dim``, tied embeddings, MoE (total vs active
experts, shared experts, dense first layers), MLA (``kv_lora_rank`` + ``qk_rope_head_dim``) and
sliding windows. When only a parameter count is known (or parsed from an id such as
``llama-2-70b``) the result is flagged as an estimate and names the missing numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ..errors import ModelSpecError


class ArchitectureError(ModelSpecError):
    """The architecture cannot be determined (missing or malformed config)."""


@dataclass(frozen=True, slots=True)
class Params:
    """Parameter counts by kind: linear layers get quantized, embeddings usually do not."""

    embedding: int
    lm_head: int
    linear_dense: int  # attention + dense MLP + shared experts: read every step
    linear_experts: int  # routed experts (all of them)
    other: int  # norms, biases, routers

    @property
    def total(self) -> int:
        return self.embedding + self.lm_head + self.linear_dense + self.linear_experts + self.other

    @property
    def linear(self) -> int:
        return self.linear_dense + self.linear_experts


@dataclass(frozen=True)  # no slots: params() caches its counts in the instance dict
class Architecture:
    num_layers: int
    hidden_size: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    model_type: str = "llama"
    tie_embeddings: bool = False
    attention_bias: bool = False
    num_experts: int = 0
    experts_per_token: int = 0
    moe_intermediate_size: int = 0
    shared_experts: int = 0
    first_dense_layers: int = 0
    kv_lora_rank: int = 0
    q_lora_rank: int = 0
    qk_rope_head_dim: int = 0
    qk_nope_head_dim: int = 0
    v_head_dim: int = 0
    sliding_window: int | None = None
    sliding_window_layers: float = 1.0  # fraction of layers that use the window (gemma2: 0.5)
    max_position_embeddings: int | None = None
    torch_dtype: str | None = None
    declared_parameters: int | None = None
    source: str = "spec"
    estimated: bool = False
    missing: tuple[str, ...] = field(default_factory=tuple)

    # -- derived -------------------------------------------------------------------------
    @property
    def is_moe(self) -> bool:
        return self.num_experts > 1

    @property
    def is_mla(self) -> bool:
        return self.kv_lora_rank > 0

    def params(self) -> Params:
        """Parameter counts (cached: the candidate search asks thousands of times)."""
        return self._params

    @cached_property
    def _params(self) -> Params:
        h, layers = self.hidden_size, self.num_layers
        embedding = self.vocab_size * h
        lm_head = 0 if self.tie_embeddings else self.vocab_size * h
        if self.is_mla:
            qk = self.qk_nope_head_dim + self.qk_rope_head_dim
            q = (h * self.q_lora_rank + self.q_lora_rank * self.num_heads * qk) if self.q_lora_rank \
                else h * self.num_heads * qk
            kv = h * (self.kv_lora_rank + self.qk_rope_head_dim) + self.kv_lora_rank * self.num_heads * (
                self.qk_nope_head_dim + self.v_head_dim)
            o = self.num_heads * self.v_head_dim * h
            attn = q + kv + o
            attn_norms = self.kv_lora_rank + (self.q_lora_rank or 0)
        else:
            attn = h * self.num_heads * self.head_dim * 2 + h * self.num_kv_heads * self.head_dim * 2
            attn_norms = 0
        bias = (self.num_heads + 2 * self.num_kv_heads) * self.head_dim if self.attention_bias else 0
        norms_per_layer = 4 * h if self.model_type == "gemma2" else 2 * h
        dense_mlp = 3 * h * self.intermediate_size
        if self.is_moe:
            moe_inter = self.moe_intermediate_size or self.intermediate_size
            moe_layers = layers - self.first_dense_layers
            experts = moe_layers * self.num_experts * 3 * h * moe_inter
            shared = moe_layers * self.shared_experts * 3 * h * moe_inter
            dense = layers * attn + self.first_dense_layers * dense_mlp + shared
            router = moe_layers * h * self.num_experts
        else:
            experts, router = 0, 0
            dense = layers * (attn + dense_mlp)
        other = layers * (norms_per_layer + bias + attn_norms) + h + router
        return Params(embedding, lm_head, dense, experts, other)

    @property
    def parameter_count(self) -> int:
        return self.declared_parameters if self.estimated and self.declared_parameters else self.params().total

    def active_fraction_of_experts(self, batch: int = 1) -> float:
        """Share of routed-expert weights read in one decode step at ``batch`` sequences."""
        if not self.is_moe:
            return 1.0
        k, n = self.experts_per_token, self.num_experts
        touched = n * (1 - (1 - k / n) ** max(1, batch))
        return min(1.0, touched / n)

    def active_parameters(self, batch: int = 1) -> int:
        """Parameters used for one token (MoE: routed experts not picked are skipped)."""
        p = self.params()
        return int(p.total - p.linear_experts * (1 - self.active_fraction_of_experts(batch)))

    def kv_bytes_per_token(self, tp: int = 1, dtype_bytes: float = 2.0) -> int:
        """KV-cache bytes one token occupies on one GPU at tensor-parallel degree ``tp``."""
        if self.is_mla:
            # the compressed latent and the rope key are cached once per layer, on every rank
            return int((self.kv_lora_rank + self.qk_rope_head_dim) * self.num_layers * dtype_bytes)
        heads = max(1, self.num_kv_heads // tp) if self.num_kv_heads >= tp else 1
        return int(2 * self.num_layers * heads * self.head_dim * dtype_bytes)

    def kv_tokens_per_sequence(self, max_len: int) -> float:
        """Cached tokens one full-length sequence needs, averaged over layers (sliding windows)."""
        if self.sliding_window and self.sliding_window < max_len:
            f = self.sliding_window_layers
            return f * self.sliding_window + (1 - f) * max_len
        return float(max_len)


# -- constructors ----------------------------------------------------------------------------

# Plausible ranges for the numbers a config.json carries. A value outside them is a broken or
# hostile config, never a model: the resolver would otherwise divide by zero, trust negative
# sizes, or spend minutes on a 10^12-layer "model". Wide enough for anything published.
_RANGES: dict[str, tuple[int, int]] = {
    "num_hidden_layers": (1, 4096), "n_layer": (1, 4096), "num_layers": (1, 4096),
    "hidden_size": (1, 1 << 20), "n_embd": (1, 1 << 20), "d_model": (1, 1 << 20),
    "num_attention_heads": (1, 1 << 16), "n_head": (1, 1 << 16),
    "num_key_value_heads": (1, 1 << 16), "num_kv_heads": (1, 1 << 16),
    "head_dim": (1, 1 << 16), "intermediate_size": (1, 1 << 24), "ffn_dim": (1, 1 << 24), "n_inner": (1, 1 << 24),
    "vocab_size": (1, 1 << 26),
    "num_local_experts": (0, 1 << 16), "n_routed_experts": (0, 1 << 16), "num_experts": (0, 1 << 16),
    "num_experts_per_tok": (0, 1 << 16), "num_experts_per_token": (0, 1 << 16), "moe_topk": (0, 1 << 16),
    "moe_intermediate_size": (0, 1 << 24), "n_shared_experts": (0, 1 << 10), "first_k_dense_replace": (0, 4096),
    "kv_lora_rank": (0, 1 << 16), "q_lora_rank": (0, 1 << 16), "qk_rope_head_dim": (0, 1 << 16),
    "qk_nope_head_dim": (0, 1 << 16), "v_head_dim": (0, 1 << 16),
    "sliding_window": (1, 1 << 31), "sliding_window_pattern": (1, 4096),
    "max_position_embeddings": (1, 1 << 31), "n_positions": (1, 1 << 31),
}
MAX_NESTING = 32  # config.json nests a text_config, a quantization_config… never deeper than a few levels


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _int(cfg: dict[str, Any], *keys: str, default: int | None = None, source: str = "config.json") -> int | None:
    """The first of ``keys`` present (null counts as absent), checked against its range.

    Booleans, strings, NaN/Infinity, fractions and out-of-range numbers raise, naming the field.
    """
    for k in keys:
        if k not in cfg or cfg[k] is None:
            continue
        v = cfg[k]
        lo, hi = _RANGES.get(k, (0, 1 << 31))
        ok = (isinstance(v, int) and not isinstance(v, bool)) or (
            isinstance(v, float) and math.isfinite(v) and v.is_integer())
        if not ok or not lo <= v <= hi:
            raise ArchitectureError(f"{source}: `{k}` must be an integer from {lo} to {hi:,}, got {_shown(v)}")
        return int(v)
    return default


def _depth(node: Any, limit: int = MAX_NESTING) -> int:
    """Nesting depth of a JSON value, stopping once past ``limit`` (no recursion)."""
    stack = [(node, 1)]
    deepest = 0
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def _layer_split(cfg: dict[str, Any], model_type: str, layers: int, window: int | None,
                 source: str) -> float:
    """Share of layers that attend within the sliding window (0 without a window)."""
    if window is None:
        return 0.0
    types = cfg.get("layer_types")
    if isinstance(types, list) and types:
        if not all(isinstance(t, str) for t in types):
            raise ArchitectureError(f"{source}: `layer_types` must be a list of strings")
        return sum(1 for t in types if "sliding" in t) / len(types)
    pattern = _int(cfg, "sliding_window_pattern", source=source)
    if pattern:
        return (layers - layers // pattern) / layers
    if model_type in ("gemma2",):
        return 0.5
    if model_type in ("gemma3", "gemma3_text"):
        return (layers - layers // 6) / layers
    if model_type == "cohere2":
        return (layers - layers // 4) / layers
    return 1.0


def from_hf_config(cfg: dict[str, Any], source: str = "config.json") -> Architecture:
    """Build from a Hugging Face ``config.json`` mapping (multimodal configs: the text part)."""
    if not isinstance(cfg, dict):
        raise ArchitectureError(f"{source}: config must be a JSON object")
    if _depth(cfg) > MAX_NESTING:
        raise ArchitectureError(f"{source}: config nests deeper than {MAX_NESTING} levels")
    if isinstance(cfg.get("text_config"), dict):
        cfg = {**cfg["text_config"], "model_type": cfg["text_config"].get("model_type", cfg.get("model_type"))}
    model_type = cfg.get("model_type", "llama")
    if not isinstance(model_type, str) or len(model_type) > 100:
        raise ArchitectureError(f"{source}: `model_type` must be a short string, got {_shown(model_type)}")

    def num(*keys: str, default: int | None = None) -> int | None:
        return _int(cfg, *keys, default=default, source=source)

    layers = num("num_hidden_layers", "n_layer", "num_layers")
    hidden = num("hidden_size", "n_embd", "d_model")
    heads = num("num_attention_heads", "n_head")
    vocab = num("vocab_size")
    if layers is None or hidden is None or heads is None or vocab is None:
        missing = [n for n, v in (("num_hidden_layers", layers), ("hidden_size", hidden),
                                  ("num_attention_heads", heads), ("vocab_size", vocab)) if v is None]
        raise ArchitectureError(f"{source}: missing {', '.join(missing)} (is this a transformer config.json?)")
    kv_heads = num("num_key_value_heads", "num_kv_heads", default=heads) or heads
    if kv_heads > heads:
        raise ArchitectureError(f"{source}: `num_key_value_heads` {kv_heads} exceeds num_attention_heads {heads}")
    head_dim = num("head_dim") or hidden // heads
    if head_dim < 1:
        raise ArchitectureError(f"{source}: `hidden_size` {hidden} < num_attention_heads {heads} and no head_dim")
    inter = num("intermediate_size", "ffn_dim", "n_inner", default=4 * hidden) or 4 * hidden
    experts = num("num_local_experts", "n_routed_experts", "num_experts", default=0) or 0
    per_tok = num("num_experts_per_tok", "num_experts_per_token", "moe_topk", default=0) or 0
    if experts > 1 and per_tok > experts:
        raise ArchitectureError(f"{source}: `num_experts_per_tok` {per_tok} exceeds the {experts} experts")
    sliding = num("sliding_window")
    use_sliding = cfg.get("use_sliding_window", True) is not False and sliding is not None
    if model_type.startswith("qwen2") and use_sliding and cfg.get("max_window_layers") is not None:
        use_sliding = False  # qwen2 configs carry a window that is off unless use_sliding_window
    window = sliding if use_sliding else None
    kv_lora = num("kv_lora_rank", default=0) or 0
    dtype = cfg.get("torch_dtype", cfg.get("dtype"))
    return Architecture(
        num_layers=layers, hidden_size=hidden, num_heads=heads, num_kv_heads=kv_heads, head_dim=head_dim,
        intermediate_size=inter, vocab_size=vocab, model_type=model_type,
        tie_embeddings=bool(cfg.get("tie_word_embeddings", model_type in ("gemma", "gemma2", "gemma3"))),
        attention_bias=bool(cfg.get("attention_bias", model_type in ("qwen2", "qwen2_moe"))),
        num_experts=experts if experts > 1 else 0, experts_per_token=per_tok if experts > 1 else 0,
        moe_intermediate_size=num("moe_intermediate_size", default=0) or 0,
        shared_experts=num("n_shared_experts", default=0) or 0,
        first_dense_layers=num("first_k_dense_replace", default=0) or 0,
        kv_lora_rank=kv_lora, q_lora_rank=num("q_lora_rank", default=0) or 0,
        qk_rope_head_dim=num("qk_rope_head_dim", default=0) or 0,
        qk_nope_head_dim=num("qk_nope_head_dim", default=0) or 0,
        v_head_dim=num("v_head_dim", default=0) or 0,
        sliding_window=window, sliding_window_layers=_layer_split(cfg, model_type, layers, window, source),
        max_position_embeddings=num("max_position_embeddings", "n_positions"),
        torch_dtype=dtype if isinstance(dtype, str) and len(dtype) < 32 else None,
        source=source,
    )


_SPEC_TO_HF = {
    "numLayers": "num_hidden_layers", "hiddenSize": "hidden_size", "numAttentionHeads": "num_attention_heads",
    "numKeyValueHeads": "num_key_value_heads", "headDim": "head_dim", "intermediateSize": "intermediate_size",
    "vocabSize": "vocab_size", "tieWordEmbeddings": "tie_word_embeddings", "numExperts": "num_local_experts",
    "numExpertsPerToken": "num_experts_per_tok", "kvLoraRank": "kv_lora_rank", "qkRopeHeadDim": "qk_rope_head_dim",
    "slidingWindow": "sliding_window", "maxPositionEmbeddings": "max_position_embeddings",
}

_STRUCTURAL = ("numLayers", "hiddenSize", "numAttentionHeads", "vocabSize")


def from_spec_block(block: dict[str, Any], model_id: str = "") -> Architecture:
    """From ``spec.identity.model.architecture`` (camelCase wire names)."""
    declared = block.get("parameterCount")
    if all(block.get(k) is not None for k in _STRUCTURAL):
        cfg = {hf: block[k] for k, hf in _SPEC_TO_HF.items() if block.get(k) is not None}
        if block.get("numExperts"):
            cfg["model_type"] = "mixtral"
        arch = from_hf_config(cfg, source="spec architecture")
        missing = tuple(k for k in ("numKeyValueHeads", "intermediateSize") if block.get(k) is None)
        arch = replace(arch, declared_parameters=declared, missing=missing)
        return arch
    if isinstance(declared, int):
        missing = tuple(k for k in _STRUCTURAL if block.get(k) is None)
        return estimate_from_parameters(declared, "spec parameterCount", missing=missing, partial=block)
    raise ArchitectureError("spec architecture needs numLayers, hiddenSize, numAttentionHeads and vocabSize, "
                            "or parameterCount")


# (max params, layers, hidden) for dense llama-style models: what a count alone suggests
_SHAPES = [(1.5e9, 16, 2048), (4e9, 28, 3072), (10e9, 32, 4096), (16e9, 40, 5120), (40e9, 48, 6144),
           (80e9, 80, 8192), (150e9, 96, 12288), (math.inf, 126, 16384)]


def estimate_from_parameters(count: int, source: str, *, missing: tuple[str, ...] = (),
                             partial: dict[str, Any] | None = None) -> Architecture:
    """A dense llama-style stand-in of the right size: weights exact, KV cache approximate.

    Assumes grouped-query attention with 8 KV heads of 128 (what current open models use); a
    multi-head model needs up to 4-8x more KV cache than this estimate.
    """
    partial = partial or {}
    if not 1 <= count <= MAX_PARAMETERS:
        raise ArchitectureError(f"{source}: parameter count {count:,} is outside 1 … {MAX_PARAMETERS:,}")
    layers, hidden = next((layer, h) for limit, layer, h in _SHAPES if count <= limit)
    layers = int(partial.get("numLayers") or layers)
    hidden = int(partial.get("hiddenSize") or hidden)
    kv_heads = int(partial.get("numKeyValueHeads") or 8)
    head_dim = int(partial.get("headDim") or 128)
    heads = int(partial.get("numAttentionHeads") or max(kv_heads, hidden // head_dim))
    vocab = int(partial.get("vocabSize") or 32000)
    # choose the MLP width so the stand-in has exactly `count` parameters
    attn = hidden * heads * head_dim * 2 + hidden * kv_heads * head_dim * 2
    rest = count - 2 * vocab * hidden - layers * (attn + 2 * hidden) - hidden
    inter = max(1, rest // (3 * hidden * layers))
    names = missing or ("numLayers", "hiddenSize", "numKeyValueHeads", "headDim")
    return Architecture(num_layers=layers, hidden_size=hidden, num_heads=heads, num_kv_heads=kv_heads,
                        head_dim=head_dim, intermediate_size=inter, vocab_size=vocab, declared_parameters=count,
                        source=source, estimated=True, missing=tuple(names))


MAX_PARAMETERS = 10**14  # 100 T: far above any published model


_SIZE = re.compile(r"(?:(?P<experts>\d+)x)?(?P<num>\d+(?:\.\d+)?)(?P<unit>[bm])(?![a-z0-9])", re.IGNORECASE)


def parameters_from_id(model_id: str) -> int | None:
    """``llama-2-70b`` → 70e9, ``qwen2.5-0.5b-instruct`` → 0.5e9, ``mixtral-8x7b`` → 56e9 (upper bound)."""
    best = None
    for m in _SIZE.finditer(model_id.lower()):
        value = float(m.group("num")) * (1e9 if m.group("unit").lower() == "b" else 1e6)
        if m.group("experts"):
            value *= int(m.group("experts"))
        best = int(value)
    return best
