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


@dataclass(frozen=True, slots=True)
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
        h, layers = self.hidden_size, self.num_layers
        embedding = self.vocab_size * h
        lm_head = 0 if self.tie_embeddings else self.vocab_size * h
        if self.is_mla:
            qk = self.qk_nope_head_dim + self.qk_rope_head_dim
            q = (
                (h * self.q_lora_rank + self.q_lora_rank * self.num_heads * qk)
                if self.q_lora_rank
                else h * self.num_heads * qk
            )
            kv = h * (self.kv_lora_rank + self.qk_rope_head_dim) + self.kv_lora_rank * self.num_heads * (
                self.qk_nope_head_dim + self.v_head_dim
            )
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


def _int(cfg: dict[str, Any], *keys: str, default: int | None = None) -> int | None:
    for k in keys:
        v = cfg.get(k)
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)):
            return int(v)
    return default


def from_hf_config(cfg: dict[str, Any], source: str = "config.json") -> Architecture:
    """Build from a Hugging Face ``config.json`` mapping (multimodal configs: the text part)."""
    if not isinstance(cfg, dict):
        raise ArchitectureError(f"{source}: config must be a JSON object")
    if isinstance(cfg.get("text_config"), dict):
        cfg = {**cfg["text_config"], "model_type": cfg["text_config"].get("model_type", cfg.get("model_type"))}
    model_type = str(cfg.get("model_type", "llama"))
    layers = _int(cfg, "num_hidden_layers", "n_layer", "num_layers")
    hidden = _int(cfg, "hidden_size", "n_embd", "d_model")
    heads = _int(cfg, "num_attention_heads", "n_head")
    vocab = _int(cfg, "vocab_size")
    missing = [
        n
        for n, v in (
            ("num_hidden_layers", layers),
            ("hidden_size", hidden),
            ("num_attention_heads", heads),
            ("vocab_size", vocab),
        )
        if v is None
    ]
    if missing:
        raise ArchitectureError(f"{source}: missing {', '.join(missing)} (is this a transformer config.json?)")
    assert layers and hidden and heads and vocab
    kv_heads = _int(cfg, "num_key_value_heads", "num_kv_heads", default=heads) or heads
    head_dim = _int(cfg, "head_dim", default=hidden // heads) or hidden // heads
    inter = _int(cfg, "intermediate_size", "ffn_dim", "n_inner", default=4 * hidden) or 4 * hidden
    experts = _int(cfg, "num_local_experts", "n_routed_experts", "num_experts", default=0) or 0
    per_tok = _int(cfg, "num_experts_per_tok", "num_experts_per_token", "moe_topk", default=0) or 0
    sliding = _int(cfg, "sliding_window")
    use_sliding = cfg.get("use_sliding_window", True) is not False and sliding is not None
    sliding_layers = 0.5 if model_type in ("gemma2", "gemma3", "cohere2") else 1.0
    if model_type.startswith("qwen2") and use_sliding and cfg.get("max_window_layers") is not None:
        use_sliding = False  # qwen2 configs carry a window that is off unless use_sliding_window
    kv_lora = _int(cfg, "kv_lora_rank", default=0) or 0
    return Architecture(
        num_layers=layers,
        hidden_size=hidden,
        num_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=head_dim,
        intermediate_size=inter,
        vocab_size=vocab,
        model_type=model_type,
        tie_embeddings=bool(cfg.get("tie_word_embeddings", model_type in ("gemma", "gemma2", "gemma3"))),
        attention_bias=bool(cfg.get("attention_bias", model_type in ("qwen2", "qwen2_moe"))),
        num_experts=experts if experts > 1 else 0,
        experts_per_token=per_tok if experts > 1 else 0,
        moe_intermediate_size=_int(cfg, "moe_intermediate_size", default=0) or 0,
        shared_experts=_int(cfg, "n_shared_experts", default=0) or 0,
        first_dense_layers=_int(cfg, "first_k_dense_replace", default=0) or 0,
        kv_lora_rank=kv_lora,
        q_lora_rank=_int(cfg, "q_lora_rank", default=0) or 0,
        qk_rope_head_dim=_int(cfg, "qk_rope_head_dim", default=0) or 0,
        qk_nope_head_dim=_int(cfg, "qk_nope_head_dim", default=0) or 0,
        v_head_dim=_int(cfg, "v_head_dim", default=0) or 0,
        sliding_window=sliding if use_sliding else None,
        sliding_window_layers=sliding_layers,
        max_position_embeddings=_int(cfg, "max_position_embeddings", "n_positions"),
        torch_dtype=str(cfg["torch_dtype"]) if isinstance(cfg.get("torch_dtype"), str) else None,
        source=source,
    )


_SPEC_TO_HF = {
    "numLayers": "num_hidden_layers",
    "hiddenSize": "hidden_size",
    "numAttentionHeads": "num_attention_heads",
    "numKeyValueHeads": "num_key_value_heads",
    "headDim": "head_dim",
    "intermediateSize": "intermediate_size",
    "vocabSize": "vocab_size",
    "tieWordEmbeddings": "tie_word_embeddings",
    "numExperts": "num_local_experts",
    "numExpertsPerToken": "num_experts_per_tok",
    "kvLoraRank": "kv_lora_rank",
    "qkRopeHeadDim": "qk_rope_head_dim",
    "slidingWindow": "sliding_window",
    "maxPositionEmbeddings": "max_position_embeddings",
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
    raise ArchitectureError(
        "spec architecture needs numLayers, hiddenSize, numAttentionHeads and vocabSize, or parameterCount"
    )


# (max params, layers, hidden) for dense llama-style models: what a count alone suggests
_SHAPES = [
    (1.5e9, 16, 2048),
    (4e9, 28, 3072),
    (10e9, 32, 4096),
    (16e9, 40, 5120),
    (40e9, 48, 6144),
    (80e9, 80, 8192),
    (150e9, 96, 12288),
    (math.inf, 126, 16384),
]


def estimate_from_parameters(
    count: int, source: str, *, missing: tuple[str, ...] = (), partial: dict[str, Any] | None = None
) -> Architecture:
    """A dense llama-style stand-in of the right size: weights exact, KV cache approximate.

    Assumes grouped-query attention with 8 KV heads of 128 (what current open models use); a
    multi-head model needs up to 4-8x more KV cache than this estimate.
    """
    partial = partial or {}
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
    return Architecture(
        num_layers=layers,
        hidden_size=hidden,
        num_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=head_dim,
        intermediate_size=inter,
        vocab_size=vocab,
        declared_parameters=count,
        source=source,
        estimated=True,
        missing=tuple(names),
    )


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
