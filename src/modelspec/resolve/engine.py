"""Candidate search: every allowed (GPU type × weight variant × tensor × pipeline parallelism),
checked against vLLM's memory accounting, sized to the spec's demand, estimated and ranked, with
the reason each loser lost and a row for the configuration the spec declares."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ModelSpecError
from ..spec.accelerators import canonical_type
from ..spec.engine_flags import VLLM_FLAGS
from . import architecture as arch_mod
from .architecture import Architecture, ArchitectureError
from .catalog import GIB, Gpu, load_catalog, select
from .demand import Demand, DemandError, get, read_demand
from .estimate import Estimate, estimate
from .fit import declared_fit as declared_fit  # the validator's MS224 check, defined without the search
from .memory import EngineRules, MemoryPlan, engine_rules, plan, sequences_at
from .variants import STANDARD, Variant, from_spec, matches_precision

OBJECTIVES = ("cost", "latency", "throughput")
TP_CHOICES = (1, 2, 4, 8, 16)
DEFAULT_MAX_NODES = 4
MAX_CONFIG_BYTES = 2 * 1024 * 1024
# checkpoint quantization → vLLM's --quantization value (int8 w8a8 checkpoints are detected from
# their own quantization_config, so no flag is emitted for them)
_QUANT_FLAG = {"fp8": "fp8", "awq": "awq", "awq_marlin": "awq_marlin", "gptq": "gptq", "gptq_marlin": "gptq_marlin",
               "nvfp4": "modelopt_fp4", "mxfp4": "mxfp4", "bitsandbytes": "bitsandbytes"}


# Which quantities are per GPU and which are totals (the JSON says so itself).
UNITS: dict[str, Any] = {
    "perGpu": ["memory.*PerGpu: one GPU of the limiting pipeline stage (every rank uses its block count)"],
    "perReplica": ["memory.weightBytesTotal", "memory.kvTokens", "memory.maxConcurrency", "estimates.*",
                   "accelerator.count", "parallelism", "nodes", "batch.maxBatchSize"],
    "allReplicas": ["pricePerHourUsdTotal", "totalGpus"],
}


class ResolveError(ModelSpecError):
    """Bad input for the resolver (missing config, unknown GPU, no sequence length…)."""


@dataclass(frozen=True, slots=True)
class Parallelism:
    tensor: int
    pipeline: int = 1
    data: int = 1

    @property
    def gpus(self) -> int:
        return self.tensor * self.pipeline

    def to_dict(self) -> dict[str, int]:
        return {"tensor": self.tensor, "pipeline": self.pipeline, "data": self.data}


@dataclass(slots=True)
class Candidate:
    gpu: Gpu
    variant: Variant
    parallelism: Parallelism
    fits: bool
    reason: str
    memory: MemoryPlan | None = None
    estimate: Estimate | None = None
    max_batch: int = 0
    replicas: int = 1
    meets: dict[str, bool] = field(default_factory=dict)
    shortfall: float = math.inf  # how far from fitting (for "closest misses")
    declared: bool = False

    @property
    def count(self) -> int:
        """GPUs per replica."""
        return self.parallelism.gpus

    @property
    def nodes(self) -> int:
        return math.ceil(self.count / self.gpu.gpus_per_node)

    @property
    def total_gpus(self) -> int:
        return self.count * self.replicas

    @property
    def price_per_hour(self) -> float:
        return self.gpu.price_per_hour * self.total_gpus

    @property
    def meets_all(self) -> bool:
        return self.fits and all(self.meets.values())

    @property
    def verdict(self) -> str:
        if not self.fits:
            return f"rejected: {self.reason}"
        missed = [k for k, ok in self.meets.items() if not ok]
        return "fits" if not missed else "fits, misses " + ", ".join(missed)

    def vllm_args(self, max_len: int, kv_cache_dtype: str) -> list[str]:
        """The ``vllm serve`` flags that implement this candidate (canonical names, spec/engine_flags)."""
        mem = self.memory
        pairs: list[tuple[str, str]] = [("tensor-parallel-size", str(self.parallelism.tensor))]
        if self.parallelism.pipeline > 1:
            pairs.append(("pipeline-parallel-size", str(self.parallelism.pipeline)))
        pairs.append(("max-model-len", str(max_len)))
        if self.max_batch:
            pairs.append(("max-num-seqs", str(self.max_batch)))
        if mem is not None:
            pairs.append(("gpu-memory-utilization", f"{mem.gpu_memory_utilization:g}"))
        quant = _QUANT_FLAG.get(self.variant.quantization or "")
        if self.variant.format == "gguf":
            quant = "gguf"
        if quant:
            pairs.append(("quantization", quant))
        if self.variant.precision == "fp16":
            pairs.append(("dtype", "float16"))
        if kv_cache_dtype != "auto":
            pairs.append(("kv-cache-dtype", kv_cache_dtype))
        out: list[str] = []
        for name, value in pairs:
            assert name in VLLM_FLAGS, name  # one vocabulary with the scanner
            out += [f"--{name}", value]
        return out

    def row_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "accelerator": {"type": self.gpu.type, "vendor": self.gpu.vendor, "count": self.count},
            "parallelism": self.parallelism.to_dict(),
            "nodes": self.nodes,
            "replicas": self.replicas,
            "variant": self.variant.to_dict(),
            "fits": self.fits,
            "reason": self.reason,
            "verdict": self.verdict,
            "pricePerHourUsdTotal": round(self.price_per_hour, 2),
        }
        if self.memory is not None:
            out["memory"] = self.memory.to_dict()
        if self.fits:
            out["maxBatchSize"] = self.max_batch
            out["targets"] = dict(self.meets)
        if self.estimate is not None:
            out["estimates"] = self.estimate.to_dict()
        return out


@dataclass(slots=True)
class Resolution:
    """The resolver's answer: the chosen candidate (or ``None``), every other one ranked, and the
    spec's own declared configuration checked the same way."""

    arch: Architecture
    max_len: int
    objective: str
    candidates: list[Candidate]
    targets: dict[str, float]
    notes: list[str] = field(default_factory=list)
    declared: Candidate | None = None
    declared_problem: str | None = None  # why the declared row could not be evaluated
    engine: EngineRules = field(default_factory=engine_rules)
    kv_cache_dtype: str = "auto"
    demand: Demand | None = None

    @property
    def chosen(self) -> Candidate | None:
        first = self.candidates[0] if self.candidates else None
        return first if first is not None and first.fits else None

    def model_dict(self) -> dict[str, Any]:
        p = self.arch.params()
        return {
            "parameterCount": self.arch.parameter_count,
            "activeParameterCount": self.arch.active_parameters(1),
            "embeddingParameters": p.embedding + p.lm_head,
            "numLayers": self.arch.num_layers,
            "numKeyValueHeads": self.arch.num_kv_heads,
            "headDim": self.arch.head_dim,
            "kvBytesPerTokenTp1Bf16": self.arch.kv_bytes_per_token(1, 2.0),
            "slidingWindow": self.arch.sliding_window,
            "moe": self.arch.is_moe,
            "mla": self.arch.is_mla,
            "source": self.arch.source,
            "estimated": self.arch.estimated,
            "missing": list(self.arch.missing),
        }

    def chosen_dict(self) -> dict[str, Any] | None:
        c = self.chosen
        if c is None:
            return None
        assert c.memory is not None and c.estimate is not None
        return {
            "accelerator": {"type": c.gpu.type, "vendor": c.gpu.vendor, "count": c.count},
            "parallelism": c.parallelism.to_dict(),
            "nodes": c.nodes,
            "gpusPerNode": min(c.count, c.gpu.gpus_per_node),
            "replicas": c.replicas,
            "totalGpus": c.total_gpus,
            "variant": c.variant.to_dict(),
            "batch": {"maxBatchSize": c.max_batch, "maxSequenceLengthTokens": self.max_len},
            "memory": c.memory.to_dict(),
            "estimates": c.estimate.to_dict(),
            "pricePerHourUsdTotal": round(c.price_per_hour, 2),
            "targets": dict(c.meets),
            "vllmArgs": c.vllm_args(self.max_len, self.kv_cache_dtype),
        }

    def to_dict(self) -> dict[str, Any]:
        declared: dict[str, Any] | None = None
        if self.declared is not None:
            declared = self.declared.row_dict()
        elif self.declared_problem:
            declared = {"fits": False, "reason": self.declared_problem, "verdict": f"rejected: {self.declared_problem}"}
        return {
            "apiVersion": "piqc.ai/v1alpha1",
            "kind": "Resolution",
            "chosen": self.chosen_dict(),
            "declared": declared,
            "objective": self.objective,
            "engine": {"name": "vllm", "version": "{}.{}.{}".format(*self.engine.version),
                       "kvCacheDtype": self.kv_cache_dtype},
            "targets": self.targets,
            "units": UNITS,
            "candidates": [c.row_dict() for c in self.candidates],
            "model": self.model_dict(),
            "notes": list(self.notes),
        }


