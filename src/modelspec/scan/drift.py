"""The drift engine: declared (the spec) against observed (facts), field by field.

Each finding names the spec field (a JSON pointer), what was declared, what was observed, the
status — match, drift, missing (declared but absent), unknown (could not be observed) — a
severity, the source of the evidence and a sentence a platform team can act on. The same
finding and report types serve the node scanner and the cluster scanner.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .._version import __version__
from ..spec.accelerators import canonical_type
from ..spec.vocab import canonical_precision
from ..validate.findings import Severity
from .facts import NodeFacts, now


class Status(str, Enum):
    MATCH = "match"
    DRIFT = "drift"
    MISSING = "missing"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DriftFinding:
    field: str
    declared: Any
    observed: Any
    status: Status
    severity: Severity
    source: str
    message: str
    workload: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "field": self.field,
            "declared": self.declared,
            "observed": self.observed,
            "status": self.status.value,
            "severity": self.severity.value,
            "source": self.source,
            "message": self.message,
        }
        if self.workload is not None:
            out["workload"] = self.workload
        return out


def verdict(
    field: str,
    declared: Any,
    observed: Any,
    ok: bool,
    severity: Severity,
    source: str,
    message: str,
    workload: str | None = None,
) -> DriftFinding:
    """A match (info) when ``ok``, else a drift at ``severity``: the shape of most rules."""
    status, sev = (Status.MATCH, Severity.INFO) if ok else (Status.DRIFT, severity)
    return DriftFinding(field, declared, observed, status, sev, source, message, workload)


FAIL_ON = ("drift", "warning", "never")


@dataclass(slots=True)
class DriftReport:
    scope: str
    target: dict[str, Any]
    facts: dict[str, Any]
    findings: list[DriftFinding]
    generated_at: str = field(default_factory=now)

    def summary(self) -> dict[str, Any]:
        counts: dict[str, Any] = {s.value: sum(1 for f in self.findings if f.status is s) for s in Status}
        verified = counts["match"] + counts["drift"] + counts["missing"]
        total = len(self.findings)
        counts["coverage"] = round(verified / total, 4) if total else 0.0
        return counts

    def failing(self, fail_on: str) -> list[DriftFinding]:
        """Findings at or above the ``--fail-on`` level: ``drift`` = errors, ``warning`` = warnings too."""
        if fail_on == "never":
            return []
        levels = {Severity.ERROR} if fail_on == "drift" else {Severity.ERROR, Severity.WARNING}
        return [f for f in self.findings if f.status in (Status.DRIFT, Status.MISSING) and f.severity in levels]

    def exit_code(self, fail_on: str = "drift") -> int:
        return 1 if self.failing(fail_on) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "piqc.ai/v1alpha1",
            "kind": "ScanReport",
            "generatedAt": self.generated_at,
            "generator": f"modelspec {__version__}",
            "target": self.target,
            "facts": self.facts,
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary(),
        }


def _get(doc: dict[str, Any], dotted: str) -> Any:
    node: Any = doc
    for k in dotted.split("."):
        node = node.get(k) if isinstance(node, dict) else None
    return node


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def drift(
    spec: Any, facts: NodeFacts, *, spec_path: str | None = None, own_servers: frozenset[int] = frozenset()
) -> DriftReport:
    """Compare a spec (ModelSpec, mapping or path) with node facts.

    ``own_servers``: pids of the model servers serving this spec; the GPU memory they hold is the
    model's own, not memory taken from it.
    """
    doc = _as_dict(spec)
    findings = list(_node_rules(doc, facts, own_servers))
    target = {"scope": "node", "host": facts.hostname, "spec": spec_path, "specName": _get(doc, "metadata.name")}
    return DriftReport("node", target, facts.to_dict(), findings)


def _as_dict(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        return spec
    if isinstance(spec, str) or hasattr(spec, "__fspath__"):
        from ..spec.api import load

        return load(spec).to_dict()
    result: dict[str, Any] = spec.to_dict()
    return result


# -- node rules ------------------------------------------------------------------------------

_ACC = "/spec/runtime/accelerator"


def _node_rules(doc: dict[str, Any], f: NodeFacts, own: frozenset[int] = frozenset()) -> Iterator[DriftFinding]:
    acc = _get(doc, "spec.runtime.accelerator") or {}
    gpus = f.healthy_gpus
    lost = [g.index for g in f.gpus if g.lost]
    nvml_down = f.gpu_error is not None

    def unknown(pointer: str, declared: Any, reason: str) -> DriftFinding:
        return DriftFinding(pointer, declared, None, Status.UNKNOWN, Severity.INFO, "nvml", reason)

    # vendor
    vendor = acc.get("vendor")
    if nvml_down:
        yield unknown(f"{_ACC}/vendor", vendor, f"cannot observe: {f.gpu_error}")
    elif not f.gpus:
        yield DriftFinding(
            f"{_ACC}/vendor",
            vendor,
            None,
            Status.MISSING,
            Severity.ERROR,
            "nvml",
            "NVML works but reports no GPU visible to this process",
        )
    elif str(vendor).lower() == "nvidia":
        yield DriftFinding(
            f"{_ACC}/vendor", vendor, "nvidia", Status.MATCH, Severity.INFO, "nvml", "NVIDIA GPUs present"
        )
    else:
        yield DriftFinding(
            f"{_ACC}/vendor",
            vendor,
            "nvidia",
            Status.DRIFT,
            Severity.ERROR,
            "nvml",
            f"spec declares {vendor} accelerators, this node has NVIDIA GPUs",
        )

    # type (alternatives accepted; MIG slices are not the full GPU)
    declared_type = acc.get("type")
    accepted = {canonical_type(str(t)) for t in [declared_type, *(acc.get("alternatives") or [])]} - {None}
    pointer = f"{_ACC}/type"
    if nvml_down:
        yield unknown(pointer, declared_type, f"cannot observe: {f.gpu_error}")
    elif not gpus:
        yield DriftFinding(
            pointer,
            declared_type,
            None,
            Status.MISSING,
            Severity.ERROR,
            "nvml",
            "no healthy GPU to compare" + (f" (lost: {lost})" if lost else ""),
        )
    else:
        observed = sorted({g.type.value for g in gpus if g.type.known})
        unknown_names = [g.name.value for g in gpus if not g.type.known]
        migs = [g.index for g in gpus if g.mig_mode.value == "enabled"]
        shown = ", ".join(observed + [f"unrecognised {n!r}" for n in unknown_names])
        if unknown_names:
            yield DriftFinding(
                pointer,
                declared_type,
                shown,
                Status.UNKNOWN,
                Severity.WARNING,
                "nvml",
                f"GPU name not recognised: {', '.join(map(repr, unknown_names))}",
            )
        elif set(observed) <= accepted:
            if migs:
                profiles = sorted({p["profile"] for g in gpus for p in (g.mig_profile.value or []) if p["profile"]})
                yield DriftFinding(
                    pointer,
                    declared_type,
                    f"{shown} (MIG {', '.join(profiles) or 'enabled'})",
                    Status.DRIFT,
                    Severity.WARNING,
                    "nvml",
                    f"GPU {migs} run in MIG mode: the model gets slices ({', '.join(profiles)}), "
                    f"not whole {declared_type} GPUs",
                )
            else:
                yield DriftFinding(
                    pointer, declared_type, shown, Status.MATCH, Severity.INFO, "nvml", f"{len(gpus)} × {shown}"
                )
        else:
            yield DriftFinding(
                pointer,
                declared_type,
                shown,
                Status.DRIFT,
                Severity.ERROR,
                "nvml",
                f"spec declares {declared_type}"
                + (f" (or {', '.join(acc['alternatives'])})" if acc.get("alternatives") else "")
                + f", node has {shown}",
            )

    # count
    declared_count = acc.get("count")
    pointer = f"{_ACC}/count"
    if nvml_down:
        yield unknown(pointer, declared_count, f"cannot observe: {f.gpu_error}")
    elif isinstance(declared_count, int):
        visible = sum(max(1, len(g.mig_profile.value or [])) if g.mig_mode.value == "enabled" else 1 for g in gpus)
        lost_note = f"; GPU {lost} lost" if lost else ""
        if visible < declared_count:
            yield DriftFinding(
                pointer,
                declared_count,
                visible,
                Status.DRIFT,
                Severity.ERROR,
                "nvml",
                f"{visible} usable GPU(s) visible, {declared_count} declared{lost_note}",
            )
        elif visible > declared_count:
            yield DriftFinding(
                pointer,
                declared_count,
                visible,
                Status.DRIFT,
                Severity.WARNING,
                "nvml",
                f"{visible} GPUs visible but {declared_count} declared: idle GPUs, or "
                f"CUDA_VISIBLE_DEVICES/limits wider than the spec{lost_note}",
            )
        else:
            yield DriftFinding(
                pointer,
                declared_count,
                visible,
                Status.MATCH,
                Severity.INFO,
                "nvml",
                f"{visible} GPU(s) visible{lost_note}",
            )

    # per-GPU memory
    floor = acc.get("memoryGb")
    if isinstance(floor, (int, float)):
        pointer = f"{_ACC}/memoryGb"
        sizes = []
        for g in gpus:
            if g.mig_mode.value == "enabled" and g.mig_profile.value:
                sizes += [p["memoryTotal"] for p in g.mig_profile.value]
            elif g.memory_total.known:
                sizes.append(g.memory_total.value)
        if nvml_down or not sizes:
            yield unknown(pointer, floor, f"cannot observe: {f.gpu_error or 'no GPU memory readable'}")
        else:
            smallest = min(sizes)
            ok = smallest >= floor * 1e9 * 0.95  # drivers and ECC shift totals by a few percent
            yield verdict(
                pointer,
                floor,
                round(smallest / 1e9, 1),
                ok,
                Severity.ERROR,
                "nvml",
                f"smallest GPU (or MIG slice) has {_gb(smallest)}, {floor:g} GB declared",
            )

    # precision the GPU can run
    precision = _get(doc, "spec.identity.model.precision")
    canon = canonical_precision(str(precision)) if precision else None
    if canon in ("bf16", "fp8", "fp8-e4m3", "fp8-e5m2"):
        pointer = "/spec/identity/model/precision"
        from ..resolve.catalog import load_catalog

        catalog = load_catalog()
        types = {g.type.value for g in gpus if g.type.known}
        if nvml_down or not types:
            yield unknown(pointer, precision, "GPU type unknown")
        else:
            lacking = sorted(
                t
                for t in types
                if t in catalog
                and not (catalog[t].supports_fp8 if canon.startswith("fp8") else catalog[t].supports_bf16)
            )
            shown = ", ".join(sorted(types))
            wanted = "fp8" if canon.startswith("fp8") else "bf16"
            yield verdict(
                pointer,
                precision,
                shown,
                not lacking,
                Severity.ERROR,
                "inferred",
                f"{precision} declared but {', '.join(lacking)} has no native {wanted} support"
                if lacking
                else f"{shown} supports {precision}",
            )

    # host resources
    res = _get(doc, "spec.runtime.resources") or {}
    if isinstance(res.get("cpuCores"), int) and res["cpuCores"] > 0:
        yield _host_cpu(res["cpuCores"], f)
    if isinstance(res.get("memoryGb"), (int, float)) and res["memoryGb"] > 0:
        yield _host_bytes(
            "/spec/runtime/resources/memoryGb", res["memoryGb"], f.memory_total, "host memory", Severity.ERROR
        )
    if isinstance(res.get("ephemeralStorageGb"), (int, float)) and res["ephemeralStorageGb"] > 0:
        yield _host_bytes(
            "/spec/runtime/resources/ephemeralStorageGb",
            res["ephemeralStorageGb"],
            f.disk_free,
            f"free disk at {f.cache_dir}",
            Severity.WARNING,
        )

    # memory held by other processes vs what the model needs
    yield from _gpu_headroom(doc, f, own)


def _host_cpu(declared: int, f: NodeFacts) -> DriftFinding:
    pointer = "/spec/runtime/resources/cpuCores"
    if not f.cpu_cores.known:
        return DriftFinding(pointer, declared, None, Status.UNKNOWN, Severity.INFO, "psutil", f.cpu_cores.reason or "")
    ok = f.cpu_cores.value >= declared
    return verdict(
        pointer,
        declared,
        f.cpu_cores.value,
        ok,
        Severity.ERROR,
        "psutil",
        f"{f.cpu_cores.value} logical cores on the host, {declared} declared",
    )


def _host_bytes(pointer: str, declared_gb: float, fact: Any, what: str, severity: Severity) -> DriftFinding:
    if not fact.known:
        return DriftFinding(pointer, declared_gb, None, Status.UNKNOWN, Severity.INFO, "psutil", fact.reason or "")
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


def _gpu_headroom(doc: dict[str, Any], f: NodeFacts, own: frozenset[int] = frozenset()) -> Iterator[DriftFinding]:
    need, max_len = _model_need(doc, f)
    if need is None:
        return
    short, by_own = [], []
    for g in f.healthy_gpus:
        if not (g.memory_total.known and g.memory_used.known):
            continue
        procs = g.processes.value or []
        mine = sum(p["usedBytes"] or 0 for p in procs if p.get("server") in own)
        free = g.memory_total.value - g.memory_used.value
        if free >= need:
            continue
        others = [p for p in procs if p.get("server") not in own]
        if free + mine >= need:
            by_own.append(g.index)
            continue
        shown = ", ".join(_holder(p) for p in others)
        short.append(f"GPU {g.index}: {_gb(free)} free ({shown or 'no other process listed'})")
    need_s = f"{_gb(need)}/GPU"
    if short:
        yield DriftFinding(
            _ACC,
            need_s,
            "; ".join(short),
            Status.DRIFT,
            Severity.WARNING,
            "nvml",
            f"the model needs ~{need_s} (weights + one {max_len}-token sequence) but memory is held by "
            "processes that are not this model's server: evict them or move the model",
        )
        return
    own_note = f"; GPU {by_own} memory is held by this model's own server" if by_own else ""
    yield DriftFinding(
        _ACC,
        need_s,
        "enough free memory on every GPU",
        Status.MATCH,
        Severity.INFO,
        "nvml",
        f"every GPU has at least {need_s} free or held by this model's own server{own_note}",
    )


def _holder(p: dict[str, Any]) -> str:
    who = f"server pid {p['server']}" if p.get("server") is not None else "other process"
    return f"{who} pid {p['pid']} {p.get('name') or '?'} {_gb(p['usedBytes'] or 0)}"


def _model_need(doc: dict[str, Any], f: NodeFacts) -> tuple[float | None, int]:
    """Bytes per GPU the model needs (weights share + one full sequence of KV + runtime)."""
    model = _get(doc, "spec.identity.model") or {}
    if not model.get("architecture") or not f.healthy_gpus:
        return None, 0
    from ..resolve.architecture import ArchitectureError
    from ..resolve.engine import ResolveError, architecture_for
    from ..resolve.memory import NON_TORCH_BYTES
    from ..resolve.variants import STANDARD, matches_precision

    try:
        arch = architecture_for(doc)
    except (ResolveError, ArchitectureError):
        return None, 0
    count = max(1, int(_get(doc, "spec.runtime.accelerator.count") or 1))
    max_len = int(_get(doc, "spec.runtime.batch.maxSequenceLengthTokens") or arch.max_position_embeddings or 4096)
    precision = str(model.get("precision") or "bf16")
    variant = next((v for v in STANDARD if matches_precision(v, precision)), STANDARD[0])
    need = variant.weight_bytes(arch.params()) / count + arch.kv_bytes_per_token(count) * max_len + NON_TORCH_BYTES
    return need, max_len
