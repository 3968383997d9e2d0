"""Writes fixtures/*.json: Kubernetes list items in real API shape (quantities as strings).

Workloads follow the launch forms of public vLLM deployments: the vLLM docs' Deployment
(`vllm serve` command), the production-stack Helm chart (api_server module with args), an llm-d
style StatefulSet (one `sh -c` string), and a KServe predictor (vllm-openai image, args only).
Run once after editing; the JSON is committed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "fixtures"
TS = "2026-11-01T10:00:00Z"


def meta(
    name: str,
    ns: str | None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    uid: str = "",
) -> dict[str, Any]:
    m: dict[str, Any] = {
        "name": name,
        "uid": uid or f"uid-{name}",
        "resourceVersion": "1001",
        "creationTimestamp": TS,
        "labels": labels or {},
    }
    if ns:
        m["namespace"] = ns
    if annotations:
        m["annotations"] = annotations
    return m


def probe(path: str, port: int, timeout: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "timeoutSeconds": timeout,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def deployment(
    name: str,
    ns: str,
    app: str,
    container: dict[str, Any],
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    replicas: int = 1,
    node_selector: dict[str, str] | None = None,
    kind: str = "Deployment",
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": app}},
        "template": {
            "metadata": {"labels": {"app": app, **(labels or {})}},
            "spec": {
                "containers": [container],
                "restartPolicy": "Always",
                **({"nodeSelector": node_selector} if node_selector else {}),
            },
        },
    }
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": meta(name, ns, {"app": app, **(labels or {})}, annotations),
        "spec": spec,
        "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas},
    }


def pod(
    name: str,
    ns: str,
    app: str,
    node: str,
    container: dict[str, Any],
    ip: str,
    owner: tuple[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A controller-created pod: template labels plus the controller's revision label, and the
    controller ownerReference (ReplicaSet ``<deployment>-<hash>`` or StatefulSet)."""
    extra = dict(labels or {})
    metadata = meta(name, ns, {"app": app, **extra})
    if owner is not None:
        kind, owner_name = owner
        if kind == "ReplicaSet":
            metadata["labels"]["pod-template-hash"] = owner_name.rsplit("-", 1)[1]
        else:
            metadata["labels"]["controller-revision-hash"] = f"{owner_name}-6b8f7c9d4"
            metadata["labels"]["statefulset.kubernetes.io/pod-name"] = name
        api = "apps/v1"
        metadata["ownerReferences"] = [
            {
                "apiVersion": api,
                "kind": kind,
                "name": owner_name,
                "uid": f"uid-{owner_name}",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {"nodeName": node, "containers": [container]},
        "status": {
            "phase": "Running",
            "podIP": ip,
            "hostIP": "10.0.0.1",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": container["name"], "ready": True, "restartCount": 0}],
        },
    }


def node(name: str, labels: dict[str, str], gpus: str | None) -> dict[str, Any]:
    alloc = {"cpu": "191500m", "memory": "2113411548Ki", "ephemeral-storage": "3500000000Ki", "pods": "110"}
    if gpus:
        alloc["nvidia.com/gpu"] = gpus
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(name, None, {"kubernetes.io/hostname": name, **labels}),
        "status": {
            "allocatable": alloc,
            "capacity": dict(alloc),
            "nodeInfo": {"kubeletVersion": "v1.30.4", "containerRuntimeVersion": "containerd://1.7.13"},
        },
    }


def gfd(product: str, memory: int, count: int) -> dict[str, str]:
    return {
        "nvidia.com/gpu.present": "true",
        "nvidia.com/gpu.product": product,
        "nvidia.com/gpu.memory": str(memory),
        "nvidia.com/gpu.count": str(count),
        "nvidia.com/cuda.driver.major": "550",
        "nvidia.com/gpu.family": "hopper",
    }


LLAMA = {
    "name": "vllm",
    "image": "vllm/vllm-openai:v0.8.5",
    "command": ["vllm", "serve", "meta-llama/Meta-Llama-3-70B-Instruct"],
    "args": [
        "--tensor-parallel-size",
        "4",
        "--max-model-len",
        "8192",
        "--max-num-seqs",
        "128",
        "--port",
        "8000",
        "--dtype",
        "bfloat16",
        "--gpu-memory-utilization",
        "0.92",
    ],
    "ports": [{"containerPort": 8000, "name": "http", "protocol": "TCP"}],
    "env": [
        {"name": "HF_TOKEN", "value": "hf_FixtureSecretValue0123456789abcdefXYZ"},
        {"name": "HUGGING_FACE_HUB_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token"}}},
        {"name": "VLLM_ATTENTION_BACKEND", "value": "FLASH_ATTN"},
        {"name": "HF_HUB_OFFLINE", "value": "1"},
    ],
    "resources": {
        "requests": {"cpu": "32", "memory": "256Gi", "ephemeral-storage": "200Gi", "nvidia.com/gpu": "4"},
        "limits": {"cpu": "48", "memory": "320Gi", "nvidia.com/gpu": "4"},
    },
    "readinessProbe": probe("/health", 8000, 5),
    "livenessProbe": probe("/health", 8000, 10),
    "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
}

