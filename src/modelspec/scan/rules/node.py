"""Node drift rules (MS4xx): the spec against what NVML and psutil read on this machine."""

from __future__ import annotations

from collections.abc import Iterator

from ...spec.accelerators import canonical_type
from ...spec.models import ModelSpec
from ...spec.vocab import canonical_precision
from ...validate.findings import Severity
from ..facts import Fact, NodeFacts
from ..findings import DriftFinding
from .base import drifted, match, missing, node_rule, unknown, verdict

_ACC = "/spec/runtime/accelerator"
_E, _W = Severity.ERROR, Severity.WARNING


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def _down(f: NodeFacts) -> str | None:
    return f"cannot observe: {f.gpu_error}" if f.gpu_error is not None else None


@node_rule("MS401", f"{_ACC}/vendor", "nvml", _E, "accelerator vendor", "Run on nodes of the declared vendor.")
def _vendor(spec: ModelSpec, f: NodeFacts) -> Iterator[DriftFinding]:
    vendor = spec.spec.runtime.accelerator.vendor
    pointer = f"{_ACC}/vendor"
    if (down := _down(f)) is not None:
        yield unknown(pointer, vendor, "nvml", down)
    elif not f.gpus:
        yield missing(pointer, vendor, _E, "nvml", "NVML works but reports no GPU visible to this process")
    else:
        ok = vendor.lower() == "nvidia"
        yield verdict(
            pointer,
            vendor,
            "nvidia",
            ok,
            _E,
            "nvml",
            "NVIDIA GPUs present" if ok else f"spec declares {vendor} accelerators, this node has NVIDIA GPUs",
        )


@node_rule(
    "MS402",
    f"{_ACC}/type",
    "nvml",
    _E,
    "accelerator type (alternatives accepted; MIG slices are not whole GPUs)",
    "Schedule onto the declared GPU type, or list the observed one in accelerator.alternatives.",
)
def _type(spec: ModelSpec, f: NodeFacts) -> Iterator[DriftFinding]:
    acc = spec.spec.runtime.accelerator
    accepted = {canonical_type(t) for t in [acc.type, *(acc.alternatives or [])]} - {None}
    pointer, gpus = f"{_ACC}/type", f.healthy_gpus
    if (down := _down(f)) is not None:
        yield unknown(pointer, acc.type, "nvml", down)
        return
    if not gpus:
        lost = [g.index for g in f.gpus if g.lost]
        yield missing(pointer, acc.type, _E, "nvml", "no healthy GPU to compare" + (f" (lost: {lost})" if lost else ""))
        return
    observed = sorted({g.type.value for g in gpus if g.type.known})
    unrecognised = [g.name.value for g in gpus if not g.type.known]
    shown = ", ".join(observed + [f"unrecognised {n!r}" for n in unrecognised])
    migs = [g.index for g in gpus if g.mig_mode.value == "enabled"]
    if unrecognised:
        yield unknown(
            pointer, acc.type, "nvml", f"GPU name not recognised: {', '.join(map(repr, unrecognised))}", shown, _W
        )
    elif set(observed) <= accepted and migs:
        profiles = sorted({p["profile"] for g in gpus for p in (g.mig_profile.value or []) if p["profile"]})
        yield drifted(
            pointer,
            acc.type,
            f"{shown} (MIG {', '.join(profiles) or 'enabled'})",
            _W,
            "nvml",
            f"GPU {migs} run in MIG mode: the model gets slices ({', '.join(profiles)}), not whole {acc.type} GPUs",
        )
    elif set(observed) <= accepted:
        yield match(pointer, acc.type, shown, "nvml", f"{len(gpus)} × {shown}")
    else:
        alts = f" (or {', '.join(acc.alternatives)})" if acc.alternatives else ""
        yield drifted(pointer, acc.type, shown, _E, "nvml", f"spec declares {acc.type}{alts}, node has {shown}")


