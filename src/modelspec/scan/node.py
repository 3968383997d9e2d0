"""``scan node``: read this machine (NVML + psutil) into :class:`NodeFacts`."""

from __future__ import annotations

import socket

from .facts import Fact, NodeFacts, Source
from .host import read_host
from .nvml import NvmlUnavailable, read_system


def node(cache_dir: str | None = None) -> NodeFacts:
    """Scan the local node. Never raises for a missing GPU stack: ``gpu_error`` says why."""
    cpu, mem_total, mem_avail, disk, cache = read_host(cache_dir)
    try:
        driver, cuda, gpus = read_system()
        error = None
    except NvmlUnavailable as exc:
        error = str(exc)
        driver = cuda = Fact.unknown(Source.NVML, error)
        gpus = []
    return NodeFacts(socket.gethostname(), driver, cuda, gpus, error, cpu, mem_total, mem_avail, disk, cache)
