#!/usr/bin/env python3
"""Resolver accuracy against public vLLM start-up logs (calibration vs hold-out), and speed.

Evidence: ``tests/data/vllm_logs/logs.jsonl`` (one record per public start-up log, each with its
``source_url``; numbers copied from the source, derived ones only in ``notes``) and
``tests/data/vllm_logs/configs.json`` (the models' config.json facts, each with a source URL).

Fixed rules, applied before anything is fitted:
* eligibility (:func:`build_case`): the model's config is known and text-only (no vision encoder:
  its profiling is not modelled), the GPU's memory is known, the release is 0.6 or later, no KV
  connector / offloading is configured, the record is not marked LOW CONFIDENCE, and the log
  states KV tokens, GPU blocks or the available KV memory;
* split by source: a record is hold-out when ``sha256(source_group(source_url)) mod 3 == 0``,
  calibration otherwise, where the group is the issue/PR thread or the repository (one benchmark
  campaign, one machine): records that share a machine and a build stay on one side;
* only calibration records feed ``--fit`` (least squares, non-negative); the constants printed
  there are the ones in ``modelspec.resolve.memory.Fitted``.

    python benchmarks/resolver_accuracy.py          # errors per log, summaries, speed
    python benchmarks/resolver_accuracy.py --fit    # refit the constants on calibration logs
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelspec.resolve import from_hf_config, load_catalog, resolve
from modelspec.resolve.architecture import Architecture, ArchitectureError
from modelspec.resolve.catalog import GIB, Gpu
from modelspec.resolve.memory import ERAS, FITTED, EngineRules, EraCharges, Fitted, forward_width, plan
from modelspec.resolve.variants import STANDARD, Variant, from_spec
from modelspec.spec.accelerators import canonical_type

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "tests" / "data" / "vllm_logs"
HF = ROOT / "tests" / "data" / "hf"

_ARCH_TYPES = {"LlamaForCausalLM": "llama", "Qwen2ForCausalLM": "qwen2", "Qwen3ForCausalLM": "qwen3",
               "Qwen3MoeForCausalLM": "qwen3_moe", "Qwen2MoeForCausalLM": "qwen2_moe", "GptOssForCausalLM": "gpt_oss",
               "DeepseekV2ForCausalLM": "deepseek_v2", "MistralForCausalLM": "mistral", "MixtralForCausalLM": "mixtral",
               "GemmaForCausalLM": "gemma", "Gemma2ForCausalLM": "gemma2", "Phi3ForCausalLM": "phi3",
               "PhiForCausalLM": "phi", "GraniteForCausalLM": "granite", "Olmo3ForCausalLM": "olmo3"}
# GPUs outside the catalog that appear in logs without a logged total: memory in GiB as CUDA reports it
_CONSUMER_GIB = {"rtx 3090": 23.58, "rtx 4090": 23.64, "a5000": 23.57, "rtx 4060": 7.63}


@dataclass(frozen=True)
class Case:
    id: str
    source_url: str
    split: str  # "calibration" | "holdout"
    arch: Architecture
    variant: Variant
    gpu: Gpu
    tp: int
    pp: int
    max_len: int
    util: float | None
    mnbt: int | None
    seqs: int | None
    kv_dtype_bytes: float
    rules: EngineRules
    server: bool
    tokens: int | None  # logged (or blocks × 16, or derived from the logged KV GiB: see tokens_kind)
    tokens_kind: str
    concurrency: float | None
    kv_gib: float | None
    weights_gib: float | None
    fails: bool  # the log shows a start-up that cannot hold one sequence / no KV memory


def source_group(url: str) -> str:
    """The source a log belongs to: an issue/PR thread, else a repository (one benchmark campaign
    keeps its logs in one repository, one file each), else the site and first path segment."""
    m = re.match(r"https://github\.com/([^/]+/[^/]+)/(issues|pull|discussions)/(\d+)", url)
    if m:
        return f"{m.group(1).lower()}#{m.group(3)}"
    m = re.match(r"https://github\.com/([^/]+/[^/#?]+)", url)
    if m:
        return m.group(1).lower()
    m = re.match(r"https?://([^/]+)(/[^/?#]*)?", url)
    return (m.group(1) + (m.group(2) or "")).lower() if m else url


def split_of(source_url: str) -> str:
    """By source, not by record: logs from one issue or benchmark share a machine and a build, so
    holding out one of them while fitting on its siblings would leak."""
    digest = hashlib.sha256(source_group(source_url).encode()).hexdigest()
    return "holdout" if int(digest, 16) % 3 == 0 else "calibration"


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        m = re.search(r"(\d[\d,]*(?:\.\d+)?)", value)
        return float(m.group(1).replace(",", "")) if m else None
    return None


def _config(model: str, configs: dict[str, Any]) -> dict[str, Any] | None:
    """The model's config facts: configs.json when it has sourced numbers, else tests/data/hf."""
    raw = configs.get(model)
    if raw is None or "num_hidden_layers" not in raw or not str(raw.get("source_url", "")).startswith("https://"):
        hf = HF / f"{model.replace('/', '--')}.json"
        return json.loads(hf.read_text()) if hf.exists() else None
    cfg = {k: v for k, v in raw.items() if k not in ("source_url", "values_note", "cross_check", "params_b")}
    cfg.setdefault("model_type", _ARCH_TYPES.get(str(raw.get("architecture")), "llama"))
    if cfg["model_type"] == "gpt_oss":
        cfg["attention_bias"] = True
    types = cfg.get("layer_types")
    if isinstance(types, str) and "alternating" in types:  # the config lists them; the record describes them
        cfg["layer_types"] = ["sliding_attention" if i % 2 == 0 else "full_attention"
                              for i in range(int(cfg["num_hidden_layers"]))]
    return cfg


