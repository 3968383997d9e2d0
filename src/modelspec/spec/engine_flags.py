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


# -- other engines -------------------------------------------------------------------------------
# Each engine's flags are recorded under the *common fact names* above (vLLM's spelling), so a
# drift rule asks for "tensor-parallel-size" whatever the engine calls it. ``spellings`` maps every
# accepted spelling (without leading dashes, '_' → '-'; short forms keep their single dash) to the
# common name; ``env`` maps an engine's environment twins (read only from literal ``env`` values)
# to the common name.


@dataclass(frozen=True, slots=True)
class EngineVocab:
    """One engine's launch vocabulary, keyed by the common fact names."""

    engine: str
    flags: dict[str, Flag]
    spellings: dict[str, str]
    env: dict[str, str]
    secret_flags: frozenset[str] = frozenset()  # spellings whose value is a credential
    config_flags: frozenset[str] = frozenset()  # spellings naming a config file the scanner does not read

    def canonical(self, spelling: str) -> str:
        """``--tp_size`` / ``--tp`` / ``-tp`` → the common name, or the normalised spelling."""
        key = spelling if spelling in self.spellings else _norm(spelling)
        return self.spellings.get(key, _norm(spelling))


def _norm(spelling: str) -> str:
    if spelling.startswith("-") and not spelling.startswith("--") and len(spelling) <= 4:
        return spelling  # a short form such as -tp, -c, -m, -np
    return spelling.lstrip("-").replace("_", "-")


def _vocab(
    engine: str,
    flags: list[tuple[str, ValueType, Any, tuple[str, ...]]],
    env: dict[str, str] | None = None,
    secret: tuple[str, ...] = ("api-key",),
    config: tuple[str, ...] = ("config",),
) -> EngineVocab:
    table = {name: Flag(name, kind, default) for name, kind, default, _ in flags}
    spellings: dict[str, str] = {}
    for name, _, _, aliases in flags:
        for alias in aliases:
            spellings[alias] = name
    return EngineVocab(engine, table, spellings, env or {}, frozenset(secret), frozenset(config))


VLLM = EngineVocab(
    "vllm",
    VLLM_FLAGS,
    {**{name: name for name in VLLM_FLAGS}, **VLLM_SHORT},
    {},
    frozenset({"api-key", "hf-token"}),
    frozenset({"config"}),
)

# SGLang server_args.py: --model-path (alias --model), --tp-size/--tp, --dp-size/--dp, --pp-size,
# --context-length, --max-running-requests, --mem-fraction-static; port 30000, host 127.0.0.1.
SGLANG = _vocab(
    "sglang",
    [
        ("model", "str", None, ("model-path", "model")),
        ("served-model-name", "str", None, ("served-model-name",)),
        ("tensor-parallel-size", "int", 1, ("tp-size", "tp", "tensor-parallel-size")),
        ("pipeline-parallel-size", "int", 1, ("pp-size", "pipeline-parallel-size")),
        ("data-parallel-size", "int", 1, ("dp-size", "dp", "data-parallel-size")),
        ("max-model-len", "int", None, ("context-length",)),
        ("max-num-seqs", "int", None, ("max-running-requests",)),
        ("max-num-batched-tokens", "int", None, ("max-prefill-tokens",)),
        ("dtype", "str", "auto", ("dtype",)),
        ("quantization", "str", None, ("quantization",)),
        ("kv-cache-dtype", "str", "auto", ("kv-cache-dtype",)),
        ("gpu-memory-utilization", "float", None, ("mem-fraction-static",)),
        ("port", "int", 30000, ("port",)),
        ("host", "str", "127.0.0.1", ("host",)),
    ],
)

