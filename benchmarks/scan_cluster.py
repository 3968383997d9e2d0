#!/usr/bin/env python3
"""`scan cluster` against a generated cluster served by our fake API server (loopback), in one run:
a small and a large cluster side by side, to show that the request count depends only on paging,
never on the number of pods.

    python benchmarks/scan_cluster.py [--pods 5000 --nodes 500 --deployments 1000]

Target: 5,000 pods / 500 nodes / 1,000 deployments in <= 5 s wall.
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.kube.server import load_fixtures, serve, write_kubeconfig  # noqa: E402


def generate(pods: int, nodes: int, deployments: int) -> dict[str, list[dict[str, Any]]]:
    base = load_fixtures()
    dep0, pod0 = base["deployments"][0], base["pods"][0]
    node0 = base["nodes"][0]
    out: dict[str, list[dict[str, Any]]] = {
        "pods": [],
        "nodes": [],
        "deployments": [],
        "statefulsets": [],
        "horizontalpodautoscalers": [],
    }
    for i in range(nodes):
        n = copy.deepcopy(node0)
        n["metadata"]["name"] = f"gpu-node-{i}"
        out["nodes"].append(n)
    for i in range(deployments):
        d = copy.deepcopy(dep0)
        d["metadata"]["name"] = f"llm-{i}"
        d["metadata"]["namespace"] = f"team-{i % 20}"
        d["spec"]["selector"]["matchLabels"] = {"app": f"llm-{i}"}
        d["spec"]["template"]["metadata"]["labels"] = {"app": f"llm-{i}", "modelspec.piqc.ai/name": "llama-3-70b-chat"}
        out["deployments"].append(d)
        h = copy.deepcopy(base["horizontalpodautoscalers"][0])
        h["metadata"]["name"] = d["metadata"]["name"]
        h["metadata"]["namespace"] = d["metadata"]["namespace"]
        h["spec"]["scaleTargetRef"]["name"] = d["metadata"]["name"]
        out["horizontalpodautoscalers"].append(h)
    for i in range(pods):
        p = copy.deepcopy(pod0)
        j = i % deployments
        p["metadata"]["name"] = f"llm-{j}-pod-{i}"
        p["metadata"]["namespace"] = f"team-{j % 20}"
        p["metadata"]["labels"] = {"app": f"llm-{j}", "pod-template-hash": "5f7b9c"}
        p["metadata"]["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"llm-{j}-5f7b9c", "uid": f"u{j}", "controller": 1}
        ]
        p["spec"]["nodeName"] = f"gpu-node-{i % nodes}"
        out["pods"].append(p)
    return out


def _serve_in_child(data: dict[str, list[dict[str, Any]]], conn: Any) -> None:
    """The fake API server in its own process, as a real API server is: the scanner's time is
    then its own, not shared with the server's JSON encoding under one GIL."""
    with serve(data) as (server, state):
        conn.send(server.server_address[1])
        conn.recv()  # until the scan is done
        conn.send(sum(state.requests.values()))


class _Served:
    """The fake API server serving ``data`` in a forked child, and a reader pointed at it.

    ``requests`` holds how many API requests the child answered, once the block has ended.
    """

    def __init__(self, data: dict[str, list[dict[str, Any]]], page: int) -> None:
        self.data, self.page, self.requests = data, page, 0

    def __enter__(self) -> Any:
        import multiprocessing

        from modelspec.scan.kube import KubeReader, api_client

        self.parent, child = multiprocessing.Pipe()
        ctx = multiprocessing.get_context("fork")
        self.proc = ctx.Process(target=_serve_in_child, args=(self.data, child), daemon=True)
        self.proc.start()
        port = self.parent.recv()
        self.tmp = tempfile.TemporaryDirectory()
        kc = write_kubeconfig(Path(self.tmp.name) / "kubeconfig", port)
        return KubeReader(api_client(str(kc)), page_size=self.page, timeout=30)

    def __exit__(self, *exc: object) -> None:
        try:
            self.tmp.cleanup()
            if exc[0] is None:
                self.parent.send("done")
                self.requests = self.parent.recv()
        finally:
            self.proc.join(timeout=10)


