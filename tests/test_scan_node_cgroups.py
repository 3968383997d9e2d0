"""cgroup path → pod UID and container id: real files from public issues, then generated ones."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from modelspec.scan.cgroups import parse

from .conftest import ROOT

CASES = yaml.safe_load((ROOT / "tests/data/cgroups.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_real_cgroup_files(case: dict[str, Any]) -> None:
    assert case["source"].startswith("https://")
    ref = parse(case["text"])
    assert ref is not None
    assert {k: getattr(ref, k) for k in case["expect"]} == case["expect"]


def test_corpus_covers_every_driver_and_runtime() -> None:
    seen = {(c["expect"]["driver"], c["expect"]["runtime"]) for c in CASES}
    for pair in [("systemd", "containerd"), ("systemd", "cri-o"), ("systemd", "docker"), ("cgroupfs", None)]:
        assert pair in seen
    assert any(c["text"].startswith("0::") for c in CASES) and any(not c["text"].startswith("0::") for c in CASES)


HEX = "0123456789abcdef"
uuids = st.uuids().map(str)
container_ids = st.text(HEX, min_size=64, max_size=64)
qos_classes = st.sampled_from(["besteffort", "burstable", "guaranteed"])
runtimes = st.sampled_from([("cri-containerd", "containerd"), ("crio", "cri-o"), ("docker", "docker")])
prefixes = st.sampled_from(["", "/kubelet.slice", "/docker/" + "d" * 64])
controllers = st.lists(st.sampled_from(["memory", "cpu,cpuacct", "pids", "freezer", "name=systemd"]), max_size=4)


def _systemd(uid: str, qos: str, runtime: str, cid: str, prefix: str) -> str:
    kube = "kubelet-kubepods" if prefix == "/kubelet.slice" else "kubepods"
    qos_slice = "" if qos == "guaranteed" else f"/{kube}-{qos}.slice"
    pod = f"{kube}-{qos}-pod" if qos != "guaranteed" else f"{kube}-pod"
    return f"{prefix}/{kube}.slice{qos_slice}/{pod}{uid.replace('-', '_')}.slice/{runtime}-{cid}.scope"


def _cgroupfs(uid: str, qos: str, cid: str, prefix: str) -> str:
    qos_dir = "" if qos == "guaranteed" else f"/{qos}"
    return f"{prefix if prefix != '/kubelet.slice' else '/kubelet'}/kubepods{qos_dir}/pod{uid}/{cid}"


def _file(path: str, v1: list[str]) -> str:
    """As /proc/<pid>/cgroup: one line per v1 hierarchy (others at /), else the v2 line."""
    if not v1:
        return f"0::{path}\n"
    lines = [f"{i + 2}:{c}:{path}" for i, c in enumerate(v1)] + ["1:net_cls:/", "0::/"]
    return "\n".join(lines) + "\n"


@given(uuids, qos_classes, runtimes, container_ids, prefixes, controllers)
def test_systemd_driver_paths(uid: str, qos: str, rt: tuple[str, str], cid: str, prefix: str, v1: list[str]) -> None:
    ref = parse(_file(_systemd(uid, qos, rt[0], cid, prefix), v1))
    assert ref is not None
    assert (ref.pod_uid, ref.container_id, ref.runtime, ref.driver, ref.qos) == (uid, cid, rt[1], "systemd", qos)


@given(uuids, qos_classes, container_ids, prefixes, controllers)
def test_cgroupfs_driver_paths(uid: str, qos: str, cid: str, prefix: str, v1: list[str]) -> None:
    ref = parse(_file(_cgroupfs(uid, qos, cid, prefix), v1))
    assert ref is not None
    assert (ref.pod_uid, ref.container_id, ref.runtime, ref.driver, ref.qos) == (uid, cid, None, "cgroupfs", qos)


@given(uuids, container_ids)
def test_crio_conmon_is_not_the_container(uid: str, cid: str) -> None:
    path = f"/kubepods.slice/kubepods-pod{uid.replace('-', '_')}.slice/crio-conmon-{cid}.scope"
    ref = parse(f"0::{path}\n")
    assert ref is not None and ref.pod_uid == uid and ref.container_id is None


@given(st.text(max_size=400))
def test_any_text_is_total_and_never_invents_ids(text: str) -> None:
    ref = parse(text)
    if ref is None:
        return
    if ref.pod_uid is not None:
        assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|[0-9a-f]{32}", ref.pod_uid)
        assert ref.pod_uid.replace("-", "_") in text or ref.pod_uid in text
    if ref.container_id is not None:
        assert ref.container_id in text and len(ref.container_id) == 64


@given(uuids, qos_classes, runtimes, container_ids, st.integers(1, 4), st.booleans())
def test_paths_relative_to_the_readers_cgroup_namespace(
    uid: str, qos: str, rt: tuple[str, str], cid: str, ups: int, systemd: bool
) -> None:
    """A scanner in its own cgroup namespace (the DaemonSet) reads paths relative to its own
    cgroup: ``/../..`` then the part below the common ancestor."""
    if systemd:
        full = _systemd(uid, qos, rt[0], cid, "")
        tail = "/".join(full.split("/")[-2:])  # the pod slice and the container scope
        want = (uid, cid, rt[1], "systemd", qos)
    else:
        tail = f"pod{uid}/{cid}"
        want = (uid, cid, None, "cgroupfs", None)
    ref = parse(f"0::/{'../' * ups}{tail}\n")
    assert ref is not None
    assert (ref.pod_uid, ref.container_id, ref.runtime, ref.driver, ref.qos) == want
