#!/usr/bin/env python3
"""Peak memory of `scan cluster` on a very large cluster: does 100,000 pods fit the deploy/ Job's
memory limit (512 MiB)?

    python benchmarks/scan_cluster_memory.py [--pods 100000] [--deployments 2000]

A page server in a child process generates the pods of each page on the fly from a real pod
(tests/data/k8s/02-production-stack-helm: the production-stack chart's engine pod, ~5 KB of JSON
as the API server returns it), so only the scanner's memory is measured. Each scan runs in a fresh
process; its peak RSS (ru_maxrss) is reported with and without page pruning.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.kube.corpus import load_live  # noqa: E402
from tests.fakes.kube.server import write_kubeconfig  # noqa: E402

SHAPE = ROOT / "tests/data/k8s/02-production-stack-helm/live.yaml"


def _objects(pods: int, deployments: int) -> tuple[dict[str, Any], Any]:
    data = load_live(SHAPE)
    pod0 = next(p for p in data["pods"] if p["metadata"]["name"].startswith("vllm-llama3"))
    dep0 = next(d for d in data["deployments"] if d["metadata"]["name"] == "vllm-llama3-deployment-vllm")
    deps = []
    for j in range(deployments):
        d = copy.deepcopy(dep0)
        d["metadata"]["name"] = f"llm-{j}"
        d["spec"]["template"]["metadata"]["labels"]["modelspec.piqc.ai/name"] = "llama3"
        deps.append(d)
    lists = {"deployments": deps, "nodes": data["nodes"], "statefulsets": [], "horizontalpodautoscalers": []}

    def make_pod(i: int) -> dict[str, Any]:
        j = i % deployments
        p = copy.deepcopy(pod0)
        p["metadata"]["name"] = f"llm-{j}-5f7b9c-{i:06d}"
        p["metadata"]["uid"] = f"uid-{i}"
        p["metadata"]["labels"]["pod-template-hash"] = "5f7b9c"
        p["metadata"]["labels"]["modelspec.piqc.ai/name"] = "llama3"
        p["metadata"]["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"llm-{j}-5f7b9c", "controller": True}
        ]
        p["status"]["podIP"] = f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"
        return p

    return lists, make_pod


def _serve(pods: int, deployments: int, conn: Any) -> None:
    lists, make_pod = _objects(pods, deployments)
    paths = {
        "/api/v1/nodes": "nodes",
        "/apis/apps/v1/deployments": "deployments",
        "/apis/apps/v1/statefulsets": "statefulsets",
        "/apis/autoscaling/v2/horizontalpodautoscalers": "horizontalpodautoscalers",
    }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            limit = int((query.get("limit") or ["500"])[0])
            start = int((query.get("continue") or ["0"])[0])
            body: dict[str, Any] = {"metadata": {}, "items": []}
            if url.path == "/apis":
                body = {"groups": []}
            elif url.path == "/api/v1/pods":
                end = min(pods, start + limit)
                body["items"] = [make_pod(i) for i in range(start, end)]
                if end < pods:
                    body["metadata"]["continue"] = str(end)
            elif url.path in paths:
                items = lists[paths[url.path]]
                body["items"] = items[start : start + limit]
                if start + limit < len(items):
                    body["metadata"]["continue"] = str(start + limit)
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    conn.send(server.server_address[1])
    server.serve_forever()


def _scan(port: int, compact: bool, conn: Any) -> None:
    from modelspec.scan.cluster import cluster
    from modelspec.scan.kube import KubeReader, api_client
    from modelspec.spec.api import loads

    spec = loads(
        "apiVersion: piqc.ai/v1alpha1\nkind: ModelSpec\nmetadata: {name: llama3}\nspec:\n"
        "  identity: {model: {id: llama-3.1-8b, family: llama-3.1, task: chat, framework: vllm}}\n"
        "  runtime: {accelerator: {vendor: nvidia, type: a10g, count: 1}}\n"
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp:
        kc = write_kubeconfig(Path(tmp) / "kc", port)
        reader = KubeReader(api_client(str(kc)), timeout=60, deadline=600, compact=compact)
        t = time.perf_counter()
        report, listings = cluster([(spec, None)], reader)
        wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    conn.send((before / 1024, peak / 1024, wall, len(listings["pods"].items), report.target["workloads"]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=100_000)
    ap.add_argument("--deployments", type=int, default=2_000)
    ap.add_argument("--pruned-only", action="store_true", help="skip the unpruned comparison run")
    args = ap.parse_args()
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(args.pods, args.deployments, child), daemon=True)
    server.start()
    port = parent.recv()
    print(f"{'pods':>8} {'pruned':>7} {'RSS before MiB':>15} {'peak MiB':>9} {'wall s':>7} {'workloads':>10}")
    try:
        for compact in (True,) if args.pruned_only else (True, False):
            a, b = ctx.Pipe()
            scan = ctx.Process(target=_scan, args=(port, compact, b))
            scan.start()
            before, peak, wall, pods, workloads = a.recv()
            scan.join()
            print(f"{pods:8d} {'yes' if compact else 'no':>7} {before:15.0f} {peak:9.0f} {wall:7.1f} {workloads:10d}")
    finally:
        server.terminate()
    print("deploy/cluster-scan-job.yaml limit: 512 MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
