"""Host facts from psutil: CPU cores, memory, free disk where the model cache lives."""

from __future__ import annotations

import os
from pathlib import Path

from .facts import Fact, Source


def default_cache_dir() -> str:
    """Where weights land: $HF_HUB_CACHE, $HF_HOME/hub, else ~/.cache/huggingface/hub."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return str(Path(os.environ["HF_HOME"]) / "hub")
    return str(Path.home() / ".cache" / "huggingface" / "hub")


def read_host(cache_dir: str | None = None) -> tuple[Fact, Fact, Fact, Fact, str]:
    import psutil

    cache = cache_dir or default_cache_dir()
    cores = psutil.cpu_count(logical=True)
    cpu = Fact(int(cores), Source.PSUTIL, "cores") if cores else Fact.unknown(Source.PSUTIL, "cpu count unavailable")
    vm = psutil.virtual_memory()
    total = Fact(int(vm.total), Source.PSUTIL, "bytes")
    available = Fact(int(vm.available), Source.PSUTIL, "bytes")
    # the cache may not exist yet: measure the nearest existing parent (same filesystem)
    probe = Path(cache)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        disk = Fact(int(psutil.disk_usage(str(probe)).free), Source.PSUTIL, "bytes")
    except OSError as exc:
        disk = Fact.unknown(Source.PSUTIL, f"cannot stat {probe}: {exc.strerror or exc}", "bytes")
    return cpu, total, available, disk, cache
