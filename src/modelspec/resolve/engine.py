"""Candidate search: every (GPU type × weight variant × tensor-parallel degree), checked, sized,
estimated and ranked, with the reason each loser lost."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ModelSpecError
from ..spec.accelerators import canonical_type
from . import architecture as arch_mod
from .architecture import Architecture, ArchitectureError
from .catalog import GIB, Gpu, load_catalog, select
from .estimate import Estimate, estimate
from .memory import MemoryPlan, plan
from .variants import STANDARD, Variant, from_spec, matches_precision

OBJECTIVES = ("cost", "latency", "throughput")
TP_CHOICES = (1, 2, 4, 8)
DEFAULT_BATCH_CAP = 256  # vLLM's default max_num_seqs


class ResolveError(ModelSpecError):
    """Bad input for the resolver (missing config, unknown GPU, no sequence length…)."""


@dataclass(slots=True)
class Candidate:
    gpu: Gpu
    count: int
    variant: Variant
    fits: bool
    reason: str
    memory: MemoryPlan | None = None
    estimate: Estimate | None = None
    max_batch: int = 0
    meets: dict[str, bool] = field(default_factory=dict)
    shortfall: float = math.inf  # how far from fitting (for "closest misses")

    @property
    def meets_all(self) -> bool:
        return self.fits and all(self.meets.values())

    @property
    def verdict(self) -> str:
        if not self.fits:
            return f"rejected: {self.reason}"
        missed = [k for k, ok in self.meets.items() if not ok]
        return "fits" if not missed else "fits, misses " + ", ".join(missed)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "accelerator": {"type": self.gpu.type, "count": self.count},
            "variant": {"name": self.variant.name, "precision": self.variant.precision},
            "fits": self.fits,
            "reason": self.reason,
            "verdict": self.verdict,
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
    """The resolver's answer: the chosen candidate (or ``None``) and every other one, ranked."""

    arch: Architecture
    max_len: int
    objective: str
    candidates: list[Candidate]
    targets: dict[str, float]
    notes: list[str] = field(default_factory=list)

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
            "moe": self.arch.is_moe,
            "mla": self.arch.is_mla,
            "source": self.arch.source,
            "estimated": self.arch.estimated,
            "missing": list(self.arch.missing),
        }

    def to_dict(self) -> dict[str, Any]:
        chosen = self.chosen
        out: dict[str, Any] = {"chosen": None}
        if chosen is not None:
            assert chosen.memory is not None and chosen.estimate is not None
            mem = chosen.memory
            out["chosen"] = {
                "accelerator": {"type": chosen.gpu.type, "vendor": chosen.gpu.vendor, "count": chosen.count},
                "variant": chosen.variant.to_dict(),
                "batch": {"maxBatchSize": chosen.max_batch, "maxSequenceLengthTokens": self.max_len},
                "memory": {
                    "weightBytes": mem.weight_bytes,
                    "kvBytesPerToken": mem.kv_bytes_per_token,
                    "kvCacheBytes": max(0, mem.kv_cache_bytes),
                    "maxConcurrency": round(mem.max_concurrency, 2),
                    "kvTokens": mem.kv_tokens,
                },
                "estimates": chosen.estimate.to_dict(),
                "targets": dict(chosen.meets),
            }
        out["objective"] = self.objective
        out["targets"] = self.targets
        out["candidates"] = [c.to_dict() for c in self.candidates]
        out["model"] = self.model_dict()
        out["notes"] = list(self.notes)
        return out


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


def _get(d: dict[str, Any], dotted: str) -> Any:
    node: Any = d
    for k in dotted.split("."):
        node = node.get(k) if isinstance(node, dict) else None
    return node


