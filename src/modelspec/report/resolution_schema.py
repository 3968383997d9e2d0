"""JSON Schema of ``modelspec resolve --format json|yaml`` (``schema/resolution.v1alpha1.json``).

Written here as data and rendered by ``tooling/generate.py``; a test regenerates it and fails on
any difference, and validates real resolver output against it, so output and schema cannot drift.
Quantities named ``*PerGpu`` are for one GPU of the limiting pipeline stage; ``accelerator.count``,
memory totals and estimates are per replica; ``pricePerHourUsdTotal`` and ``totalGpus`` cover
every replica (the output's own ``units`` says the same).
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA_FILE = "schema/resolution.v1alpha1.json"
INT: dict[str, Any] = {"type": "integer", "minimum": 0}
POS: dict[str, Any] = {"type": "integer", "minimum": 1}
NUM: dict[str, Any] = {"type": "number", "minimum": 0}
STR: dict[str, Any] = {"type": "string"}
STRINGS: dict[str, Any] = {"type": "array", "items": STR}
BOOL: dict[str, Any] = {"type": "boolean"}
TARGETS = ["concurrency", "latencyMsP95", "rps", "costPer1kTokensUsd"]


def obj(props: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A closed object whose properties are all required except ``optional``."""
    return {"type": "object", "properties": props, "required": [k for k in props if k not in optional],
            "additionalProperties": False}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _memory() -> dict[str, Any]:
    return obj({
        "weightBytesTotal": {**INT, "description": "whole model, one replica"},
        "weightBytesPerGpu": {**INT, "description": "one GPU of the limiting pipeline stage"},
        "kvBytesPerTokenPerGpu": INT, "budgetBytesPerGpu": INT, "overheadBytesPerGpu": INT,
        "activationBytesPerGpu": INT, "kvCacheBytesPerGpu": INT, "kvBlocksPerGpu": INT,
        "kvTokens": {**INT, "description": "what vLLM logs as 'GPU KV cache size' (one replica)"},
        "maxConcurrency": {**NUM, "description": "full-length sequences at once: vLLM's 'Maximum concurrency'"},
        "maxNumBatchedTokens": POS, "maxNumSeqs": POS,
    })


def _estimates() -> dict[str, Any]:
    return obj({"batch": POS, "decodeMsPerToken": NUM, "prefillMs": NUM, "requestMs": NUM, "tokensPerSecond": NUM,
                "requestsPerSecond": NUM, "pricePerHourUsdPerReplica": NUM,
                "costPer1kTokensUsd": {"type": ["number", "null"], "minimum": 0}})


def _row() -> dict[str, Any]:
    return obj({
        "accelerator": ref("accelerator"), "parallelism": ref("parallelism"), "nodes": POS, "replicas": POS,
        "variant": ref("variant"), "fits": BOOL, "reason": STR, "verdict": STR, "pricePerHourUsdTotal": NUM,
        "memory": ref("memory"), "maxBatchSize": POS, "targets": ref("targetsMet"), "estimates": ref("estimates"),
    }, optional=("memory", "maxBatchSize", "targets", "estimates"))


def _chosen() -> dict[str, Any]:
    return obj({
        "accelerator": ref("accelerator"), "parallelism": ref("parallelism"), "nodes": POS, "gpusPerNode": POS,
        "replicas": POS, "totalGpus": POS, "variant": ref("variant"),
        "batch": obj({"maxBatchSize": POS, "maxSequenceLengthTokens": POS}),
        "memory": ref("memory"), "estimates": ref("estimates"), "pricePerHourUsdTotal": NUM,
        "targets": ref("targetsMet"),
        "vllmArgs": {**STRINGS, "description": "`vllm serve` flags that implement the choice (spec/engine_flags.py)"},
    })


def _model() -> dict[str, Any]:
    return obj({
        "parameterCount": POS, "activeParameterCount": POS, "embeddingParameters": INT, "numLayers": POS,
        "numKeyValueHeads": POS, "headDim": POS, "kvBytesPerTokenTp1Bf16": INT,
        "slidingWindow": {"type": ["integer", "null"], "minimum": 1}, "moe": BOOL, "mla": BOOL, "source": STR,
        "estimated": BOOL, "missing": STRINGS,
    })


def _defs() -> dict[str, Any]:
    return {
        "accelerator": obj({"type": STR, "vendor": STR, "count": {**POS, "description": "GPUs per replica"}}),
        "parallelism": obj({"tensor": POS, "pipeline": POS, "data": POS}),
        "variant": obj({"name": STR, "precision": STR, "quantization": {"type": ["string", "null"]}, "format": STR}),
        "memory": _memory(), "estimates": _estimates(),
        "targetsMet": {"type": "object", "propertyNames": {"enum": TARGETS}, "additionalProperties": BOOL},
        "row": _row(), "unevaluable": obj({"fits": {"const": False}, "reason": STR, "verdict": STR}),
        "chosen": _chosen(), "model": _model(),
    }


def schema() -> dict[str, Any]:
    body = obj({
        "apiVersion": {"const": "piqc.ai/v1alpha1"}, "kind": {"const": "Resolution"},
        "chosen": {"oneOf": [ref("chosen"), {"type": "null"}]},
        "declared": {"oneOf": [ref("row"), ref("unevaluable"), {"type": "null"}]},
        "objective": {"enum": ["cost", "latency", "throughput"]},
        "engine": obj({"name": {"const": "vllm"}, "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
                       "kvCacheDtype": STR}),
        "targets": {"type": "object", "propertyNames": {"enum": TARGETS},
                    "additionalProperties": {"type": "number", "exclusiveMinimum": 0}},
        "units": obj({"perGpu": STRINGS, "perReplica": STRINGS, "allReplicas": STRINGS}),
        "candidates": {"type": "array", "items": ref("row")}, "candidatesTotal": INT,
        "model": ref("model"), "notes": STRINGS,
    }, optional=("candidatesTotal",))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://piqc.ai/schemas/resolution.v1alpha1.json",
            "title": "modelspec resolve output (Resolution v1alpha1)",
            "description": (__doc__ or "").split("\n\n")[-1].strip().replace("\n", " "),
            **body, "$defs": _defs()}


def render() -> str:
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


def committed_files() -> dict[str, str]:
    """Relative path → content (tooling/generate.py writes them; tests compare)."""
    return {SCHEMA_FILE: render()}
