"""Known words for free-text fields: precisions, quantization methods, log levels, frameworks.

The schema keeps these fields as plain strings (the public v0.1 schema does), so an unknown word
is a warning with a suggestion, never an error.
"""

from __future__ import annotations

import difflib

# canonical precision -> bytes per weight element (used by the resolver too)
PRECISION_BYTES: dict[str, float] = {
    "fp32": 4.0,
    "tf32": 4.0,
    "fp16": 2.0,
    "bf16": 2.0,
    "fp8": 1.0,
    "fp8-e4m3": 1.0,
    "fp8-e5m2": 1.0,
    "int8": 1.0,
    "fp6": 0.75,
    "int4": 0.5,
    "fp4": 0.5,
    "nvfp4": 0.5,
    "mxfp4": 0.5,
}

PRECISION_ALIASES: dict[str, str] = {
    "float32": "fp32",
    "float": "fp32",
    "float16": "fp16",
    "half": "fp16",
    "bfloat16": "bf16",
    "float8": "fp8",
    "e4m3": "fp8-e4m3",
    "e5m2": "fp8-e5m2",
    "fp8-e4m3fn": "fp8-e4m3",
    "w8a8": "int8",
    "w4a16": "int4",
    "int-8": "int8",
    "int-4": "int4",
    "auto": "auto",
}

QUANTIZATIONS = frozenset(
    {
        "awq",
        "gptq",
        "fp8",
        "int8",
        "bitsandbytes",
        "squeezellm",
        "marlin",
        "awq_marlin",
        "gptq_marlin",
        "compressed-tensors",
        "smoothquant",
        "nvfp4",
        "mxfp4",
        "gguf",
        "q2_k",
        "q3_k_m",
        "q4_0",
        "q4_k_m",
        "q4_k_s",
        "q5_k_m",
        "q5_0",
        "q6_k",
        "q8_0",
        "none",
    }
)

LOG_LEVELS = frozenset({"trace", "debug", "info", "notice", "warn", "warning", "error", "critical", "fatal"})

FRAMEWORKS = frozenset(
    {
        "vllm",
        "tgi",
        "triton",
        "tensorrt-llm",
        "sglang",
        "llama.cpp",
        "ollama",
        "nim",
        "onnxruntime",
        "pytorch",
        "transformers",
        "kserve",
        "ray-serve",
        "lmdeploy",
        "text-embeddings-inference",
        "tei",
    }
)


def canonical_precision(value: str) -> str | None:
    key = value.strip().lower().replace("_", "-")
    if key in PRECISION_BYTES:
        return key
    return PRECISION_ALIASES.get(key)


def suggest(value: str, choices: list[str] | frozenset[str]) -> str | None:
    match = difflib.get_close_matches(value.strip().lower(), list(choices), n=1, cutoff=0.6)
    return match[0] if match else None