# TGI launcher (launcher/src/main.rs): every long flag has an env twin (MODEL_ID, NUM_SHARD, …).
# No --num-shard: one shard per visible CUDA device (unknown from the arguments alone).
TGI = _vocab(
    "tgi",
    [
        ("model", "str", "bigscience/bloom-560m", ("model-id",)),
        ("tensor-parallel-size", "int", None, ("num-shard",)),
        ("max-model-len", "int", None, ("max-total-tokens",)),
        ("max-input-tokens", "int", None, ("max-input-tokens", "max-input-length")),
        ("max-num-seqs", "int", None, ("max-batch-size",)),
        ("max-num-batched-tokens", "int", None, ("max-batch-prefill-tokens",)),
        ("max-concurrent-requests", "int", 128, ("max-concurrent-requests",)),
        ("dtype", "str", None, ("dtype",)),
        ("quantization", "str", None, ("quantize",)),
        ("kv-cache-dtype", "str", None, ("kv-cache-dtype",)),
        ("port", "int", 3000, ("port", "-p")),
        ("host", "str", "0.0.0.0", ("hostname",)),
    ],
    env={
        "MODEL_ID": "model",
        "NUM_SHARD": "tensor-parallel-size",
        "MAX_TOTAL_TOKENS": "max-model-len",
        "MAX_INPUT_TOKENS": "max-input-tokens",
        "MAX_INPUT_LENGTH": "max-input-tokens",
        "MAX_BATCH_SIZE": "max-num-seqs",
        "MAX_BATCH_PREFILL_TOKENS": "max-num-batched-tokens",
        "MAX_CONCURRENT_REQUESTS": "max-concurrent-requests",
        "DTYPE": "dtype",
        "QUANTIZE": "quantization",
        "KV_CACHE_DTYPE": "kv-cache-dtype",
        "PORT": "port",
        "HOSTNAME": "host",
    },
    secret=("api-key",),
    config=(),
)

# llama.cpp tools/server: -m/--model, -hf, -c/--ctx-size (0 = from the model; shared by the
# -np slots), -np/--parallel (-1 = auto), --port 8080, --host 127.0.0.1, LLAMA_ARG_* env twins.
LLAMACPP = _vocab(
    "llama.cpp",
    [
        ("model", "str", None, ("-m", "model", "-hf", "hf-repo", "-mu", "model-url")),
        ("served-model-name", "str", None, ("-a", "alias")),
        ("ctx-size", "int", 0, ("-c", "ctx-size")),
        ("max-num-seqs", "int", None, ("-np", "parallel")),
        ("max-num-batched-tokens", "int", 2048, ("-b", "batch-size")),
        ("gpu-layers", "str", None, ("-ngl", "gpu-layers", "n-gpu-layers")),
        ("port", "int", 8080, ("port",)),
        ("host", "str", "127.0.0.1", ("host",)),
    ],
    env={
        "LLAMA_ARG_MODEL": "model",
        "LLAMA_ARG_HF_REPO": "model",
        "LLAMA_ARG_CTX_SIZE": "ctx-size",
        "LLAMA_ARG_N_PARALLEL": "max-num-seqs",
        "LLAMA_ARG_BATCH": "max-num-batched-tokens",
        "LLAMA_ARG_N_GPU_LAYERS": "gpu-layers",
        "LLAMA_ARG_PORT": "port",
        "LLAMA_ARG_HOST": "host",
        "LLAMA_ARG_ALIAS": "served-model-name",
    },
    secret=("api-key", "api-key-file", "hf-token", "-hft"),
    config=(),
)

# TensorRT-LLM ``trtllm-serve <model>`` (tensorrt_llm/commands/serve.py): underscore flags.
TRTLLM = _vocab(
    "tensorrt-llm",
    [
        ("model", "str", None, ()),
        ("tensor-parallel-size", "int", 1, ("tp-size",)),
        ("pipeline-parallel-size", "int", 1, ("pp-size",)),
        ("expert-parallel-size", "int", None, ("ep-size",)),
        ("max-model-len", "int", None, ("max-seq-len",)),
        ("max-num-seqs", "int", None, ("max-batch-size",)),
        ("max-num-batched-tokens", "int", None, ("max-num-tokens",)),
        ("backend", "str", None, ("backend",)),
        ("port", "int", 8000, ("port",)),
        ("host", "str", "localhost", ("host",)),
    ],
    config=("extra-llm-api-options", "config"),
)