def _version(rec: dict[str, Any]) -> EngineRules | None:
    text = str(rec.get("vllm_version") or "")
    found = [tuple(int(x) for x in m) for m in re.findall(r"\b0\.(\d+)\.(\d+)", text)]
    v1 = str(rec.get("engine", "")).upper().startswith("V1")
    if found:
        minor, patch = max(found)
        version = (0, minor, patch)
    else:
        version = (0, 11, 0) if v1 else (0, 6, 6)
    if version < (0, 6, 0):
        return None
    if v1 and version < (0, 8, 0):
        version = (0, 8, 5)  # V1 opted into on 0.7: treated as the first V1 default release
    return EngineRules(version, engine_v0=not v1)


def _gpu(rec: dict[str, Any], catalog: dict[str, Gpu]) -> Gpu | None:
    name = str(rec.get("gpu") or "")
    total = _num(rec.get("gpu_total_gib"))
    key = canonical_type(name.split("(")[0]) or canonical_type(name)
    base = catalog.get(key or "")
    if base is None:
        low = name.lower()
        gib = total or next((g for k, g in _CONSUMER_GIB.items() if k in low), None)
        if gib is None:
            return None
        base = dataclasses.replace(catalog["l4"], type=low.split("(")[0].strip(), memory_gb=gib, usable_gib=gib)
    return dataclasses.replace(base, usable_gib=total) if total else base


def _variant(rec: dict[str, Any]) -> Variant:
    q = f"{rec.get('quantization') or ''} {rec.get('model') or ''}".lower()
    dtype = str(rec.get("dtype") or "").lower()
    if "mxfp4" in q:
        return from_spec({"name": "mxfp4", "quantization": "mxfp4"})
    if "fp8" in q:
        return next(v for v in STANDARD if v.name == "fp8")
    if "int8" in q or "w8a8" in q:
        return next(v for v in STANDARD if v.name == "int8-w8a8")
    if "bnb" in q or "bitsandbytes" in q or "awq" in q or "gptq" in q:
        return next(v for v in STANDARD if v.name == "awq-int4")
    dtype = dtype.removeprefix("torch.")
    if dtype.startswith(("float16", "fp16", "half")):
        return next(v for v in STANDARD if v.name == "fp16")
    if dtype.startswith(("float32", "fp32")):
        return from_spec({"name": "fp32", "precision": "fp32"})
    return STANDARD[0]


