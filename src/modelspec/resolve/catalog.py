"""The GPU catalog: what each accelerator type offers (memory, bandwidth, FLOPs, price).

Shipped as ``modelspec/data/gpus.yaml``; a user file with the same shape overrides entries by
``type`` (field by field) or adds new ones. Types are the canonical names of
:mod:`modelspec.spec.accelerators`, so the catalog, the validator and the scanner agree.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import ModelSpecError
from ..spec.accelerators import canonical_type

GIB = 1024**3


class CatalogError(ModelSpecError):
    """The catalog file is unreadable or an entry is incomplete."""


@dataclass(frozen=True, slots=True)
class Gpu:
    type: str
    vendor: str
    name: str
    memory_gb: float
    usable_gib: float
    bandwidth_gbs: float
    fp16_tflops: float
    bf16_tflops: float | None
    fp8_tflops: float | None
    int8_tops: float | None
    interconnect: str
    interconnect_gbs: float
    gpus_per_node: int
    price_per_hour: float
    compute_capability: float | None

    @property
    def usable_bytes(self) -> int:
        return int(self.usable_gib * GIB)

    @property
    def supports_bf16(self) -> bool:
        return self.bf16_tflops is not None

    @property
    def supports_fp8(self) -> bool:
        return self.fp8_tflops is not None

    def dense_tflops(self, precision: str) -> float:
        """Tensor throughput for matmuls in ``precision`` (int4 weight-only runs at 16-bit speed)."""
        if precision.startswith("fp8") and self.fp8_tflops:
            return self.fp8_tflops
        if precision == "int8" and self.int8_tops:
            return self.int8_tops
        if precision == "bf16" and self.bf16_tflops:
            return self.bf16_tflops
        return self.fp16_tflops


_FIELDS = {f.name for f in fields(Gpu)}
_REQUIRED = _FIELDS - {"bf16_tflops", "fp8_tflops", "int8_tops", "compute_capability"}


def _data_file(name: str) -> Path:
    # The package's own data folder; not importlib.resources, which costs the validate path ~10 ms
    # of imports (tempfile, zipfile) for the same file.
    return Path(os.path.dirname(os.path.abspath(__file__))).parent / "data" / name


def _entries(raw: Any, source: str) -> list[dict[str, Any]]:
    if isinstance(raw, dict) and "gpus" in raw:
        raw = raw["gpus"]
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise CatalogError(f"{source}: expected a list of GPU entries (or a mapping with a `gpus` list)")
    return raw


MAX_CATALOG_BYTES = 1024 * 1024

# field -> (lowest, highest, may be null): a catalog value outside these is a typo or an attack,
# never a GPU; letting it through would divide by zero or size KV caches from negative memory.
_NUMBERS: dict[str, tuple[float, float, bool]] = {
    "memory_gb": (0.5, 8192, False), "usable_gib": (0.5, 8192, False), "bandwidth_gbs": (1, 1e6, False),
    "fp16_tflops": (0.1, 1e6, False), "bf16_tflops": (0.1, 1e6, True), "fp8_tflops": (0.1, 1e6, True),
    "int8_tops": (0.1, 1e6, True), "interconnect_gbs": (0.1, 1e6, False), "price_per_hour": (0, 1e4, False),
    "compute_capability": (1, 99, True),
}
_STRINGS = ("type", "vendor", "name", "interconnect")


def _check_entry(key: str, entry: dict[str, Any]) -> None:
    for name, (lo, hi, nullable) in _NUMBERS.items():
        v = entry.get(name)
        if v is None and nullable:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
            raise CatalogError(f"catalog entry `{key}`: `{name}` must be a number from {lo:g} to {hi:g}, got {v!r:.40}")
    n = entry.get("gpus_per_node")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 64:
        raise CatalogError(f"catalog entry `{key}`: `gpus_per_node` must be an integer from 1 to 64, got {n!r:.40}")
    if entry["usable_gib"] > entry["memory_gb"] * 1.1:  # marketing "GB" are often GiB (V100 16 GB: 15.8 GiB)
        raise CatalogError(f"catalog entry `{key}`: `usable_gib` {entry['usable_gib']:g} exceeds `memory_gb` "
                           f"{entry['memory_gb']:g}")
    for name in _STRINGS:
        v = entry.get(name)
        if not isinstance(v, str) or not 0 < len(v) <= 100:
            raise CatalogError(f"catalog entry `{key}`: `{name}` must be a short string, got {v!r:.40}")


def _read(path: str) -> Any:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise CatalogError(f"catalog {path} is not a regular file")
            data = fh.read(MAX_CATALOG_BYTES + 1)
    except OSError as exc:
        raise CatalogError(f"cannot read catalog {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_CATALOG_BYTES:
        raise CatalogError(f"catalog {path} is larger than {MAX_CATALOG_BYTES} bytes")
    try:
        return yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise CatalogError(f"catalog {path} is not UTF-8 text") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise CatalogError(f"catalog {path} is not valid YAML: {str(exc).splitlines()[0][:200]}") from None


@lru_cache(maxsize=1)
def _shipped_text() -> str:
    return _data_file("gpus.yaml").read_text(encoding="utf-8")


def load_catalog(user_file: str | os.PathLike[str] | None = None) -> dict[str, Gpu]:
    """The shipped catalog, overridden/extended by ``user_file``; keys are canonical types."""
    if user_file is None:
        return dict(_shipped())
    return _build(user_file)


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Gpu]:
    return _build(None)


def _build(user_file: str | os.PathLike[str] | None) -> dict[str, Gpu]:
    text = _shipped_text()
    merged: dict[str, dict[str, Any]] = {}
    for entry in _entries(yaml.safe_load(text), "gpus.yaml"):
        merged[entry["type"]] = dict(entry)
    if user_file is not None:
        source = os.fspath(user_file)
        for entry in _entries(_read(source), source):
            if not isinstance(entry.get("type"), str) or not entry["type"].strip():
                raise CatalogError(f"{source}: every entry needs a `type` string")
            unknown = set(entry) - _FIELDS
            if unknown:
                raise CatalogError(f"{source}: unknown field(s) {', '.join(sorted(unknown))} in `{entry['type']}`")
            key = canonical_type(str(entry["type"])) or str(entry["type"]).lower()
            merged[key] = {**merged.get(key, {}), **entry, "type": key}
    catalog: dict[str, Gpu] = {}
    for key, entry in merged.items():
        missing = sorted(_REQUIRED - set(entry))
        if missing:
            raise CatalogError(f"catalog entry `{key}` lacks {', '.join(missing)}")
        _check_entry(key, entry)
        values: dict[str, Any] = {f: entry.get(f) for f in _FIELDS}
        catalog[key] = Gpu(**values)
    return catalog


def select(catalog: dict[str, Gpu], names: list[str]) -> list[Gpu]:
    """The catalog entries for user-given names (``l40s``, ``H100``…); unknown names raise."""
    chosen: list[Gpu] = []
    for name in names:
        name = name.strip()
        key = canonical_type(name) or name.strip().lower()
        if key not in catalog:
            raise CatalogError(f"unknown GPU `{name}` (known: {', '.join(sorted(catalog))})")
        chosen.append(catalog[key])
    return chosen
