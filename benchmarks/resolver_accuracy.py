#!/usr/bin/env python3
"""Resolver accuracy against published figures, and resolver speed, in one run.

Parameter counts: the safetensors totals shown on each model's Hugging Face page.
KV bytes per token: 2 × layers × KV heads × head dim × 2 bytes (MLA: (kv_lora_rank + rope dim) ×
layers × 2), the figure vLLM's block allocator uses.
Max concurrency: vLLM start-up log lines quoted in public vLLM issues/PRs
("# GPU blocks: N", "Maximum concurrency for L tokens per request: Xx").

    python benchmarks/resolver_accuracy.py
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import time
from pathlib import Path

from modelspec.resolve import from_hf_config, load_catalog, resolve
from modelspec.resolve.memory import plan
from modelspec.resolve.variants import STANDARD

ROOT = Path(__file__).resolve().parent.parent
HF = ROOT / "tests" / "data" / "hf"

# model -> (published parameters, KV bytes/token at bf16 TP 1)
PUBLISHED = {
    "meta-llama--Meta-Llama-3-8B": (8_030_261_248, 131_072),
    "meta-llama--Meta-Llama-3-70B": (70_553_706_496, 327_680),
    "meta-llama--Llama-2-7b-hf": (6_738_415_616, 524_288),
    "mistralai--Mistral-7B-v0.1": (7_241_732_096, 131_072),
    "mistralai--Mixtral-8x7B-v0.1": (46_702_792_704, 131_072),
    "Qwen--Qwen2-7B": (7_615_616_512, 57_344),
    "google--gemma-2-9b": (9_241_705_984, 344_064),
    "microsoft--Phi-3-mini-4k-instruct": (3_821_079_552, 393_216),
    "deepseek-ai--DeepSeek-V2-Lite": (15_706_484_224, 31_104),
}

# (label, model, gpu type, usable GiB seen by torch, variant, max_model_len, utilization, engine, logged blocks)
LOGGED = [
    ("Llama-3.1-70B w8a8, 1×H100, len 2048, util 0.98 (vLLM PR #12569)", "meta-llama--Meta-Llama-3-70B",
     "h100", 79.19, "int8-w8a8", 2048, 0.98, "v1", 1381),
    ("Llama-3.1-8B bf16, RTX 3090, len 20000, util 0.90 (vLLM issue #10517)", "meta-llama--Meta-Llama-3-8B",
     "a10", 23.58, "bf16", 20000, 0.90, "v0", 1952),
    ("Llama-3.1-8B bf16, RTX 3090, len 29000, util 0.90 (vLLM issue #10517)", "meta-llama--Meta-Llama-3-8B",
     "a10", 23.58, "bf16", 29000, 0.90, "v0", 1478),
]


def main() -> int:
    print("Parameters and KV bytes/token (targets: params within 0.5 %, KV exact)")
    print(f"{'model':38} {'published':>16} {'ours':>16} {'err %':>7} {'KV pub':>8} {'KV ours':>8}")
    worst = 0.0
    for name, (params, kv) in PUBLISHED.items():
        arch = from_hf_config(json.loads((HF / f"{name}.json").read_text()))
        ours = arch.params().total
        err = (ours - params) / params * 100
        worst = max(worst, abs(err))
        ours_kv = arch.kv_bytes_per_token(1, 2.0)
        flag = "" if ours_kv == kv else "  KV MISMATCH"
        print(f"{name:38} {params:16,} {ours:16,} {err:7.3f} {kv:8,} {ours_kv:8,}{flag}")
    print(f"worst parameter error: {worst:.3f} %\n")

    print("Maximum concurrency vs vLLM start-up logs (target within 5 %)")
    catalog = load_catalog()
    variants = {v.name: v for v in STANDARD}
    for label, name, gpu_type, usable, variant, max_len, util, engine, blocks in LOGGED:
        arch = from_hf_config(json.loads((HF / f"{name}.json").read_text()))
        gpu = dataclasses.replace(catalog[gpu_type], usable_gib=usable)
        p = plan(arch, variants[variant], gpu, 1, max_len, gpu_memory_utilization=util, engine=engine)
        logged = blocks * 16 / max_len
        err = (p.max_concurrency - logged) / logged * 100
        print(f"{label:74} logged {logged:6.2f}x  ours {p.max_concurrency:6.2f}x  error {err:+6.1f} %")

    spec = ROOT / "examples" / "extensions" / "llama-3-8b-architecture.modelspec.yaml"
    from modelspec.spec.api import load

    doc = load(spec).to_dict()
    doc["spec"]["identity"]["model"].pop("variants")  # the six standard variants
    resolve(doc)  # warm caches
    times = []
    for _ in range(20):
        t = time.perf_counter()
        res = resolve(doc)
        times.append(time.perf_counter() - t)
    print(f"\nResolve one spec over {len(catalog)} GPUs × {len(STANDARD)} variants × TP {{1,2,4,8}} "
          f"({len(res.candidates)} candidates): median {statistics.median(times) * 1000:.1f} ms (target <= 100 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
