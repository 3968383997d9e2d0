"""Cluster GPU capacity: requests as the scheduler counts them, pending pods, fragmentation, prices.

Pending-pod shapes and scheduler messages are the ones users posted with ``kubectl describe``:
NVIDIA/k8s-device-plugin#430 (a Triton Deployment, "0/1 nodes are available: 1 Insufficient
nvidia.com/gpu. preemption: …") and Project-HAMi/HAMi#1527 (untolerated taint). Node labels are
GPU Feature Discovery's (``nvidia.com/gpu.product``) and GKE's (``cloud.google.com/gke-accelerator``).
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from modelspec.resolve.catalog import load_catalog
from modelspec.scan import capacity
from modelspec.scan.inventory import summarize

CATALOG = load_catalog()
INSUFFICIENT = (
    "0/1 nodes are available: 1 Insufficient nvidia.com/gpu. preemption: 0/1 nodes are available: "
    "1 No preemption victims found for incoming pod.."
)  # NVIDIA/k8s-device-plugin#430


def node(name: str, gpus: int, labels: dict[str, str], taints: list[dict[str, str]] | None = None) -> dict[str, Any]:
    alloc = {"cpu": "96", "memory": "1Ti", "pods": "110", "nvidia.com/gpu": str(gpus)}
    return {
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **labels}},
        "spec": {"taints": taints or []},
        "status": {"allocatable": alloc, "capacity": dict(alloc)},
    }


def pod(
    name: str,
    gpus: str | None,
    node_name: str | None = None,
    *,
    phase: str = "Running",
    requests: bool = False,
    selector: dict[str, str] | None = None,
    tolerations: list[dict[str, str]] | None = None,
    condition: tuple[str, str] | None = None,
) -> dict[str, Any]:
    res: dict[str, Any] = {"limits": {"nvidia.com/gpu": gpus}} if gpus else {}
    if requests and gpus:
        res["requests"] = {"nvidia.com/gpu": gpus, "cpu": "4"}
    spec: dict[str, Any] = {"containers": [{"name": "server", "image": "nvcr.io/nvidia/tritonserver:24.05-py3",
                                            "resources": res}]}
    if node_name:
        spec["nodeName"] = node_name
    if selector:
        spec["nodeSelector"] = selector
    if tolerations:
        spec["tolerations"] = tolerations
    status: dict[str, Any] = {"phase": phase}
    if condition:
        status["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": condition[0],
                                 "message": condition[1]}]
    return {"metadata": {"name": name, "namespace": "default"}, "spec": spec, "status": status}


H100 = {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3", "nvidia.com/gpu.memory": "81559"}
L4_GKE = {"cloud.google.com/gke-accelerator": "nvidia-l4"}
GPU_TAINT = [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]


def test_requests_default_from_limits_and_init_containers_count_like_the_scheduler() -> None:
    p = pod("a", "2")
    assert capacity.pod_gpu_requests(p) == {"nvidia.com/gpu": 2.0}
    p["spec"]["initContainers"] = [
        {"name": "warmup", "resources": {"limits": {"nvidia.com/gpu": "4"}}},  # runs alone first: max
        {"name": "agent", "restartPolicy": "Always", "resources": {"limits": {"nvidia.com/gpu": "1"}}},  # sidecar
    ]
    assert capacity.pod_gpu_requests(p) == {"nvidia.com/gpu": 4.0}
    p["spec"]["initContainers"][0]["resources"]["limits"]["nvidia.com/gpu"] = "1"
    assert capacity.pod_gpu_requests(p) == {"nvidia.com/gpu": 3.0}  # 2 + sidecar 1
    mig = {"spec": {"containers": [{"resources": {"limits": {"nvidia.com/mig-1g.10gb": "1"}}}]}}
    assert capacity.pod_gpu_requests(mig) == {"nvidia.com/mig-1g.10gb": 1.0}
    junk = {"spec": {"containers": [{"resources": {"limits": {"nvidia.com/gpu": "lots"}}}, "not-a-dict", None]}}
    assert capacity.pod_gpu_requests(junk) == {}


def test_summary_counts_requested_free_pending_and_prices() -> None:
    nodes = [node("h100-a", 8, H100), node("h100-b", 8, H100), node("l4-a", 1, L4_GKE), node("cpu", 0, {})]
    pods = [
        pod("llama-0", "4", "h100-a", requests=True),
        pod("llama-1", "4", "h100-a"),
        pod("mistral-0", "1", "l4-a"),
        pod("old-job", "8", "h100-b", phase="Succeeded"),  # finished: holds nothing
        pod("triton", "1", phase="Pending", condition=("Unschedulable", INSUFFICIENT)),
    ]
    summary, caps = summarize(nodes, pods, CATALOG)
    assert [n.name for n in summary.nodes] == ["h100-a", "h100-b", "l4-a"]  # the CPU node is no GPU node
    assert summary.allocatable == 17 and summary.requested == 9 and summary.free == 8
    by_type = {t.gpu_type: t for t in summary.types}
    assert by_type["h100"].allocatable == 16 and by_type["l4"].free == 0
    assert by_type["h100"].price_per_hour == CATALOG["h100"].price_per_hour
    assert summary.capacity_cost_per_hour == 16 * CATALOG["h100"].price_per_hour + CATALOG["l4"].price_per_hour
    [pending] = summary.pending
    assert (pending.name, pending.reason, pending.message) == ("triton", "Unschedulable", INSUFFICIENT)
    # the pending pod asks for 1 GPU; h100-b has 8 free and no selector keeps it off: nothing is stranded
    assert summary.fragmented == 0
    assert caps["h100-a"].pods == ["default/llama-0", "default/llama-1"]


def test_fragmentation_is_free_gpus_no_pending_pod_can_use() -> None:
    nodes = [node("h100-a", 8, H100), node("h100-b", 8, H100, GPU_TAINT), node("l4-a", 1, L4_GKE)]
    pods = [
        pod("big-0", "6", "h100-a"),  # leaves 2 free on h100-a
        pod("tp4", "4", phase="Pending", condition=("Unschedulable", INSUFFICIENT)),  # needs 4 in one node
    ]
    summary, _ = summarize(nodes, pods, CATALOG)
    # h100-b has 8 free but a NoSchedule taint the pod does not tolerate; h100-a's 2 and l4's 1 are too few
    assert summary.fragmented == 11 and summary.fragmented_nodes == ["h100-a", "h100-b", "l4-a"]
    pods[1]["spec"]["tolerations"] = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    summary, _ = summarize(nodes, pods, CATALOG)
    assert summary.fragmented == 3  # h100-b can take it now
    pods[1]["spec"]["nodeSelector"] = {"cloud.google.com/gke-accelerator": "nvidia-l4"}
    summary, _ = summarize(nodes, pods, CATALOG)
    assert summary.fragmented == 11  # only L4 nodes qualify, and one L4 is not four
    assert summary.largest_free_block == 8


def test_without_pending_pods_free_gpus_are_spare_not_fragments() -> None:
    summary, _ = summarize([node("h100-a", 8, H100)], [pod("x", "3", "h100-a")], CATALOG)
    assert summary.free == 5 and summary.fragmented == 0 and summary.pending == []


def test_unknown_gpu_type_leaves_capacity_cost_unknown_never_zero() -> None:
    summary, _ = summarize([node("mystery", 4, {})], [], CATALOG)
    assert summary.capacity_cost_per_hour is None
    assert "no catalog price" in summary.unknown["capacityPerHour"]
    assert summary.types[0].gpu_type == "unknown"


def test_pending_pod_without_a_scheduler_verdict_says_so() -> None:
    summary, _ = summarize([node("h100-a", 8, H100)], [pod("fresh", "1", phase="Pending")], CATALOG)
    assert summary.pending[0].reason == "NotYetScheduled"


objects = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["spec", "status", "metadata", "containers", "resources", "limits", "requests", "nvidia.com/gpu",
         "nodeName", "phase", "allocatable", "name", "labels", "conditions", "initContainers", "taints"]
    ), inner, max_size=4),
    max_leaves=20,
)


@given(st.lists(objects, max_size=4), st.lists(objects, max_size=4))
def test_summary_is_total_over_malformed_objects(raw_nodes: list[Any], raw_pods: list[Any]) -> None:
    summary, _ = summarize(copy.deepcopy(raw_nodes), copy.deepcopy(raw_pods), CATALOG)
    assert summary.free >= 0 and summary.fragmented >= 0