def build_case(rec: dict[str, Any], configs: dict[str, Any], catalog: dict[str, Gpu]) -> Case | str:
    """A record as an evaluation case, or the eligibility rule it fails."""
    flags, logged = rec.get("flags") or {}, rec.get("logged") or {}
    text = json.dumps(rec).lower()
    cfg = _config(str(rec.get("model")), configs)
    if cfg is None:
        return "no config for the model"
    if "vision_config" in cfg or "ForConditionalGeneration" in str(cfg.get("architecture", "")):
        return "multimodal (encoder profiling not modelled)"
    if "low confidence" in str(rec.get("notes", "")).lower():
        return "marked LOW CONFIDENCE"
    if any(k in flags for k in ("kv_transfer_config", "kv_connector")) or "kv_connector" in text:
        return "KV connector / offloading configured"
    rules = _version(rec)
    if rules is None:
        return "release before 0.6"
    gpu = _gpu(rec, catalog)
    if gpu is None:
        return "GPU memory unknown"
    try:
        arch = from_hf_config(cfg, source=str(rec.get("model")))
    except ArchitectureError as exc:
        return f"config incomplete ({exc})"
    tp, pp = int(_num(flags.get("tensor_parallel_size")) or 1), int(_num(flags.get("pipeline_parallel_size")) or 1)
    max_len = int(_num(flags.get("max_model_len")) or arch.max_position_embeddings or 0)
    per_rank = logged.get("kv_cache_gib_per_rank")
    kv_gib = min(per_rank.values()) if isinstance(per_rank, dict) else _num(logged.get("kv_cache_gib"))
    tokens, kind = _tokens(logged, kv_gib, arch, tp, pp, rec)
    fails = "startup fails" in str(rec.get("notes", "")).lower() or (kv_gib is not None and kv_gib <= 0)
    if tokens is None and not fails:
        return "no KV size logged"
    conc = _num(logged.get("max_concurrency"))
    clen = _num(logged.get("concurrency_len"))
    if clen is not None and int(clen) != max_len:
        conc = None  # logged for another length
    util = _num(flags.get("gpu_memory_utilization"))
    source = str(rec["source_url"])
    variant = _variant(rec)
    # kv-cache-dtype auto = the model's dtype (v0.33.0:vllm/config/cache.py)
    kv_bytes = 1.0 if "fp8" in str(rec.get("kv_cache_dtype") or "") else 4.0 if variant.precision == "fp32" else 2.0
    return Case(str(rec["id"]), source, split_of(source), arch, variant, gpu, tp, pp, max_len, util,
                _int(flags.get("max_num_batched_tokens")), _int(flags.get("max_num_seqs")), kv_bytes, rules,
                "llm class" not in str(flags.get("usage_context", "")).lower(), tokens, kind, conc, kv_gib,
                _num(logged.get("weights_gib")), fails)


def _int(v: Any) -> int | None:
    return int(v) if isinstance(v, int) and not isinstance(v, bool) else None


def _tokens(logged: dict[str, Any], kv_gib: float | None, arch: Architecture, tp: int, pp: int,
            rec: dict[str, Any]) -> tuple[int | None, str]:
    if _num(logged.get("kv_tokens")):
        return int(_num(logged["kv_tokens"]) or 0), "logged"
    if _num(logged.get("gpu_blocks")):
        return int((_num(logged["gpu_blocks"]) or 0) * (_num(logged.get("block_size")) or 16)), "blocks × 16"
    if kv_gib and kv_gib > 0:
        kv_bytes = 1.0 if "fp8" in str(rec.get("kv_cache_dtype") or "") else 2.0
        per_token = arch.kv_bytes_per_token(tp, kv_bytes) * math.ceil(arch.num_layers / pp) / arch.num_layers
        return int(kv_gib * GIB / per_token), "derived from KV GiB"
    return None, ""


