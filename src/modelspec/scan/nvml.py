"""A small typed view of NVML (through the official ``nvidia-ml-py``), in the spirit of nvitop's
``Device``: every read returns a :class:`Fact`; NotSupported, NoPermission and friends become
"unknown" with the reason; a GPU that falls off the bus is marked lost and the scan goes on.

``pynvml`` is imported here only, so nothing else in modelspec pays for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..spec.accelerators import from_product_name
from .facts import Fact, GpuFacts, Source


class NvmlUnavailable(Exception):
    """NVML cannot be used at all on this machine (no library, no driver, init failure)."""


def _reason(exc: Exception) -> str:
    import pynvml

    code = getattr(exc, "value", None)
    return {
        pynvml.NVML_ERROR_NOT_SUPPORTED: "not supported by this GPU or driver",
        pynvml.NVML_ERROR_NO_PERMISSION: "no permission",
        pynvml.NVML_ERROR_GPU_IS_LOST: "GPU is lost (fell off the bus)",
        pynvml.NVML_ERROR_FUNCTION_NOT_FOUND: "driver too old for this query",
        pynvml.NVML_ERROR_TIMEOUT: "timed out",
    }.get(code, str(exc) or f"NVML error {code}")


@dataclass(slots=True)
class _Reader:
    handle: Any
    lost: bool = False

    def read(
        self, fn: Callable[..., Any], *args: Any, unit: str | None = None, convert: Callable[[Any], Any] = lambda v: v
    ) -> Fact:
        import pynvml

        if self.lost:
            return Fact.unknown(Source.NVML, "GPU is lost (fell off the bus)", unit)
        try:
            return Fact(convert(fn(self.handle, *args)), Source.NVML, unit)
        except pynvml.NVMLError as exc:
            if getattr(exc, "value", None) == pynvml.NVML_ERROR_GPU_IS_LOST:
                self.lost = True
            return Fact.unknown(Source.NVML, _reason(exc), unit)
        except UnicodeDecodeError:
            return Fact.unknown(Source.NVML, NOT_UTF8, unit)


NOT_UTF8 = "the driver returned a string that is not valid UTF-8"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _memory(nvml: Any, handle: Any) -> Any:
    """Memory info, v2 first (it separates reserved memory), v1 on older drivers."""
    try:
        return nvml.nvmlDeviceGetMemoryInfo(handle, version=nvml.nvmlMemory_v2)
    except (nvml.NVMLError, AttributeError):
        return nvml.nvmlDeviceGetMemoryInfo(handle)


def _processes(nvml: Any, handle: Any) -> list[dict[str, Any]]:
    procs = nvml.nvmlDeviceGetComputeRunningProcesses(handle)
    out = []
    for p in procs:
        out.append(
            {
                "pid": int(p.pid),
                "usedBytes": int(p.usedGpuMemory) if p.usedGpuMemory is not None else None,
                "name": _process_name(int(p.pid)),
            }
        )
    return out


def _process_name(pid: int) -> str | None:
    """Process name only (the command line, which can hold secrets, is read by ``procs`` alone)."""
    try:
        import psutil

        name = str(psutil.Process(pid).name())
        name.encode("utf-8")
        return name
    except Exception:
        return None  # a host pid seen from a container, gone, or a name that is not UTF-8


def read_system() -> tuple[Fact, Fact, list[GpuFacts]]:
    """(driver version, CUDA driver version, GPUs). Raises :class:`NvmlUnavailable`."""
    try:
        import pynvml
    except ImportError as exc:  # pragma: no cover - nvidia-ml-py is a dependency
        raise NvmlUnavailable(f"nvidia-ml-py is not installed ({exc})") from None
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        code = getattr(exc, "value", None)
        if code == pynvml.NVML_ERROR_LIBRARY_NOT_FOUND:
            raise NvmlUnavailable("NVML library not found: is the NVIDIA driver installed?") from None
        if code == pynvml.NVML_ERROR_DRIVER_NOT_LOADED:
            raise NvmlUnavailable("NVIDIA driver not loaded: NVML found no running driver") from None
        if code == pynvml.NVML_ERROR_NO_PERMISSION:
            raise NvmlUnavailable("no permission to use NVML (is /dev/nvidia* visible to this process?)") from None
        raise NvmlUnavailable(f"NVML initialisation failed: {exc}") from None
    try:
        driver = _safe(lambda: _text(pynvml.nvmlSystemGetDriverVersion()))
        cuda = _safe(lambda: _cuda(pynvml))
        count = pynvml.nvmlDeviceGetCount()
        gpus = [_read_gpu(pynvml, i) for i in range(count)]
        return driver, cuda, gpus
    except pynvml.NVMLError as exc:
        raise NvmlUnavailable(f"NVML query failed: {exc}") from None
    finally:
        with contextlib.suppress(pynvml.NVMLError):
            pynvml.nvmlShutdown()


def _cuda(nvml: Any) -> str:
    try:
        v = nvml.nvmlSystemGetCudaDriverVersion_v2()
    except nvml.NVMLError:
        v = nvml.nvmlSystemGetCudaDriverVersion()
    return f"{v // 1000}.{(v % 1000) // 10}"


def _safe(fn: Callable[[], Any], unit: str | None = None) -> Fact:
    import pynvml

    try:
        return Fact(fn(), Source.NVML, unit)
    except pynvml.NVMLError as exc:
        return Fact.unknown(Source.NVML, _reason(exc), unit)
    except UnicodeDecodeError:
        return Fact.unknown(Source.NVML, NOT_UTF8, unit)


def _read_gpu(nvml: Any, index: int) -> GpuFacts:
    try:
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
    except nvml.NVMLError as exc:
        reason = _reason(exc)
        u = Fact.unknown(Source.NVML, reason)
        lost = getattr(exc, "value", None) == nvml.NVML_ERROR_GPU_IS_LOST
        return GpuFacts(index, u, u, u, u, u, u, u, u, u, u, u, u, u, lost=lost)
    r = _Reader(handle)
    name = r.read(nvml.nvmlDeviceGetName, convert=_text)
    uuid = r.read(nvml.nvmlDeviceGetUUID, convert=_text)
    mem = r.read(lambda h: _memory(nvml, h))
    if mem.known:
        total = Fact(int(mem.value.total), Source.NVML, "bytes")
        used = Fact(int(mem.value.used), Source.NVML, "bytes")
    else:
        total = used = Fact.unknown(Source.NVML, mem.reason or "", "bytes")
    mig_mode = r.read(nvml.nvmlDeviceGetMigMode, convert=lambda v: "enabled" if v[0] == 1 else "disabled")
    gpu_name = from_product_name(name.value, total.value / 2**20 if total.known else None) if name.known else None
    if name.known and gpu_name is None:
        gpu_type = Fact.unknown(Source.INFERRED, f"unrecognised GPU name {name.value!r}")
    elif gpu_name is not None:
        gpu_type = Fact(gpu_name.type, Source.INFERRED)
    else:
        gpu_type = Fact.unknown(Source.INFERRED, name.reason or "name unknown")
    mig_profiles = _mig_profiles(nvml, handle, r) if mig_mode.value == "enabled" else []
    mig_profile = (
        Fact(mig_profiles, Source.NVML) if mig_mode.known else Fact.unknown(Source.NVML, mig_mode.reason or "")
    )
    return GpuFacts(
        index=index,
        uuid=uuid,
        name=name,
        type=gpu_type,
        mig_profile=mig_profile,
        memory_total=total,
        memory_used=used,
        mig_mode=mig_mode,
        ecc_mode=r.read(nvml.nvmlDeviceGetEccMode, convert=lambda v: "enabled" if v[0] else "disabled"),
        utilization=r.read(nvml.nvmlDeviceGetUtilizationRates, unit="percent", convert=lambda u: int(u.gpu)),
        power_limit=r.read(nvml.nvmlDeviceGetEnforcedPowerLimit, unit="W", convert=lambda mw: mw / 1000),
        pci_bus_id=r.read(nvml.nvmlDeviceGetPciInfo, convert=lambda p: _text(p.busId)),
        compute_capability=r.read(nvml.nvmlDeviceGetCudaComputeCapability, convert=lambda c: f"{c[0]}.{c[1]}"),
        processes=r.read(lambda h: _processes(nvml, h)),
        lost=r.lost,
    )


def _mig_profiles(nvml: Any, handle: Any, r: _Reader) -> list[dict[str, Any]]:
    """The MIG slices of a GPU: their profile (from the slice name) and memory."""
    out: list[dict[str, Any]] = []
    count = r.read(nvml.nvmlDeviceGetMaxMigDeviceCount)
    for i in range(int(count.value or 0)):
        try:
            mig = nvml.nvmlDeviceGetMigDeviceHandleByIndex(handle, i)
        except nvml.NVMLError:
            continue  # NOT_FOUND: an empty slot
        try:
            name = _text(nvml.nvmlDeviceGetName(mig))
            mem = nvml.nvmlDeviceGetMemoryInfo(mig)
        except nvml.NVMLError:
            continue
        except UnicodeDecodeError:
            continue  # a slice whose name is not UTF-8 cannot be named; the GPU's facts still stand
        parsed = from_product_name(name)
        out.append(
            {
                "profile": parsed.mig_profile if parsed else None,
                "name": name,
                "memoryTotal": int(mem.total),
                "memoryUsed": int(mem.used),
            }
        )
    return out
