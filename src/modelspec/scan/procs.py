"""Model-server processes on this node: which pid serves which model, on which GPUs, in which pod.

Two sources, joined: psutil's process table (command lines of known servers) and NVML's compute
processes per GPU (pid → bytes). A GPU process is attributed to a server when the server is the
process itself or one of its ancestors (vLLM's engine core and tensor-parallel workers are child
processes whose command line the server rewrote). The cgroup path names the pod and container.

Read-only and bounded: a process that exits mid-scan is skipped, a permission error is counted and
said, a command line that is not UTF-8 never reaches a fact. The command line itself is parsed in
memory and dropped: only recognised flags become facts, so ``--api-key`` values and the
environment (never read) cannot reach any output.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import cgroups
from .facts import Fact, ServerFacts, Source

# What is searched for, in the order the report names it.
ENGINES = ("vllm", "sglang", "tgi", "llama.cpp", "tensorrt-llm", "triton", "ollama")
DEFAULT_PROC = "/proc"


@dataclass(slots=True)
class Discovery:
    """The servers found and how the search went, for the report and the ``unknown`` reasons."""

    servers: list[ServerFacts]
    scanned: int = 0  # processes whose command line was read
    unreadable: list[str] = field(default_factory=list)  # "pid N: reason"
    vanished: int = 0  # processes that exited while being read
    gpu_owner: dict[int, int] = field(default_factory=dict)  # GPU process pid → server pid

    def describe(self) -> str:
        text = f"searched {self.scanned} processes for {', '.join(ENGINES)} servers and NVML's GPU processes"
        if self.vanished:
            text += f"; {self.vanished} exited during the scan"
        if self.unreadable:
            shown = ", ".join(self.unreadable[:3]) + (" …" if len(self.unreadable) > 3 else "")
            text += f"; {len(self.unreadable)} could not be read ({shown})"
        return text


def _detect(argv: list[str]) -> tuple[str, dict[str, Fact]] | None:
    """(engine, recognised launch facts) when ``argv`` runs a known server, through the one
    launch-argument parser the cluster scan uses. The environment is never passed (never read)."""
    if not argv:
        return None
    from .detect import detect_process

    found = detect_process(argv)
    if not found.engine:
        return None
    return found.engine, {name: _clean(fact) for name, fact in found.launch.facts.items()}


def _clean(fact: Fact) -> Fact:
    """A value holding bytes that are not UTF-8 (psutil keeps them as surrogates) is unknown."""
    value = fact.value
    texts = value if isinstance(value, list) else [value]
    for t in texts:
        if isinstance(t, str):
            try:
                t.encode("utf-8")
            except UnicodeEncodeError:
                return Fact.unknown(fact.source, "command line is not valid UTF-8", fact.unit)
    return fact


@contextlib.contextmanager
def procfs(root: str) -> Iterator[None]:
    """psutil reads ``psutil.PROCFS_PATH``: point it at a host /proc mounted elsewhere."""
    import psutil

    before = psutil.PROCFS_PATH
    psutil.PROCFS_PATH = root
    try:
        yield
    finally:
        psutil.PROCFS_PATH = before


def _cmdlines(d: Discovery) -> dict[int, list[str]]:
    """pid → argv for every readable process (the parent pid is read later, only where needed:
    it doubles the cost of a full process scan)."""
    import psutil

    out: dict[int, list[str]] = {}
    try:
        pids = psutil.pids()
    except OSError as exc:
        d.unreadable.append(f"process list: {exc.strerror or exc}")
        return out
    for pid in pids:
        try:
            argv = psutil.Process(pid).cmdline()
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            d.vanished += 1
            continue
        except psutil.AccessDenied:
            d.unreadable.append(f"pid {pid}: no permission")
            continue
        except OSError as exc:
            d.unreadable.append(f"pid {pid}: {exc.strerror or type(exc).__name__}")
            continue
        d.scanned += 1
        out[pid] = argv
    return out


@dataclass(slots=True)
class _Parents:
    """Parent pids, read once each and only for the processes whose ancestry matters."""

    cache: dict[int, int | None] = field(default_factory=dict)

    def of(self, pid: int) -> int | None:
        if pid not in self.cache:
            import psutil

            try:
                self.cache[pid] = psutil.Process(pid).ppid() or None
            except (psutil.Error, OSError):
                self.cache[pid] = None  # gone or unreadable: the walk stops here
        return self.cache[pid]

    def owner(self, pid: int, servers: set[int]) -> int | None:
        """The server pid that is ``pid`` or its nearest ancestor (bounded: pid loops cannot hang)."""
        cur: int | None = pid
        for _ in range(64):
            if cur is None:
                return None
            if cur in servers:
                return cur
            cur = self.of(cur)
        return None


def _cgroup(root: str, pid: int) -> tuple[Fact, Fact, Fact]:
    """(pod UID, container id, runtime) from ``<root>/<pid>/cgroup``."""
    try:
        with open(os.path.join(root, str(pid), "cgroup"), "rb") as f:
            text = f.read(64 * 1024).decode("utf-8", "replace")
    except PermissionError:
        u = Fact.unknown(Source.PSUTIL, f"no permission to read {root}/{pid}/cgroup")
        return u, u, u
    except OSError as exc:
        u = Fact.unknown(Source.PSUTIL, f"cannot read {root}/{pid}/cgroup: {exc.strerror or exc}")
        return u, u, u
    ref = cgroups.parse(text)
    if ref is None:
        u = Fact.unknown(Source.PSUTIL, "cgroup file has no valid line")
        return u, u, u
    where = f"cgroup {ref.path}"
    pod = Fact(ref.pod_uid, Source.PSUTIL) if ref.pod_uid else Fact.unknown(Source.PSUTIL, f"not a pod ({where})")
    cid = (
        Fact(ref.container_id, Source.PSUTIL)
        if ref.container_id
        else Fact.unknown(Source.PSUTIL, f"no container id in {where}")
    )
    rt = (
        Fact(ref.runtime, Source.PSUTIL) if ref.runtime else Fact.unknown(Source.PSUTIL, f"runtime not named ({where})")
    )
    return pod, cid, rt


def discover(
    gpu_procs: dict[int, list[dict[str, Any]]] | None, proc_root: str | None = None, gpu_reason: str = ""
) -> Discovery:
    """Find the model servers. ``gpu_procs``: GPU index → NVML's process list (None: NVML unusable)."""
    root = proc_root or DEFAULT_PROC
    d = Discovery([])
    parents = _Parents()
    with procfs(root):
        table = _cmdlines(d)
        found = {pid: hit for pid, argv in table.items() if (hit := _detect(argv))}
        # a server's own children that also look like servers (re-exec, spawn) belong to it
        tops = {pid for pid in found if parents.owner(parents.of(pid) or -1, set(found)) is None}
        held: dict[int, dict[int, int]] = {pid: {} for pid in tops}
        for index, procs in (gpu_procs or {}).items():
            for p in procs:
                owner = parents.owner(int(p["pid"]), tops)
                if owner is not None:
                    d.gpu_owner[int(p["pid"])] = owner
                    held[owner][index] = held[owner].get(index, 0) + int(p.get("usedBytes") or 0)
    for pid in sorted(tops):
        pod, cid, rt = _cgroup(root, pid)
        gpus = sorted(held[pid])
        if gpu_procs is None:
            gpu_fact = mem_fact = Fact.unknown(Source.NVML, gpu_reason or "NVML unusable")
        else:
            gpu_fact = Fact(gpus, Source.NVML)
            mem_fact = Fact({str(i): b for i, b in sorted(held[pid].items())}, Source.NVML, "bytes")
        d.servers.append(
            ServerFacts(
                pid=pid,
                engine=found[pid][0],
                launch=found[pid][1],
                gpus=gpu_fact,
                gpu_memory=mem_fact,
                pod_uid=pod,
                container_id=cid,
                runtime=rt,
            )
        )
    return d