def load_cases() -> tuple[list[Case], list[tuple[str, str]]]:
    configs = json.loads((LOGS / "configs.json").read_text())
    catalog = load_catalog()
    cases, skipped = [], []
    for line in (LOGS / "logs.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        c = build_case(rec, configs, catalog)
        if isinstance(c, Case):
            cases.append(c)
        else:
            skipped.append((str(rec.get("id")), c))
    return cases, skipped


def predict(c: Case, fitted: Fitted = FITTED) -> Any:
    return plan(c.arch, c.variant, c.gpu, c.tp, c.max_len, pp=c.pp, gpu_memory_utilization=c.util,
                kv_dtype_bytes=c.kv_dtype_bytes, max_num_batched_tokens=c.mnbt, max_num_seqs=c.seqs,
                engine=c.rules, server=c.server, fitted=fitted)


# -- fitting (calibration only) ---------------------------------------------------------------


@dataclass(frozen=True)
class _Point:
    era: str
    multi_gpu: bool
    forward: float  # GiB per unit of the forward coefficient
    sampler: float  # GiB per unit of the sampler coefficient (rows × vocab)
    activation: float | None  # logged "activation peak" / "torch peak memory increase", GiB
    non_torch: float | None  # logged non-torch memory, GiB
    observed: float | None  # budget − weights − logged KV: everything else, GiB


def _point(c: Case, rec: dict[str, Any]) -> _Point | None:
    """What a calibration log says about the charges besides weights and KV cache."""
    if c.fails or c.rules.charges_cuda_graphs or c.pp > 1:
        return None
    p = predict(c)
    logged = rec.get("logged") or {}
    act, nt = _num(logged.get("activation_peak_gib")), _num(logged.get("non_torch_gib"))
    observed = None
    if c.kv_gib is not None:  # weights as logged, else as estimated from the config (exact for dense 16-bit)
        weights = c.weights_gib if c.weights_gib is not None else p.weight_bytes_per_gpu / GIB
        observed = p.budget_bytes / GIB - weights - c.kv_gib
    if act is None and nt is None and observed is None:
        return None
    fwd = p.max_num_batched_tokens * forward_width(c.arch, c.tp) * 2 / GIB
    rows = min(p.max_num_seqs, p.max_num_batched_tokens) * c.arch.vocab_size / GIB
    return _Point(c.rules.era, c.tp > 1, fwd, rows, act, nt, observed)


def _non_torch(points: list[_Point], activation: Any) -> tuple[float, float]:
    """(base, TP extra): the median logged non-torch memory, else the median remainder."""
    def values(multi: bool) -> list[float]:
        direct = [pt.non_torch for pt in points if pt.multi_gpu == multi and pt.non_torch is not None]
        if direct:
            return direct
        return [pt.observed - activation(pt) for pt in points if pt.multi_gpu == multi and pt.observed is not None]

    single, multi = values(False), values(True)
    base = max(0.0, statistics.median(single)) if single else 0.0
    extra = max(0.0, statistics.median(multi) - base) if multi and single else 0.0
    return base, extra


def _fit_era(points: list[_Point], forward: float) -> tuple[float, EraCharges]:
    """Best (absolute error, charges) for one era at a given forward coefficient. The activation
    charge is fitted to the logged activation peaks (else to what weights, non-torch and KV leave);
    absolute rather than squared error, so one odd log cannot pull a constant far."""
    best: tuple[float, EraCharges] = (math.inf, EraCharges(0.0, 0.0, 0.0))
    has_act = any(pt.activation is not None for pt in points)
    for step in range(0, 241):
        sampler = step * 0.25

        def activation(pt: _Point, sampler: float = sampler) -> float:
            return max(forward * pt.forward, sampler * pt.sampler)

        base, extra = _non_torch(points, activation)
        err = 0.0
        for pt in points:
            if has_act and pt.activation is not None:
                err += abs(pt.activation - activation(pt))
            elif not has_act and pt.observed is not None:
                err += abs(pt.observed - activation(pt) - base - (extra if pt.multi_gpu else 0.0))
        if err < best[0]:
            best = (err, EraCharges(round(base, 3), round(extra, 3), sampler))
    return best


def fit(cases: list[Case]) -> Fitted:
    """Fitted on the calibration logs only (hold-out cases are never looked at)."""
    records = _records()
    points = [pt for c in cases if c.split == "calibration" and (pt := _point(c, records[c.id])) is not None]
    fitted_eras = [e for e in ERAS if sum(pt.era == e for pt in points) >= MIN_POINTS]
    best: tuple[float, Fitted] = (math.inf, FITTED)
    for step in range(0, 81):
        forward = step * 0.1
        total, eras = 0.0, {}
        for era in fitted_eras:
            err, eras[era] = _fit_era([pt for pt in points if pt.era == era], forward)
            total += err
        for era in ERAS:  # too few logs: borrow the nearest later era's charges
            if era not in eras:
                eras[era] = eras[next((e for e in ERAS[ERAS.index(era):] if e in eras), fitted_eras[-1])]
        if total < best[0]:
            best = (total, Fitted(round(forward, 1), **eras))
    base, per_layer = _fit_graphs([c for c in cases if c.split == "calibration"], records)
    return dataclasses.replace(best[1], graph_base_gib=base, graph_per_layer_gib=per_layer)


def _fit_graphs(cases: list[Case], records: dict[str, dict[str, Any]]) -> tuple[float, float]:
    """CUDA-graph estimate = base + per layer × layers on the GPU: least squares over the
    "Estimated CUDA graph memory" lines (logged from 0.18; charged from 0.20)."""
    pts = [(math.ceil(c.arch.num_layers / c.pp), v) for c in cases if c.rules.version >= (0, 18, 0)
           and (v := _num((records[c.id].get("logged") or {}).get("cuda_graph_gib"))) is not None]
    if len(pts) < MIN_POINTS:
        return FITTED.graph_base_gib, FITTED.graph_per_layer_gib
    mx, my = statistics.fmean(x for x, _ in pts), statistics.fmean(y for _, y in pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    slope = sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else 0.0
    return round(max(0.0, my - slope * mx), 3), round(max(0.0, slope), 4)


MIN_POINTS = 3  # an era with fewer calibration logs borrows its neighbour's charges


def _records() -> dict[str, dict[str, Any]]:
    lines = (LOGS / "logs.jsonl").read_text().splitlines()
    return {str(r["id"]): r for r in (json.loads(ln) for ln in lines if ln.strip())}


# -- evaluation -------------------------------------------------------------------------------


def _err(ours: float, logged: float | None) -> float | None:
    return None if logged is None or logged <= 0 else (ours - logged) / logged * 100


def evaluate(cases: list[Case], fitted: Fitted = FITTED) -> list[dict[str, Any]]:
    out = []
    for c in cases:
        p = predict(c, fitted)
        row: dict[str, Any] = {"id": c.id, "split": c.split, "version": c.rules.label, "gpu": c.gpu.type,
                               "tp": c.tp, "pp": c.pp, "kind": c.tokens_kind}
        if c.fails:
            row["expectFail"] = True
            row["predictFail"] = not p.fits_one_sequence
        else:
            row.update(tokens=c.tokens, ours_tokens=p.kv_tokens, tokens_err=_err(p.kv_tokens, c.tokens),
                       conc=c.concurrency, ours_conc=round(p.max_concurrency, 2),
                       conc_err=_err(p.max_concurrency, c.concurrency))
        out.append(row)
    return out


def _summary(rows: list[dict[str, Any]], split: str) -> str:
    sel = [r for r in rows if r["split"] == split and not r.get("expectFail")]
    toks = [abs(r["tokens_err"]) for r in sel if r.get("tokens_err") is not None]
    concs = [abs(r["conc_err"]) for r in sel if r.get("conc_err") is not None]
    fails = [r for r in rows if r["split"] == split and r.get("expectFail")]
    ok = sum(1 for r in fails if r["predictFail"])

    def stat(v: list[float]) -> str:
        if not v:
            return "n=0"
        within = sum(1 for e in v if e <= 5)
        return f"n={len(v)} median {statistics.median(v):.1f} % max {max(v):.1f} % within 5 %: {within}/{len(v)}"

    return (f"{split:11} KV tokens {stat(toks)}; concurrency {stat(concs)}; "
            f"failed start-ups predicted {ok}/{len(fails)}")


def speed() -> str:
    spec = ROOT / "examples" / "extensions" / "llama-3-8b-architecture.modelspec.yaml"
    from modelspec.spec.api import load

    doc = load(spec).to_dict()
    doc["spec"]["identity"]["model"].pop("variants")  # the six standard variants
    model = json.loads((HF / "Qwen--Qwen2.5-72B-Instruct.json").read_text())
    resolve(doc, gpus=["all"], vendor="any", model=model)  # warm caches
    times = []
    for _ in range(15):
        t = time.perf_counter()
        res = resolve(doc, gpus=["all"], vendor="any", model=model)
        times.append(time.perf_counter() - t)
    multi = sum(1 for c in res.candidates if c.parallelism.pipeline > 1)
    return (f"resolve Qwen2.5-72B over the whole catalog ({len(load_catalog())} GPUs × {len(STANDARD)} variants × "
            f"TP/PP layouts = {len(res.candidates)} candidates, {multi} multi-node): median "
            f"{statistics.median(times) * 1000:.1f} ms (target <= 100 ms)")


def main(argv: list[str]) -> int:
    cases, skipped = load_cases()
    if "--fit" in argv:
        f = fit(cases)
        print("fitted on calibration logs:", f)
        print("shipped in modelspec.resolve.memory:", FITTED)
        return 0
    rows = evaluate(cases)
    print(f"{len(cases)} eligible logs ({sum(c.split == 'holdout' for c in cases)} hold-out), "
          f"{len(skipped)} not eligible:")
    for rid, why in skipped:
        print(f"  skipped {rid}: {why}")
    print(f"\n{'log':44} {'split':6} {'release':22} {'gpu':10} {'TP×PP':5} {'KV tokens':>10} {'ours':>10} "
          f"{'err %':>7} {'conc':>7} {'ours':>7} {'err %':>7}")
    for r in sorted(rows, key=lambda r: (r["split"], r["id"])):
        layout = f"{r['tp']}×{r['pp']}"
        if r.get("expectFail"):
            verdict = "fails as logged" if r["predictFail"] else "WE PREDICT IT STARTS"
            print(f"{r['id'][:44]:44} {r['split'][:6]:6} {r['version'][:22]:22} {r['gpu'][:10]:10} {layout:5} "
                  f"start-up failure: {verdict}")
            continue

        def f(v: Any, spec: str) -> str:
            return format(v, spec) if v is not None else "-"

        print(f"{r['id'][:44]:44} {r['split'][:6]:6} {r['version'][:22]:22} {r['gpu'][:10]:10} {layout:5} "
              f"{f(r['tokens'], ',d'):>10} {f(r['ours_tokens'], ',d'):>10} {f(r['tokens_err'], '+.1f'):>7} "
              f"{f(r['conc'], '.2f'):>7} {f(r['ours_conc'], '.2f'):>7} {f(r['conc_err'], '+.1f'):>7}")
    print()
    print(_summary(rows, "calibration"))
    print(_summary(rows, "holdout"))
    print()
    print(speed())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