@node_rule(
    "MS403",
    f"{_ACC}/count",
    "nvml",
    _E,
    "visible GPU count (MIG slices counted)",
    "Give the server exactly the declared GPUs (limits, CUDA_VISIBLE_DEVICES).",
)
def _count(spec: ModelSpec, f: NodeFacts) -> Iterator[DriftFinding]:
    declared = spec.spec.runtime.accelerator.count
    pointer = f"{_ACC}/count"
    if (down := _down(f)) is not None:
        yield unknown(pointer, declared, "nvml", down)
        return
    gpus = f.healthy_gpus
    lost = [g.index for g in f.gpus if g.lost]
    visible = sum(max(1, len(g.mig_profile.value or [])) if g.mig_mode.value == "enabled" else 1 for g in gpus)
    note = f"; GPU {lost} lost" if lost else ""
    if visible < declared:
        yield drifted(
            pointer, declared, visible, _E, "nvml", f"{visible} usable GPU(s) visible, {declared} declared{note}"
        )
    elif visible > declared:
        yield drifted(
            pointer,
            declared,
            visible,
            _W,
            "nvml",
            f"{visible} GPUs visible but {declared} declared: idle GPUs, or "
            f"CUDA_VISIBLE_DEVICES/limits wider than the spec{note}",
        )
    else:
        yield match(pointer, declared, visible, "nvml", f"{visible} GPU(s) visible{note}")


@node_rule(
    "MS404",
    f"{_ACC}/memoryGb",
    "nvml",
    _E,
    "memory per GPU (or MIG slice)",
    "Use GPUs with at least the declared memory, or lower the floor.",
)
def _gpu_memory(spec: ModelSpec, f: NodeFacts) -> Iterator[DriftFinding]:
    floor = spec.spec.runtime.accelerator.memory_gb
    if floor is None:
        return
    pointer = f"{_ACC}/memoryGb"
    sizes: list[float] = []
    for g in f.healthy_gpus:
        if g.mig_mode.value == "enabled" and g.mig_profile.value:
            sizes += [p["memoryTotal"] for p in g.mig_profile.value]
        elif g.memory_total.known:
            sizes.append(g.memory_total.value)
    if f.gpu_error is not None or not sizes:
        yield unknown(pointer, floor, "nvml", f"cannot observe: {f.gpu_error or 'no GPU memory readable'}")
        return
    smallest = min(sizes)
    ok = smallest >= floor * 1e9 * 0.95  # drivers and ECC shift totals by a few percent
    yield verdict(
        pointer,
        floor,
        round(smallest / 1e9, 1),
        ok,
        _E,
        "nvml",
        f"smallest GPU (or MIG slice) has {_gb(smallest)}, {floor:g} GB declared",
    )


@node_rule(
    "MS405",
    "/spec/identity/model/precision",
    "inferred",
    _E,
    "GPU supports the declared precision natively",
    "Run bf16/fp8 models on GPUs with native support (Ampere+ for bf16, Ada/Hopper+ for fp8).",
)
def _precision(spec: ModelSpec, f: NodeFacts) -> Iterator[DriftFinding]:
    precision = spec.spec.identity.model.precision
    canon = canonical_precision(precision) if precision else None
    if canon not in ("bf16", "fp8", "fp8-e4m3", "fp8-e5m2"):
        return
    from ...resolve.catalog import load_catalog

    pointer = "/spec/identity/model/precision"
    catalog = load_catalog()
    types = {g.type.value for g in f.healthy_gpus if g.type.known}
    if f.gpu_error is not None or not types:
        yield unknown(pointer, precision, "nvml", "GPU type unknown")
        return
    fp8 = str(canon).startswith("fp8")
    lacking = sorted(
        t for t in types if t in catalog and not (catalog[t].supports_fp8 if fp8 else catalog[t].supports_bf16)
    )
    shown = ", ".join(sorted(types))
    message = (
        f"{precision} declared but {', '.join(lacking)} has no native {'fp8' if fp8 else 'bf16'} support"
        if lacking
        else f"{shown} supports {precision}"
    )
    yield verdict(pointer, precision, shown, not lacking, _E, "inferred", message)


@node_rule("MS406", "/spec/runtime/resources/cpuCores", "psutil", _E, "host CPU cores", "Run on a larger host.")
def _cpu(spec: ModelSpec, f: NodeFacts) -> Iterator[DriftFinding]:
    res = spec.spec.runtime.resources
    declared = res.cpu_cores if res else None
    if not declared:
        return
    pointer = "/spec/runtime/resources/cpuCores"
    if not f.cpu_cores.known:
        yield unknown(pointer, declared, "psutil", f.cpu_cores.reason or "")
        return
    yield verdict(
        pointer,
        declared,
        f.cpu_cores.value,
        f.cpu_cores.value >= declared,
        _E,
        "psutil",
        f"{f.cpu_cores.value} logical cores on the host, {declared} declared",
    )