def scan_once(data: dict[str, list[dict[str, Any]]], page: int) -> tuple[float, int, int, int]:
    from modelspec.scan.cluster import cluster
    from modelspec.spec.api import load

    spec = load(ROOT / "examples" / "08-full-production.modelspec.yaml")
    served = _Served(data, page)
    with served as reader:
        list_all, listed = reader.list_all, [0.0]

        def timed_list() -> Any:
            t0 = time.perf_counter()
            out = list_all()
            listed[0] = time.perf_counter() - t0
            return out

        reader.list_all = timed_list
        t, cpu = time.perf_counter(), time.process_time()
        report, _ = cluster([(spec, None)], reader)
        wall = time.perf_counter() - t
        print(
            f"  ({len(data['pods'])} pods: listing {listed[0]:.2f} s, the rest {wall - listed[0]:.2f} s, "
            f"CPU {time.process_time() - cpu:.2f} s)"
        )
    return wall, served.requests, report.target["workloads"], len(report.findings)


def inventory_once(data: dict[str, list[dict[str, Any]]], page: int) -> tuple[float, int, int, int]:
    """The same cluster scanned without a spec (the inventory): (wall s, requests, workloads, GPU nodes)."""
    from modelspec.scan.inventory import inventory

    served = _Served(data, page)
    with served as reader:
        t = time.perf_counter()
        inv = inventory(reader)
        wall = time.perf_counter() - t
    return wall, served.requests, len(inv.workloads), len(inv.cluster.nodes)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=5000)
    ap.add_argument("--nodes", type=int, default=500)
    ap.add_argument("--deployments", type=int, default=1000)
    ap.add_argument("--page-size", type=int, default=500)
    args = ap.parse_args()
    import kubernetes  # noqa: F401  (import time is not scan time)

    rows = []
    for pods, nodes, deps in (
        (args.pods // 10, args.nodes // 10, args.deployments // 10),
        (args.pods, args.nodes, args.deployments),
    ):
        data = generate(pods, nodes, deps)
        wall, requests, workloads, findings = scan_once(data, args.page_size)
        pages = 1 + sum(-(-max(1, len(items)) // args.page_size) for items in data.values())  # + /apis discovery
        rows.append((pods, nodes, deps, wall, requests, pages, workloads, findings))
    print(
        f"{'pods':>6} {'nodes':>6} {'deploys':>8} {'wall s':>7} {'requests':>9} {'pages':>6} {'workloads':>10} "
        f"{'findings':>9}"
    )
    for r in rows:
        print(f"{r[0]:6d} {r[1]:6d} {r[2]:8d} {r[3]:7.2f} {r[4]:9d} {r[5]:6d} {r[6]:10d} {r[7]:9d}")
    inv_rows = []
    for pods, nodes, deps in (
        (args.pods // 10, args.nodes // 10, args.deployments // 10),
        (args.pods, args.nodes, args.deployments),
    ):
        data = generate(pods, nodes, deps)
        pages = 1 + sum(-(-max(1, len(items)) // args.page_size) for items in data.values())  # + /apis discovery
        inv_rows.append((pods, nodes, deps, *inventory_once(data, args.page_size), pages))
    print(f"\ninventory mode (no spec)\n{'pods':>6} {'nodes':>6} {'deploys':>8} {'wall s':>7} {'requests':>9} "
          f"{'pages':>6} {'workloads':>10} {'gpu nodes':>10}")
    for r in inv_rows:
        print(f"{r[0]:6d} {r[1]:6d} {r[2]:8d} {r[3]:7.2f} {r[4]:9d} {r[7]:6d} {r[5]:10d} {r[6]:10d}")
    print(
        f"inventory: requests = pages: {'yes' if all(r[4] == r[7] for r in inv_rows) else 'NO'}; "
        f"target <= 5 s for the large cluster: {'met' if inv_rows[-1][3] <= 5 else 'MISSED'}"
    )
    big = rows[-1]
    print(
        f"requests = pages of {args.page_size} items: {'yes' if all(r[4] == r[5] for r in rows) else 'NO'}; "
        f"target <= 5 s for the large cluster: {'met' if big[3] <= 5 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