# -- inputs ----------------------------------------------------------------------------------


def _spec_dict(spec: Any) -> tuple[dict[str, Any], Path | None]:
    if isinstance(spec, (str, os.PathLike)):
        from ..spec.api import load

        path = Path(spec)
        return load(path).to_dict(), path.resolve().parent
    if isinstance(spec, dict):
        return spec, None
    to_dict = getattr(spec, "to_dict", None)
    if callable(to_dict):
        result: dict[str, Any] = to_dict()
        return result, None
    raise ResolveError(f"cannot resolve a {type(spec).__name__}: give a ModelSpec, a mapping or a path")


_get = get


def read_config_file(path: Path) -> dict[str, Any]:
    """A local config.json, bounded (never blocks on a FIFO, never reads a 1 GiB file)."""
    from .._fileio import InputError, read_regular

    try:
        raw = read_regular(path, MAX_CONFIG_BYTES)
    except InputError as exc:
        raise ArchitectureError(f"cannot read model config {exc}") from None
    return parse_config_bytes(raw, str(path))


def parse_config_bytes(raw: bytes, source: str) -> dict[str, Any]:
    """JSON with strict numbers: NaN / Infinity are refused, deep nesting is an error, not a crash."""
    import json

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not a number in JSON")

    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=no_constants)
    except RecursionError:
        raise ArchitectureError(f"model config {source} nests too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ArchitectureError(f"model config {source} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ArchitectureError(f"model config {source} is not a JSON object")
    return data


def load_model_config(ref: str, base: Path | None = None, *, timeout: float = 15.0) -> Architecture:
    """A ``config.json`` path or ``hf://org/model[@rev]`` as an Architecture."""
    if ref.startswith("hf://"):
        from .hub import fetch_config

        return arch_mod.from_hf_config(fetch_config(ref, timeout=timeout), source=ref)
    path = Path(ref.removeprefix("file://"))
    if base is not None and not path.is_absolute():
        path = base / path
    if path.is_dir():
        path = path / "config.json"
    return arch_mod.from_hf_config(read_config_file(path), source=str(path))


def architecture_for(spec: dict[str, Any], model: Any = None, base: Path | None = None, *,
                     timeout: float = 15.0) -> Architecture:
    """Where the numbers come from, best first: ``model`` argument, spec architecture block,
    ``artifacts.configUri``, then a parameter count parsed from the model id (an estimate)."""
    if isinstance(model, Architecture):
        return model
    if isinstance(model, dict):
        return arch_mod.from_hf_config(model, source="config")
    if isinstance(model, (str, os.PathLike)):
        return load_model_config(os.fspath(model), None, timeout=timeout)
    block = get(spec, "spec.identity.model.architecture")
    model_id = str(get(spec, "spec.identity.model.id") or "")
    if isinstance(block, dict) and block:
        return arch_mod.from_spec_block(block, model_id)
    config_uri = get(spec, "spec.identity.model.artifacts.configUri")
    if isinstance(config_uri, str):
        return load_model_config(config_uri, base, timeout=timeout)
    count = arch_mod.parameters_from_id(model_id)
    if count:
        return arch_mod.estimate_from_parameters(count, f"model id `{model_id}`")
    raise ResolveError("no architecture: add spec.identity.model.architecture, artifacts.configUri, or pass "
                       "--model-config config.json|hf://org/model")


# -- the pool of GPUs ------------------------------------------------------------------------


def gpu_pool(cat: dict[str, Gpu], demand: Demand, gpus: list[str] | None, vendor: str | None,
             notes: list[str]) -> list[Gpu]:
    """Filters first: vendor (``vendor`` option, else the declared one; ``any`` = all), then
    ``--gpus`` when given (``all`` = the whole catalog), else the declared type + alternatives."""
    want_vendor = (vendor or demand.declared.vendor or "any").strip().lower()
    if want_vendor != "any" and not any(g.vendor == want_vendor for g in cat.values()):
        raise ResolveError(f"no GPU of vendor `{want_vendor}` in the catalog "
                           f"(vendors: {', '.join(sorted({g.vendor for g in cat.values()}))})")
    if gpus and [g.strip().lower() for g in gpus] != ["all"]:
        pool = select(cat, gpus)
        other = [g.type for g in pool if want_vendor != "any" and g.vendor != want_vendor]
        if other:
            raise ResolveError(f"--gpus {', '.join(other)} is not {want_vendor} (the spec's vendor); "
                               f"pass --vendor {pool[0].vendor if len(other) == len(pool) else 'any'} to allow it")
        return pool
    if gpus:
        return [g for g in cat.values() if want_vendor == "any" or g.vendor == want_vendor]
    names = [n for n in (demand.declared.raw_type, *demand.declared.alternatives) if n]
    pool = []
    for name in names:
        key = canonical_type(name) or name.strip().lower()
        gpu = cat.get(key)
        if gpu is None:
            notes.append(f"declared accelerator `{name}` is not in the catalog (add it with --catalog)")
        elif want_vendor != "any" and gpu.vendor != want_vendor:
            notes.append(f"`{name}` is {gpu.vendor}, not the declared vendor {want_vendor}: skipped")
        elif gpu not in pool:
            pool.append(gpu)
    if not pool:
        raise ResolveError("none of the declared accelerator type and alternatives is in the catalog for vendor "
                           f"{want_vendor}; pass --gpus LIST (or --gpus all)")
    return pool


def parallelisms(gpu: Gpu, max_gpus: int, max_nodes: int) -> list[Parallelism]:
    """TP within a node; once a node is full, PP across nodes (vLLM's rule: TP = GPUs per node,
    PP = nodes)."""
    out = [Parallelism(tp) for tp in TP_CHOICES if tp <= min(gpu.gpus_per_node, max_gpus)]
    full = gpu.gpus_per_node
    out += [Parallelism(full, pp) for pp in range(2, max_nodes + 1) if full * pp <= max_gpus]
    return out


# -- the search ------------------------------------------------------------------------------


def _variants(doc: dict[str, Any], demand: Demand, notes: list[str]) -> list[Variant]:
    declared_variants = get(doc, "spec.identity.model.variants") or []
    variants: list[Variant] = [from_spec(v) for v in declared_variants if isinstance(v, dict)] or list(STANDARD)
    if demand.precision:
        kept = [v for v in variants if matches_precision(v, demand.precision)]
        if not kept:
            raise ResolveError(f"no weight variant has the spec's precision `{demand.precision}`")
        if len(kept) < len(variants):
            notes.append(f"precision `{demand.precision}` is fixed by the spec: "
                         f"{', '.join(v.name for v in variants if v not in kept)} not considered")
        variants = kept
    return variants


@dataclass(frozen=True, slots=True)
class _Settings:
    arch: Architecture
    demand: Demand
    rules: EngineRules
    util: float | None
    kv_dtype: str
    kv_bytes: float
    batch_cap: int | None


def resolve(spec: Any, *, catalog: dict[str, Gpu] | str | os.PathLike[str] | None = None, model: Any = None,
            gpus: list[str] | None = None, max_gpus: int = 64, max_nodes: int = DEFAULT_MAX_NODES,
            objective: str = "cost", gpu_memory_utilization: float | None = None,
            prompt_tokens: int | None = None, output_tokens: int | None = None, batch_cap: int | None = None,
            kv_cache_dtype: str = "auto", vendor: str | None = None, max_model_len: int | None = None,
            engine_version: str | None = None, hub_timeout: float = 15.0) -> Resolution:
    """Pick accelerator type and count, parallelism, weight variant and batch limits for ``spec``."""
    if objective not in OBJECTIVES:
        raise ResolveError(f"objective must be one of {', '.join(OBJECTIVES)}")
    if gpu_memory_utilization is not None and not 0.05 <= gpu_memory_utilization <= 1.0:
        raise ResolveError("gpu_memory_utilization must be between 0.05 and 1.0")
    if kv_cache_dtype not in ("auto", "fp8", "fp8_e4m3", "fp8_e5m2", "bfloat16", "float16"):
        raise ResolveError(f"unknown kv_cache_dtype `{kv_cache_dtype}`")
    try:
        rules = engine_rules(engine_version)
    except ValueError as exc:
        raise ResolveError(str(exc)) from None
    doc, base = _spec_dict(spec)
    cat = catalog if isinstance(catalog, dict) else load_catalog(catalog)
    arch = architecture_for(doc, model, base, timeout=hub_timeout)
    try:
        demand = read_demand(doc, model_max_len=arch.max_position_embeddings, max_model_len=max_model_len,
                             prompt_tokens=prompt_tokens, output_tokens=output_tokens)
    except DemandError as exc:
        raise ResolveError(str(exc)) from None
    notes = list(demand.notes)
    if arch.estimated:
        notes.append(f"architecture estimated from {arch.source}: weights are sized from the parameter count, "
                     f"the KV cache assumes 8 KV heads × 128 (missing: {', '.join(arch.missing)})")
    pool = gpu_pool(cat, demand, gpus, vendor, notes)
    variants = _variants(doc, demand, notes)
    kv_bytes = 1.0 if kv_cache_dtype.startswith("fp8") else 2.0
    settings = _Settings(arch, demand, rules, gpu_memory_utilization, kv_cache_dtype, kv_bytes, batch_cap)
    candidates = [_check(settings, v, g, par) for g in pool for v in variants
                  for par in parallelisms(g, max_gpus, max_nodes)]
    _rank(candidates, objective)
    declared, problem = _declared_row(settings, cat, variants)
    notes.append(f"estimates assume {demand.prompt_tokens} prompt + {demand.output_tokens} output tokens per request")
    notes.append(f"memory follows {rules.label}'s accounting (--engine-version to change)")
    return Resolution(arch, demand.max_len, objective, candidates, demand.targets(), notes, declared, problem,
                      rules, kv_cache_dtype, demand)


def _dtype_problem(variant: Variant, gpu: Gpu) -> str | None:
    if variant.precision == "bf16" and not gpu.supports_bf16:
        return f"no bf16 on {gpu.type} (use an fp16 variant)"
    if variant.precision.startswith("fp8") and not gpu.supports_fp8:
        return f"no fp8 on {gpu.type}"
    if variant.precision in ("int4", "fp4") and gpu.compute_capability is not None and gpu.compute_capability < 7.5:
        return f"int4 kernels need compute capability ≥ 7.5 ({gpu.type} is {gpu.compute_capability})"
    if variant.quantization == "nvfp4" and (gpu.compute_capability or 0) < 10.0:
        return f"no fp4 on {gpu.type}"
    return None


def _gib(n: float) -> str:
    return f"{n / GIB:.1f} GiB"


def _structural_problem(s: _Settings, variant: Variant, gpu: Gpu, par: Parallelism) -> str | None:
    arch, tp = s.arch, par.tensor
    if s.demand.memory_gb_floor is not None and gpu.memory_gb < s.demand.memory_gb_floor:
        return f"{gpu.type} has {gpu.memory_gb:g} GB < declared memoryGb {s.demand.memory_gb_floor:g}"
    problem = _dtype_problem(variant, gpu)
    if problem:
        return problem
    if tp > gpu.gpus_per_node:
        return f"TP {tp} > {gpu.gpus_per_node} {gpu.type} per node (TP stays within a node)"
    if arch.num_heads % tp:
        return f"TP {tp} does not divide {arch.num_heads} attention heads"
    if not arch.is_mla and arch.num_kv_heads % tp and tp % arch.num_kv_heads:
        return f"TP {tp} neither divides nor is a multiple of {arch.num_kv_heads} KV heads"
    if par.pipeline > arch.num_layers:
        return f"PP {par.pipeline} > {arch.num_layers} layers"
    return None


def _check(s: _Settings, variant: Variant, gpu: Gpu, par: Parallelism) -> Candidate:
    def reject(reason: str, mem: MemoryPlan | None = None, shortfall: float = math.inf) -> Candidate:
        return Candidate(gpu, variant, par, False, reason, mem, shortfall=shortfall)

    problem = _structural_problem(s, variant, gpu, par)
    if problem:
        return reject(problem)
    util = s.util if s.util is not None else s.rules.default_utilization
    weights_per_gpu = variant.weight_bytes(s.arch.params()) / par.gpus
    budget = gpu.usable_bytes * util
    if weights_per_gpu > budget:  # hopeless: no need for the full accounting
        return reject(f"weights {_gib(weights_per_gpu)}/GPU > {util:.2f} × {gpu.usable_gib:g} GiB", None,
                      weights_per_gpu / budget)
    max_len = s.demand.max_len
    # kv-cache-dtype auto = the weights' dtype (fp32 checkpoints cache 4 bytes per element)
    kv_bytes = 4.0 if s.kv_dtype == "auto" and variant.precision == "fp32" else s.kv_bytes
    mem = plan(s.arch, variant, gpu, par.tensor, max_len, pp=par.pipeline, gpu_memory_utilization=s.util,
               kv_dtype_bytes=kv_bytes, engine=s.rules)
    room = mem.budget_bytes - mem.overhead_bytes - mem.activation_bytes
    if mem.weight_bytes_per_gpu > room:
        return reject(f"weights {_gib(mem.weight_bytes_per_gpu)}/GPU > {_gib(room)} left of "
                      f"{mem.gpu_memory_utilization:.2f} × {gpu.usable_gib:g} GiB", mem,
                      mem.weight_bytes_per_gpu / max(room, 1))
    if not mem.fits_one_sequence:
        return reject(f"KV cache {_gib(max(0, mem.kv_cache_bytes))}/GPU holds {mem.kv_tokens:,} tokens "
                      f"< one {max_len:,}-token sequence (vLLM refuses to start)", mem,
                      1 + (mem.blocks_per_sequence - mem.num_blocks) / mem.blocks_per_sequence)
    return _size_to_demand(s, Candidate(gpu, variant, par, True, "", mem, shortfall=0.0))


def _size_to_demand(s: _Settings, c: Candidate) -> Candidate:
    """Batch, replicas and the targets met, for a candidate whose memory fits."""
    d, mem = s.demand, c.memory
    assert mem is not None
    fit_expected = sequences_at(s.arch, mem, d.expected_len, s.rules)
    if d.concurrency is not None:
        c.meets["concurrency"] = fit_expected >= d.concurrency
        c.max_batch = d.concurrency
    else:
        c.max_batch = max(1, min(fit_expected, s.batch_cap or mem.max_num_seqs))
    est = estimate(s.arch, c.variant, c.gpu, c.parallelism.tensor, mem, c.max_batch, d.prompt_tokens,
                   d.output_tokens, pp=c.parallelism.pipeline)
    c.estimate = est
    if d.latency_ms_p95 is not None:
        c.meets["latencyMsP95"] = est.request_ms <= d.latency_ms_p95
    c.replicas = d.min_replicas
    if d.rps is not None and est.requests_per_s > 0:
        c.replicas = max(c.replicas, math.ceil(d.rps / est.requests_per_s))
        c.meets["rps"] = d.max_replicas is None or c.replicas <= d.max_replicas
    elif d.rps is not None:
        c.meets["rps"] = False
    if d.cost_per_1k is not None:
        c.meets["costPer1kTokensUsd"] = est.cost_per_1k_tokens <= d.cost_per_1k
    c.reason = _fit_reason(c, d, fit_expected)
    return c


def _fit_reason(c: Candidate, d: Demand, fit_expected: int) -> str:
    assert c.estimate is not None and c.memory is not None
    e = c.estimate
    parts = [f"{c.memory.max_concurrency:.1f} × {d.max_len:,}-token sequences fit "
             f"({fit_expected} × {d.expected_len:,} expected)"]
    if c.meets.get("concurrency") is False:
        parts[0] += f" < {d.concurrency_source} {d.concurrency} (vLLM would preempt)"
    if d.latency_ms_p95 is not None:
        parts.append(f"request ≈ {e.request_ms:.0f} ms vs p95 target {d.latency_ms_p95:g}")
    if d.rps is not None and e.requests_per_s > 0:
        cap = f" (maxReplicas {d.max_replicas})" if d.max_replicas is not None else ""
        parts.append(f"{c.replicas} replica(s) × {e.requests_per_s:.2f} rps for {d.rps:g} rps{cap}")
    if d.cost_per_1k is not None:
        parts.append(f"${e.cost_per_1k_tokens:.5f}/1k tok vs target {d.cost_per_1k:g}")
    return "; ".join(parts)


def _fidelity(v: Variant) -> float:
    return -(v.linear_bytes)  # more bytes per weight = closer to the original checkpoint


def _rank(candidates: list[Candidate], objective: str) -> None:
    """cost: lowest total $/h that meets the demand, then fewer GPUs, then the most faithful
    weights; latency: lowest estimated request time; throughput: most tokens/s per $."""

    def key(c: Candidate) -> tuple[Any, ...]:
        if not c.fits:
            return (2, c.shortfall, c.count, c.gpu.price_per_hour)
        e = c.estimate
        assert e is not None
        per_dollar = e.tokens_per_s * c.replicas / max(c.price_per_hour, 1e-9)
        metric: tuple[Any, ...] = {
            "cost": (round(c.price_per_hour, 6), c.total_gpus, _fidelity(c.variant), e.request_ms),
            "latency": (round(e.request_ms, 3), c.price_per_hour, c.total_gpus),
            "throughput": (-per_dollar, c.total_gpus, _fidelity(c.variant)),
        }[objective]
        return (0 if c.meets_all else 1, *metric)

    candidates.sort(key=key)


def _declared_row(s: _Settings, cat: dict[str, Gpu], variants: list[Variant]) -> tuple[Candidate | None, str | None]:
    """The spec's own accelerator type × count, checked like any candidate (vendor filter aside)."""
    dec = s.demand.declared
    if dec.raw_type is None or dec.count is None:
        return None, "the spec declares no accelerator type and count"
    gpu = cat.get(dec.type or dec.raw_type.strip().lower())
    if gpu is None:
        return None, f"declared accelerator `{dec.raw_type}` is not in the catalog"
    n, per_node = dec.count, gpu.gpus_per_node
    if n <= per_node:
        par = Parallelism(n)
    elif n % per_node == 0:
        par = Parallelism(per_node, n // per_node)
    else:
        return None, f"{n} × {gpu.type} is not whole nodes of {per_node} (TP within a node × PP across nodes)"
    variant = variants[0]
    c = _check(s, variant, gpu, par)
    c.declared = True
    return c, None


def spec_updates(res: Resolution) -> dict[str, Any]:
    """Dotted spec path → value that ``--write`` sets (everything else in the file is kept)."""
    chosen = res.chosen
    if chosen is None:
        raise ResolveError("nothing to write: no candidate fits")
    updates: dict[str, Any] = {
        "spec.identity.model.precision": chosen.variant.precision,
        "spec.runtime.accelerator.vendor": chosen.gpu.vendor,
        "spec.runtime.accelerator.type": chosen.gpu.type,
        "spec.runtime.accelerator.count": chosen.count,
        "spec.runtime.batch.maxBatchSize": chosen.max_batch,
        "spec.runtime.batch.maxSequenceLengthTokens": res.max_len,
    }
    return updates


def spec_with_resolution(doc: dict[str, Any], res: Resolution) -> dict[str, Any]:
    """``doc`` with runtime.accelerator, runtime.batch and identity.model.precision filled in."""
    import copy

    out = copy.deepcopy(doc)
    for dotted, value in spec_updates(res).items():
        node = out
        *parents, last = dotted.split(".")
        for k in parents:
            node = node.setdefault(k, {})
        node[last] = value
    return out