def _host_bytes(pointer: str, declared_gb: float, fact: Fact, what: str, severity: Severity) -> DriftFinding:
    if not fact.known:
        return unknown(pointer, declared_gb, "psutil", fact.reason or "")
    ok = fact.value >= declared_gb * 1e9 * 0.95
    return verdict(
        pointer,
        declared_gb,
        round(fact.value / 1e9, 1),
        ok,
        severity,
        "psutil",
        f"{what}: {_gb(fact.value)}, {declared_gb:g} GB declared",
    )


@node_rule("MS407", "/spec/runtime/resources/memoryGb", "psutil", _E, "host memory", "Run on a host with more memory.")
def _memory(spec: ModelSpec, f: NodeFacts) -> Iterator[DriftFinding]:
    res = spec.spec.runtime.resources
    if res and res.memory_gb:
        yield _host_bytes("/spec/runtime/resources/memoryGb", res.memory_gb, f.memory_total, "host memory", _E)


@node_rule(
    "MS408",
    "/spec/runtime/resources/ephemeralStorageGb",
    "psutil",
    _W,
    "free disk at the model cache",
    "Free disk space or point the cache (--cache-dir, HF_HOME) at a larger volume.",
)
def _disk(spec: ModelSpec, f: NodeFacts) -> Iterator[DriftFinding]:
    res = spec.spec.runtime.resources
    if res and res.ephemeral_storage_gb:
        yield _host_bytes(
            "/spec/runtime/resources/ephemeralStorageGb",
            res.ephemeral_storage_gb,
            f.disk_free,
            f"free disk at {f.cache_dir}",
            _W,
        )


@node_rule(
    "MS409",
    _ACC,
    "nvml",
    _W,
    "free GPU memory for the model (weights + one sequence)",
    "Expected when the holders are this model's own server; else evict the other processes.",
)
def _headroom(spec: ModelSpec, f: NodeFacts) -> Iterator[DriftFinding]:
    model = spec.spec.identity.model
    if model.architecture is None or not f.healthy_gpus:
        return
    need = _need_per_gpu(spec)
    if need is None:
        return
    need_bytes, max_len = need
    short = []
    for g in f.healthy_gpus:
        if g.memory_total.known and g.memory_used.known and g.memory_total.value - g.memory_used.value < need_bytes:
            procs = ", ".join(
                f"pid {p['pid']} {p.get('name') or '?'} {_gb(p['usedBytes'] or 0)}" for p in (g.processes.value or [])
            )
            free = _gb(g.memory_total.value - g.memory_used.value)
            short.append(f"GPU {g.index}: {free} free ({procs or 'no process listed'})")
    need_s = f"{_gb(need_bytes)}/GPU"
    if short:
        yield drifted(
            _ACC,
            need_s,
            "; ".join(short),
            _W,
            "nvml",
            f"the model needs ~{need_s} (weights + one {max_len}-token sequence) but memory is held "
            f"by running processes — expected if they are this model's own server, else evict them",
        )
    else:
        yield match(_ACC, need_s, "enough free memory on every GPU", "nvml", f"every GPU has at least {need_s} free")


def _need_per_gpu(spec: ModelSpec) -> tuple[float, int] | None:
    from ...resolve.architecture import ArchitectureError
    from ...resolve.engine import ResolveError, architecture_for
    from ...resolve.memory import NON_TORCH_BYTES
    from ...resolve.variants import STANDARD, matches_precision

    try:
        arch = architecture_for(spec.to_dict())
    except (ResolveError, ArchitectureError):
        return None
    count = max(1, spec.spec.runtime.accelerator.count)
    batch = spec.spec.runtime.batch
    max_len = int((batch.max_sequence_length_tokens if batch else None) or arch.max_position_embeddings or 4096)
    precision = spec.spec.identity.model.precision or "bf16"
    variant = next((v for v in STANDARD if matches_precision(v, precision)), STANDARD[0])
    need = variant.weight_bytes(arch.params()) / count + arch.kv_bytes_per_token(count) * max_len + NON_TORCH_BYTES
    return float(need), max_len