# Triton: ``tritonserver --model-repository=…``; the TRT-LLM backend's launch_triton_server.py
# takes --world_size (GPUs, = TP × PP of the engine) and --model_repo.
TRITON = _vocab(
    "triton",
    [
        ("model", "str", None, ("model-repository", "model-store", "model-repo")),
        ("world-size", "int", 1, ("world-size",)),
        ("port", "int", 8000, ("http-port",)),
        ("grpc-port", "int", 8001, ("grpc-port",)),
        ("metrics-port", "int", 8002, ("metrics-port",)),
    ],
    secret=(),
    config=(),
)

# Ollama: ``ollama serve``; everything through OLLAMA_* env (envconfig/config.go).
OLLAMA = _vocab(
    "ollama",
    [
        ("model", "str", None, ()),
        ("host", "str", "127.0.0.1:11434", ()),
        ("max-num-seqs", "int", None, ()),
        ("max-model-len", "int", None, ()),
    ],
    env={"OLLAMA_HOST": "host", "OLLAMA_NUM_PARALLEL": "max-num-seqs", "OLLAMA_CONTEXT_LENGTH": "max-model-len"},
    secret=(),
    config=(),
)

# KServe huggingfaceserver (python/huggingfaceserver/__main__.py): its own flags in underscore
# spelling; with the vLLM backend it also accepts every vLLM engine flag.
KSERVE_HF: dict[str, str] = {
    "model-id": "model",
    "model-dir": "model-dir",
    "model-name": "served-model-name",
    "http-port": "port",
    "max-length": "max-model-len",
}

# NVIDIA NIM for LLMs (docs.nvidia.com/nim/large-language-models, "Environment Variables" and
# "Advanced Configuration"): the image's entrypoint (nim-serve) takes vLLM's CLI flags; NIM_* env
# vars map onto them; TP/PP otherwise come from the auto-selected model profile (not observable).
NIM = _vocab(
    "nim",
    [
        ("model", "str", None, ("model",)),
        ("served-model-name", "list", None, ("served-model-name",)),
        ("tensor-parallel-size", "int", None, ("tensor-parallel-size", "-tp")),
        ("pipeline-parallel-size", "int", None, ("pipeline-parallel-size", "-pp")),
        ("max-model-len", "int", None, ("max-model-len",)),
        ("max-num-seqs", "int", None, ("max-num-seqs",)),
        ("port", "int", 8000, ("port",)),
    ],
    env={
        "NIM_MODEL_NAME": "model",
        "NIM_MODEL_PATH": "model",
        "NIM_SERVED_MODEL_NAME": "served-model-name",
        "NIM_TENSOR_PARALLEL_SIZE": "tensor-parallel-size",
        "NIM_PIPELINE_PARALLEL_SIZE": "pipeline-parallel-size",
        "NIM_MAX_MODEL_LEN": "max-model-len",
        "NIM_SERVER_PORT": "port",
    },
)

ENGINES: dict[str, EngineVocab] = {
    v.engine: v for v in (VLLM, SGLANG, TGI, LLAMACPP, TRTLLM, TRITON, OLLAMA, NIM)
}


#: Engine names as specs, labels and images spell them → the canonical engine name. One table for
#: the scanner's detection (label words) and its framework rule (``identity.model.framework``).
ENGINE_ALIASES: dict[str, str] = {
    "vllm": "vllm",
    "sglang": "sglang",
    "tgi": "tgi",
    "text-generation-inference": "tgi",
    "llama.cpp": "llama.cpp",
    "llamacpp": "llama.cpp",
    "llama-cpp": "llama.cpp",
    "triton": "triton",
    "tensorrt-llm": "tensorrt-llm",
    "trtllm": "tensorrt-llm",
    "ollama": "ollama",
    "nim": "nim",
    "transformers": "transformers",
    "huggingface": "transformers",
}

#: The engines that are model servers of their own (``transformers`` is a library a server wraps).
SERVER_ENGINES = frozenset({"vllm", "sglang", "tgi", "llama.cpp", "triton", "tensorrt-llm", "ollama", "nim"})
