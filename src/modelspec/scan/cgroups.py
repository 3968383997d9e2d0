"""``/proc/<pid>/cgroup`` → the pod and container a process runs in, without any API call.

The kubelet names a pod's cgroup after the pod UID and the runtime names the container's after its
id; which spelling depends on the cgroup driver and the runtime:

- systemd driver: ``…/kubepods-burstable-pod<uid with _>.slice/cri-containerd-<id>.scope``
  (``crio-<id>.scope`` for CRI-O, ``docker-<id>.scope`` for dockershim / cri-dockerd); kind nests
  it under ``kubelet.slice/kubelet-kubepods…``; Guaranteed pods have no QoS slice.
- cgroupfs driver: ``/kubepods/besteffort/pod<uid>/<id>`` (the runtime is not named).
- plain Docker: ``/docker/<id>`` or ``/system.slice/docker-<id>.scope``.

cgroup v1 lists one line per hierarchy (``N:controllers:path``), v2 one line ``0::path``; the line
that says most wins. The kernel prints the path relative to the *reader's* cgroup namespace: a
scanner in a pod of its own reads ``/../../kubepods-burstable-pod<uid>.slice/…`` or
``/../pod<uid>/<id>`` (the QoS class is then not always said). A process's own view of its private
cgroup namespace is ``/``: nothing can be learnt, and that is said, not guessed. CRI-O's
``crio-conmon-<id>`` is its monitor process, not the container.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEX64 = r"[0-9a-f]{64}"
_SYSTEMD_POD = re.compile(
    r"^(?:[a-z]+-)*kubepods(?:-(besteffort|burstable|guaranteed))?-pod([0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_"
    r"[0-9a-f]{4}_[0-9a-f]{12}|[0-9a-f]{32})\.slice$"
)
_CGROUPFS_POD = re.compile(r"^pod([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$")
_SCOPE = re.compile(rf"^(cri-containerd|crio|docker|libpod)-({_HEX64})\.scope$")
_BARE_ID = re.compile(rf"^{_HEX64}$")
_RUNTIMES = {"cri-containerd": "containerd", "crio": "cri-o", "docker": "docker", "libpod": "podman"}
_QOS = ("besteffort", "burstable", "guaranteed")


@dataclass(frozen=True, slots=True)
class CgroupRef:
    """Where a process sits: pod UID and container id when the path names them."""

    path: str
    pod_uid: str | None = None
    container_id: str | None = None
    runtime: str | None = None  # containerd, cri-o, docker, podman; None when the path does not say
    driver: str | None = None  # systemd or cgroupfs (kubelet pods only)
    qos: str | None = None

    @property
    def score(self) -> int:
        return (self.pod_uid is not None) * 2 + (self.container_id is not None)


def parse_path(path: str) -> CgroupRef:
    """One cgroup path (the part after the second colon) → what it names."""
    pod_uid = container_id = runtime = driver = qos = None
    parts = [p for p in path.split("/") if p]
    for i, part in enumerate(parts):
        m = _SYSTEMD_POD.match(part)
        if m:  # what came before the pod is the node's own container (kind, minikube): forget it
            pod_uid, driver, container_id, runtime = m.group(2).replace("_", "-"), "systemd", None, None
            qos = m.group(1) or "guaranteed"
            continue
        m = _CGROUPFS_POD.match(part)
        if m and i > 0 and parts[i - 1] in ("kubepods", "..", *_QOS):
            pod_uid, driver, container_id, runtime = m.group(1), "cgroupfs", None, None
            qos = {"..": None, "kubepods": "guaranteed"}.get(parts[i - 1], parts[i - 1])
            continue
        m = _SCOPE.match(part)
        if m:
            runtime, container_id = _RUNTIMES[m.group(1)], m.group(2)
            continue
        if _BARE_ID.match(part) and (pod_uid is not None or (i > 0 and parts[i - 1] == "docker")):
            container_id = part
            runtime = "docker" if pod_uid is None else runtime
    return CgroupRef(path, pod_uid, container_id, runtime, driver, qos)


def parse(text: str) -> CgroupRef | None:
    """The content of ``/proc/<pid>/cgroup`` → the most telling line, or None when none is valid."""
    best: CgroupRef | None = None
    for line in text.splitlines():
        fields = line.split(":", 2)
        if len(fields) != 3 or not fields[0].isdigit() or not fields[2].startswith("/"):
            continue
        ref = parse_path(fields[2])
        if best is None or ref.score > best.score or (ref.score == best.score and fields[0] == "0"):
            best = ref
    return best