MISTRAL = {
    "name": "vllm",
    "image": "lmcache/vllm-openai:latest",
    "command": ["python3", "-m", "vllm.entrypoints.openai.api_server"],
    "args": [
        "--model",
        "mistralai/Mistral-7B-Instruct-v0.3",
        "--max_model_len",
        "16384",
        "-tp",
        "1",
        "--gpu_memory_utilization",
        "0.9",
        "--port",
        "8000",
    ],
    "ports": [{"containerPort": 8000}],
    "env": [{"name": "HF_HOME", "value": "/data"}],
    "envFrom": [{"secretRef": {"name": "hf-secrets"}}],
    "resources": {"requests": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "1"}},
    "readinessProbe": probe("/health", 8000, 3),
}

LLMD = {
    "name": "vllm",
    "image": "ghcr.io/llm-d/llm-d:v0.2.0",
    "command": ["/bin/sh", "-c"],
    "args": [
        "exec vllm serve meta-llama/Meta-Llama-3-8B-Instruct --port 8200 --max-model-len 8192 "
        "--max-num-seqs 64 --enable-prefix-caching --kv-cache-dtype fp8"
    ],
    "ports": [{"containerPort": 8200}],
    "resources": {"requests": {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "1"}},
}

KSERVE = {
    "name": "kserve-container",
    "image": "vllm/vllm-openai:v0.6.3",
    "args": [
        "--model",
        "/mnt/models",
        "--served-model-name",
        "qwen2-7b",
        "--port",
        "8080",
        "--max-model-len",
        "$(MAX_MODEL_LEN)",
    ],
    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
    "env": [{"name": "MAX_MODEL_LEN", "valueFrom": {"configMapKeyRef": {"name": "qwen", "key": "len"}}}],
    "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"nvidia.com/mig-1g.10gb": "1"}},
}

NGINX = {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    deployments = [
        deployment(
            "llama-3-70b-chat",
            "llm",
            "llama70b",
            LLAMA,
            labels={"modelspec.piqc.ai/name": "llama-3-70b-chat"},
            replicas=2,
        ),
        deployment(
            "mistral-7b", "llm", "mistral", MISTRAL, annotations={"modelspec.piqc.ai/spec": "mistral-7b-instruct"}
        ),
        deployment(
            "qwen-predictor",
            "kserve",
            "qwen",
            KSERVE,
            labels={"serving.kserve.io/inferenceservice": "qwen"},
            node_selector={"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB-MIG-1g.10gb"},
        ),
        deployment("web", "default", "web", NGINX, replicas=3),
    ]
    statefulsets = [
        deployment(
            "llm-d-decode",
            "llm",
            "llmd",
            LLMD,
            labels={"modelspec.piqc.ai/name": "llama-3-8b-chat"},
            kind="StatefulSet",
        )
    ]
    pods = [
        *(
            pod(
                f"llama-3-70b-chat-7d9f8-{s}",
                "llm",
                "llama70b",
                node,
                LLAMA,
                ip,
                ("ReplicaSet", "llama-3-70b-chat-7d9f8"),
                {"modelspec.piqc.ai/name": "llama-3-70b-chat"},
            )
            for s, node, ip in (("abcde", "gpu-node-1", "10.1.0.11"), ("fghij", "gpu-node-2", "10.1.0.12"))
        ),
        pod(
            "mistral-7b-5c6d7-klmno",
            "llm",
            "mistral",
            "l4-node-1",
            MISTRAL,
            "10.1.1.5",
            ("ReplicaSet", "mistral-7b-5c6d7"),
        ),
        pod(
            "llm-d-decode-0",
            "llm",
            "llmd",
            "l40s-node-1",
            LLMD,
            "10.1.2.7",
            ("StatefulSet", "llm-d-decode"),
            {"modelspec.piqc.ai/name": "llama-3-8b-chat"},
        ),
        pod("web-1", "default", "web", "cpu-node-1", NGINX, "10.1.3.1", ("ReplicaSet", "web-55d4c")),
    ]
    nodes = [
        node("gpu-node-1", gfd("NVIDIA-H100-80GB-HBM3", 81559, 8), "8"),
        node("gpu-node-2", gfd("NVIDIA-H100-80GB-HBM3", 81559, 8), "8"),
        node("l4-node-1", gfd("NVIDIA-L4", 23034, 1), "1"),
        node("l40s-node-1", gfd("NVIDIA-L40S", 46068, 4), "4"),
        node("cpu-node-1", {}, None),
    ]
    hpas = [
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": meta("llama-3-70b-chat", "llm"),
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llama-3-70b-chat"},
                "minReplicas": 2,
                "maxReplicas": 4,
                "metrics": [
                    {
                        "type": "Pods",
                        "pods": {
                            "metric": {"name": "vllm:num_requests_waiting"},
                            "target": {"type": "AverageValue", "averageValue": "5"},
                        },
                    }
                ],
            },
            "status": {"currentReplicas": 2, "desiredReplicas": 2},
        }
    ]
    for kind, items in (
        ("deployments", deployments),
        ("statefulsets", statefulsets),
        ("pods", pods),
        ("nodes", nodes),
        ("horizontalpodautoscalers", hpas),
    ):
        (OUT / f"{kind}.json").write_text(json.dumps({"items": items}, indent=1) + "\n")
    print("fixtures written")


if __name__ == "__main__":
    main()