def load_model_config(ref: str, base: Path | None = None) -> Architecture:
    """A ``config.json`` path or ``hf://org/model[@rev]`` as an Architecture."""
    if ref.startswith("hf://"):
        from .hub import fetch_config

        return arch_mod.from_hf_config(fetch_config(ref), source=ref)
    raw = ref.removeprefix("file://")
    path = Path(raw)
    if base is not None and not path.is_absolute():
        path = base / path
    if path.is_dir():
        path = path / "config.json"
    try:
        import json

        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ArchitectureError(f"cannot read model config {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ArchitectureError(f"model config {path} is not valid JSON: {exc}") from None
    return arch_mod.from_hf_config(data, source=str(path))


def architecture_for(spec: dict[str, Any], model: Any = None, base: Path | None = None) -> Architecture:
    """Where the numbers come from, best first: ``model`` argument, spec architecture block,
    ``artifacts.configUri``, then a parameter count parsed from the model id (an estimate)."""
    if isinstance(model, Architecture):
        return model
    if isinstance(model, dict):
        return arch_mod.from_hf_config(model, source="config")
    if isinstance(model, (str, os.PathLike)):
        return load_model_config(os.fspath(model), None)
    block = _get(spec, "spec.identity.model.architecture")
    model_id = str(_get(spec, "spec.identity.model.id") or "")
    if isinstance(block, dict) and block:
        return arch_mod.from_spec_block(block, model_id)
    config_uri = _get(spec, "spec.identity.model.artifacts.configUri")
    if isinstance(config_uri, str):
        return load_model_config(config_uri, base)
    count = arch_mod.parameters_from_id(model_id)
    if count:
        return arch_mod.estimate_from_parameters(count, f"model id `{model_id}`")
    raise ResolveError(
        "no architecture: add spec.identity.model.architecture, artifacts.configUri, or pass "
        "--model-config config.json|hf://org/model"
    )


# -- search ----------------------------------------------------------------------------------


def _dtype_problem(variant: Variant, gpu: Gpu) -> str | None:
    if variant.precision == "bf16" and not gpu.supports_bf16:
        return f"no bf16 on {gpu.type} (use an fp16 variant)"
    if variant.precision.startswith("fp8") and not gpu.supports_fp8:
        return f"no fp8 on {gpu.type}"
    if variant.precision in ("int4", "fp4") and gpu.compute_capability is not None and gpu.compute_capability < 7.5:
        return f"int4 kernels need compute capability ≥ 7.5 ({gpu.type} is {gpu.compute_capability})"
    if variant.precision == "fp4" and (gpu.compute_capability or 0) < 10.0:
        return f"no fp4 on {gpu.type}"
    return None


def _gib(n: float) -> str:
    return f"{n / GIB:.1f} GiB"


def resolve(
    spec: Any,
    *,
    catalog: dict[str, Gpu] | str | os.PathLike[str] | None = None,
    model: Any = None,
    gpus: list[str] | None = None,
    max_gpus: int = 8,
    objective: str = "cost",
    gpu_memory_utilization: float = 0.90,
    prompt_tokens: int | None = None,
    output_tokens: int | None = None,
    batch_cap: int = DEFAULT_BATCH_CAP,
    kv_cache_dtype_bytes: float = 2.0,
) -> Resolution:
    """Pick accelerator type and count, weight variant and max batch size for ``spec``."""
    if objective not in OBJECTIVES:
        raise ResolveError(f"objective must be one of {', '.join(OBJECTIVES)}")
    if not 0.05 <= gpu_memory_utilization <= 1.0:
        raise ResolveError("gpu_memory_utilization must be between 0.05 and 1.0")
    doc, base = _spec_dict(spec)
    cat = catalog if isinstance(catalog, dict) else load_catalog(catalog)
    pool = select(cat, gpus) if gpus else list(cat.values())
    arch = architecture_for(doc, model, base)
    notes: list[str] = []
    if arch.estimated:
        notes.append(
            f"architecture estimated from {arch.source}: weights are sized from the parameter count, "
            f"the KV cache assumes 8 KV heads × 128 (missing: {', '.join(arch.missing)})"
        )

    max_len = _get(doc, "spec.runtime.batch.maxSequenceLengthTokens") or arch.max_position_embeddings
    if not isinstance(max_len, int) or max_len < 1:
        raise ResolveError("no sequence length: set spec.runtime.batch.maxSequenceLengthTokens")
    if arch.max_position_embeddings and max_len > arch.max_position_embeddings:
        notes.append(
            f"maxSequenceLengthTokens {max_len} exceeds the model's max_position_embeddings "
            f"{arch.max_position_embeddings}; vLLM refuses this without rope scaling"
        )
    declared_batch = _get(doc, "spec.runtime.batch.maxBatchSize")
    prompt = prompt_tokens or min(1024, max(1, max_len * 3 // 4))
    output = output_tokens or min(256, max(1, max_len - prompt))
    floor_gb = _get(doc, "spec.runtime.accelerator.memoryGb")

    declared_variants = _get(doc, "spec.identity.model.variants") or []
    variants: list[Variant] = [from_spec(v) for v in declared_variants] or list(STANDARD)
    precision = _get(doc, "spec.identity.model.precision")
    if isinstance(precision, str):
        kept = [v for v in variants if matches_precision(v, precision)]
        if not kept:
            raise ResolveError(f"no weight variant has the spec's precision `{precision}`")
        if len(kept) < len(variants):
            notes.append(
                f"precision `{precision}` is fixed by the spec: "
                f"{', '.join(v.name for v in variants if v not in kept)} not considered"
            )
        variants = kept

    targets: dict[str, float] = {}
    for key, name in (
        ("spec.operations.scaling.targetLatencyMsP95", "latencyMsP95"),
        ("spec.operations.scaling.targetRps", "rps"),
        ("spec.governance.cost.targetCostPer1kTokensUsd", "costPer1kTokensUsd"),
    ):
        value = _get(doc, key)
        if isinstance(value, (int, float)) and value > 0:
            targets[name] = float(value)
    max_replicas = _get(doc, "spec.operations.scaling.maxReplicas")

    candidates: list[Candidate] = []
    for gpu in pool:
        for variant in variants:
            for tp in TP_CHOICES:
                if tp > max_gpus:
                    continue
                candidates.append(
                    _check(
                        arch,
                        variant,
                        gpu,
                        tp,
                        max_len,
                        floor_gb,
                        declared_batch,
                        batch_cap,
                        gpu_memory_utilization,
                        kv_cache_dtype_bytes,
                        prompt,
                        output,
                        targets,
                        max_replicas,
                    )
                )
    _rank(candidates, objective)
    res = Resolution(arch, max_len, objective, candidates, targets, notes)
    notes.append(f"estimates assume {prompt} prompt + {output} output tokens per request")
    return res


def _check(
    arch: Architecture,
    variant: Variant,
    gpu: Gpu,
    tp: int,
    max_len: int,
    floor_gb: Any,
    declared_batch: Any,
    batch_cap: int,
    util: float,
    kv_bytes: float,
    prompt: int,
    output: int,
    targets: dict[str, float],
    max_replicas: Any,
) -> Candidate:
    def reject(reason: str, mem: MemoryPlan | None = None, shortfall: float = math.inf) -> Candidate:
        return Candidate(gpu, tp, variant, False, reason, mem, shortfall=shortfall)

    if isinstance(floor_gb, (int, float)) and gpu.memory_gb < floor_gb:
        return reject(f"{gpu.type} has {gpu.memory_gb:g} GB < declared memoryGb {floor_gb:g}")
    problem = _dtype_problem(variant, gpu)
    if problem:
        return reject(problem)
    if tp > gpu.gpus_per_node:
        return reject(f"TP {tp} > {gpu.gpus_per_node} {gpu.type} per node (no pipeline parallelism)")
    if arch.num_heads % tp:
        return reject(f"TP {tp} does not divide {arch.num_heads} attention heads")
    if not arch.is_mla and arch.num_kv_heads % tp and tp % arch.num_kv_heads:
        return reject(f"TP {tp} neither divides nor is a multiple of {arch.num_kv_heads} KV heads")
    mem = plan(arch, variant, gpu, tp, max_len, gpu_memory_utilization=util, kv_dtype_bytes=kv_bytes)
    room = mem.budget_bytes - mem.overhead_bytes - mem.activation_bytes
    if mem.weight_bytes_per_gpu > room:
        return reject(
            f"weights {_gib(mem.weight_bytes_per_gpu)}/GPU > {_gib(room)} left of {util:.2f} × {gpu.usable_gib:g} GiB",
            mem,
            mem.weight_bytes_per_gpu / max(room, 1),
        )
    if not mem.fits_one_sequence:
        return reject(
            f"KV cache {_gib(max(0, mem.kv_cache_bytes))} holds {mem.kv_tokens:,} tokens "
            f"< one {max_len:,}-token sequence",
            mem,
            1 + (mem.blocks_per_sequence - mem.num_blocks) / mem.blocks_per_sequence,
        )
    fit_batch = int(mem.max_concurrency)
    meets: dict[str, bool] = {}
    if isinstance(declared_batch, int):
        # vLLM starts anyway (max_num_seqs is a cap) but preempts once the KV cache is full
        meets["maxBatchSize"] = fit_batch >= declared_batch
        batch = declared_batch
    else:
        batch = max(1, min(fit_batch, batch_cap))
    est = estimate(arch, variant, gpu, tp, mem, batch, prompt, output)
    if "latencyMsP95" in targets:
        meets["latencyMsP95"] = est.request_ms <= targets["latencyMsP95"]
    if "rps" in targets and isinstance(max_replicas, int) and max_replicas > 0 and est.requests_per_s > 0:
        meets["rps"] = math.ceil(targets["rps"] / est.requests_per_s) <= max_replicas
    if "costPer1kTokensUsd" in targets:
        meets["costPer1kTokensUsd"] = est.cost_per_1k_tokens <= targets["costPer1kTokensUsd"]
    cand = Candidate(gpu, tp, variant, True, "", mem, est, batch, meets, 0.0)
    cand.reason = _fit_reason(cand, targets)
    return cand


def _fit_reason(c: Candidate, targets: dict[str, float]) -> str:
    assert c.estimate is not None and c.memory is not None
    e = c.estimate
    parts = [f"{c.memory.max_concurrency:.1f} full-length sequences fit"]
    if c.meets.get("maxBatchSize") is False:
        parts[0] += f" < declared maxBatchSize {c.max_batch} (vLLM would preempt)"
    if "latencyMsP95" in targets:
        parts.append(f"request ≈ {e.request_ms:.0f} ms vs p95 target {targets['latencyMsP95']:g}")
    if "rps" in targets and e.requests_per_s > 0:
        parts.append(f"{math.ceil(targets['rps'] / e.requests_per_s)} replicas for {targets['rps']:g} rps")
    if "costPer1kTokensUsd" in targets:
        parts.append(f"${e.cost_per_1k_tokens:.5f}/1k tok vs target {targets['costPer1kTokensUsd']:g}")
    return "; ".join(parts)


def _rank(candidates: list[Candidate], objective: str) -> None:
    def key(c: Candidate) -> tuple[Any, ...]:
        if not c.fits:
            return (2, c.shortfall, c.count, c.gpu.price_per_hour)
        e = c.estimate
        assert e is not None
        metric = {
            "cost": e.cost_per_1k_tokens,
            "latency": e.request_ms,
            "throughput": -e.tokens_per_s / max(c.count, 1),
        }[objective]
        return (0 if c.meets_all else 1, metric, c.count, c.gpu.price_per_hour)

    candidates.sort(key=key)


def spec_with_resolution(doc: dict[str, Any], res: Resolution) -> dict[str, Any]:
    """``doc`` with runtime.accelerator, runtime.batch and identity.model.precision filled in."""
    import copy

    chosen = res.chosen
    if chosen is None:
        raise ResolveError("nothing to write: no candidate fits")
    out = copy.deepcopy(doc)
    model = out["spec"]["identity"]["model"]
    model["precision"] = chosen.variant.precision
    runtime = out["spec"]["runtime"]
    acc = runtime.setdefault("accelerator", {})
    acc.update({"vendor": chosen.gpu.vendor, "type": chosen.gpu.type, "count": chosen.count})
    batch = runtime.setdefault("batch", {})
    batch.update({"maxBatchSize": chosen.max_batch, "maxSequenceLengthTokens": res.max_len})
    return out


def declared_fit(doc: dict[str, Any]) -> str | None:
    """For the validator: why the declared accelerators cannot hold the model, or ``None``.

    Only the weights are checked against the declared type × count (precision as declared, or
    16-bit), using the spec's architecture block or a size in the model id; no network.
    """
    gpu_type = canonical_type(str(_get(doc, "spec.runtime.accelerator.type") or ""))
    count = _get(doc, "spec.runtime.accelerator.count")
    if gpu_type is None or not isinstance(count, int):
        return None
    catalog = load_catalog()
    gpu = catalog.get(gpu_type)
    if gpu is None:
        return None
    try:
        arch = architecture_for(doc)
    except (ResolveError, ArchitectureError):
        return None
    precision = str(_get(doc, "spec.identity.model.precision") or "bf16")
    variant = next((v for v in STANDARD if matches_precision(v, precision)), STANDARD[0])
    weights = variant.weight_bytes(arch.params())
    usable = gpu.usable_bytes * count
    if weights <= usable * 0.90:
        return None
    where = "" if not arch.estimated else f" (size from {arch.source})"
    return (
        f"weights {weights / 1e9:.1f} GB {variant.precision}{where} > {count} × {gpu.usable_gib:g} GiB "
        f"usable on {gpu.type} (at 0.90 utilization, before any KV cache)"
    )
