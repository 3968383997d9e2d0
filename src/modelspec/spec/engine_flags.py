"""The model servers' launch-flag vocabulary: canonical names, short aliases, value types, defaults.

One table below both the scanner (which *parses* launch commands into facts) and the resolver
(which *emits* the flags that implement its choice), so the two can never disagree on a flag's
spelling or default, and ``resolve/`` never imports ``scan/``.

Sources: vLLM ``EngineArgs`` / ``vllm serve --help`` (flags accept ``--flag value``,
``--flag=value`` and underscore spellings; ``-tp``/``-pp``/``-dp``/``-q`` are short forms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ValueType = Literal["int", "float", "bool", "str", "list"]


@dataclass(frozen=True, slots=True)
class Flag:
    """One launch flag: its canonical ``--name``, value type and the engine's default when absent.

    ``default is None`` means the default depends on the model or the GPU (recorded as such,
    never guessed).
    """

    name: str
    kind: ValueType
    default: Any = None
    doc: str = ""


def _table(*flags: Flag) -> dict[str, Flag]:
    return {f.name: f for f in flags}


VLLM_FLAGS: dict[str, Flag] = _table(
    Flag("model", "str", None, "model id or path (positional after `vllm serve`)"),
    Flag("served-model-name", "list", None, "names the OpenAI API answers to (default: the model)"),
    Flag("tensor-parallel-size", "int", 1, "GPUs a layer is split over"),
    Flag("pipeline-parallel-size", "int", 1, "pipeline stages (across nodes in multi-node serving)"),
    Flag("data-parallel-size", "int", 1, "engine replicas inside one server"),
    Flag("max-model-len", "int", None, "context length (default: the model's max_position_embeddings)"),
    Flag("max-num-seqs", "int", 256, "sequences per iteration (V1 default depends on release and GPU)"),
    Flag("max-num-batched-tokens", "int", None, "tokens per iteration (default depends on release and GPU)"),
    Flag("dtype", "str", "auto", "activation/weight dtype (auto: the checkpoint's torch_dtype)"),
    Flag("quantization", "str", None, "weight quantization method"),
    Flag("kv-cache-dtype", "str", "auto", "KV cache element type"),
    Flag("gpu-memory-utilization", "float", 0.9, "fraction of GPU memory vLLM may use (0.92 from v0.20)"),
    Flag("port", "int", 8000, "HTTP port"),
    Flag("host", "str", None, "bind address"),
    Flag("block-size", "int", None, "KV cache block size in tokens"),
    Flag("enforce-eager", "bool", False, "disable CUDA graphs"),
    Flag("trust-remote-code", "bool", False, "run the model repository's own code"),
    Flag("enable-prefix-caching", "bool", None, "prefix caching (default on in V1)"),
    Flag("enable-chunked-prefill", "bool", None, "chunked prefill (default on in V1)"),
    Flag("disable-log-requests", "bool", False, ""),
    Flag("disable-log-stats", "bool", False, ""),
    Flag("enable-auto-tool-choice", "bool", False, ""),
    Flag("enable-lora", "bool", False, ""),
)

VLLM_SHORT: dict[str, str] = {
    "-tp": "tensor-parallel-size",
    "-pp": "pipeline-parallel-size",
    "-dp": "data-parallel-size",
    "-q": "quantization",
}


def vllm_flag(name: str) -> str:
    """``--max_num_seqs`` / ``-tp`` / ``max-num-seqs`` → the canonical ``max-num-seqs``."""
    name = VLLM_SHORT.get(name, name)
    return name.lstrip("-").replace("_", "-")
