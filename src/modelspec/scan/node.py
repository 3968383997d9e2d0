"""``scan node``: read this machine (NVML + psutil) and its model servers into :class:`NodeFacts`."""

from __future__ import annotations

import socket
from typing import Any

from .facts import Fact, NodeFacts, ServerFacts, Source
from .host import read_host
from .nvml import NvmlUnavailable, read_system
from .procs import DEFAULT_PROC, discover, procfs

LOOPBACK = "127.0.0.1"


def node(
    cache_dir: str | None = None,
    *,
    proc_root: str | None = None,
    pid: int | None = None,
    probe_http: bool = False,
    probe_timeout: float = 2.0,
    probe_window_s: float = 0.0,
) -> NodeFacts:
    """Scan the local node. Never raises for a missing GPU stack: ``gpu_error`` says why.

    ``pid`` keeps only the server that is (or owns) that process. ``probe_http`` reads each
    server's ``/v1/models`` and ``/metrics`` on loopback, at the port its launch flags name.
    """
    cpu, mem_total, mem_avail, disk, cache = read_host(cache_dir)
    try:
        with procfs(proc_root or DEFAULT_PROC):  # GPU process names come from the same /proc
            driver, cuda, gpus = read_system()
        error = None
    except NvmlUnavailable as exc:
        error = str(exc)
        driver = cuda = Fact.unknown(Source.NVML, error)
        gpus = []
    gpu_procs = None if error else {g.index: list(g.processes.value or []) for g in gpus}
    found = discover(gpu_procs, proc_root, gpu_reason=error or "")
    for g in gpus:  # name the server that holds each GPU process
        for p in g.processes.value or []:
            p["server"] = found.gpu_owner.get(int(p["pid"]))
    servers = found.servers
    search = found.describe()
    if pid is not None:
        servers = [s for s in servers if s.pid == pid or found.gpu_owner.get(pid) == s.pid]
        search += f"; --pid {pid}: " + ("kept its server" if servers else "no model server is or owns that pid")
    if probe_http:
        for s in servers:
            s.http = probe_server(s, timeout=probe_timeout, window_s=probe_window_s)
    return NodeFacts(
        socket.gethostname(), driver, cuda, gpus, error, cpu, mem_total, mem_avail, disk, cache, servers, search
    )


def probe_server(server: ServerFacts, *, timeout: float, window_s: float) -> dict[str, Fact]:
    """``/v1/models`` and ``/metrics`` at the server's own port, on loopback only."""
    port = server.launch.get("port")
    if server.engine != "vllm" or port is None or not port.known:
        reason = f"{server.engine} HTTP facts are not read" if server.engine != "vllm" else "port unknown"
        return {"models": Fact.unknown(Source.VLLM_HTTP, reason), "metrics": Fact.unknown(Source.VLLM_HTTP, reason)}
    from .vllm_http import probe

    facts: dict[str, Any] = probe(f"http://{LOOPBACK}:{int(port.value)}", window_s=window_s, timeout=timeout)
    return facts
