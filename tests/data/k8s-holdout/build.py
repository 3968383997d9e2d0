"""Builds the hold-out shapes' ``live.yaml`` (objects as an API server returns them) from the published
manifests named in each shape's ``case.yaml``: the controller's objects, the pods it creates (with
ownerReferences, defaulting and Running/Ready status) and the nodes with their real platform labels.
Run once by hand (``python tests/data/k8s-holdout/build.py``); the output is committed."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
TS = "2026-11-20T09:00:00Z"


def _uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, name))


def node(name: str, labels: dict[str, str], alloc: dict[str, str]) -> dict[str, Any]:
    base = {"kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux", "kubernetes.io/hostname": name}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "uid": _uid(name), "creationTimestamp": TS, "labels": {**base, **labels}},
            "status": {"allocatable": {"cpu": "190", "memory": "1900Gi", "pods": "110", **alloc},
                       "capacity": {"cpu": "192", "memory": "2000Gi", "pods": "110", **alloc},
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                       "nodeInfo": {"kubeletVersion": "v1.31.4", "containerRuntimeVersion": "containerd://1.7.23",
                                    "architecture": "amd64", "operatingSystem": "linux"}}}


def _defaults(c: dict[str, Any]) -> dict[str, Any]:
    c.setdefault("imagePullPolicy", "IfNotPresent")
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    for p in c.get("ports", []):
        p.setdefault("protocol", "TCP")
    return c


def owner(kind: str, name: str, api: str = "apps/v1") -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "name": name, "uid": _uid(kind + name), "controller": True,
            "blockOwnerDeletion": True}


def workload(kind: str, name: str, ns: str, labels: dict[str, str], pod_spec: dict[str, Any], replicas: int,
             owners: list[dict[str, Any]] | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "uid": _uid(kind + name), "generation": 1,
                            "creationTimestamp": TS, "labels": labels}
    if owners:
        meta["ownerReferences"] = owners
    spec = {"replicas": replicas, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod_spec}, **(extra or {})}
    status = {"observedGeneration": 1, "replicas": replicas, "readyReplicas": replicas,
              "availableReplicas": replicas, "updatedReplicas": replicas}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec, "status": status}


def pod(name: str, ns: str, labels: dict[str, str], spec: dict[str, Any], own: dict[str, Any], node_name: str,
        ip: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    spec = yaml.safe_load(yaml.safe_dump(spec))
    spec["containers"] = [_defaults(c) for c in spec["containers"]]
    spec.update({"nodeName": node_name, "restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
                 "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30,
                 "serviceAccountName": spec.get("serviceAccountName", "default")})
    spec.setdefault("tolerations", []).extend([
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300}])
    meta: dict[str, Any] = {"name": name, "namespace": ns, "uid": _uid("pod" + name), "creationTimestamp": TS,
                            "labels": labels, "ownerReferences": [own]}
    if annotations:
        meta["annotations"] = annotations
    cs = [{"name": c["name"], "image": c["image"], "imageID": c["image"] + "@sha256:" + "0" * 64, "ready": True,
           "started": True, "restartCount": 0, "state": {"running": {"startedAt": "2026-11-20T09:03:00Z"}},
           "containerID": "containerd://" + _uid(name + c["name"]).replace("-", "")} for c in spec["containers"]]
    status = {"phase": "Running", "qosClass": "Burstable", "podIP": ip, "podIPs": [{"ip": ip}],
              "hostIP": "10.0.0.10", "startTime": TS,
              "conditions": [{"type": t, "status": "True", "lastTransitionTime": "2026-11-20T09:05:00Z"}
                             for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                       "PodScheduled")],
              "containerStatuses": cs}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def write(shape: str, header: str, docs: list[dict[str, Any]]) -> None:
    out = HERE / shape / "live.yaml"
    out.parent.mkdir(exist_ok=True)
    body = yaml.safe_dump_all(docs, sort_keys=False)
    out.write_text("".join("# " + ln + "\n" for ln in header.strip().splitlines()) + "---\n" + body,
                   encoding="utf-8")


H100 = {"node.kubernetes.io/instance-type": "p5.48xlarge", "topology.kubernetes.io/zone": "us-east-1a",
        "nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
        "nvidia.com/gpu.count": "8", "nvidia.com/gpu.memory": "81559", "nvidia.com/cuda.driver.major": "550",
        "nvidia.com/gpu.family": "hopper", "nvidia.com/gpu.machine": "p5.48xlarge"}
MI300X = {"node.kubernetes.io/instance-type": "Standard_ND96isr_MI300X_v5", "amd.com/gpu.family": "AI",
          "amd.com/gpu.device-id": "74a1", "amd.com/gpu.product-name": "AMD_Instinct_MI300X_OAM",
          "amd.com/gpu.vram": "192G", "beta.amd.com/gpu.family.AI": "8", "feature.node.kubernetes.io/amd-gpu": "true"}


def nim() -> None:
    lab = {"app.kubernetes.io/name": "nim-llm", "app.kubernetes.io/instance": "my-nim"}
    spec = {"serviceAccountName": "my-nim-nim-llm", "securityContext": {"runAsUser": 1000, "runAsGroup": 1000,
                                                                       "fsGroup": 1000},
            "containers": [{"name": "nim-llm", "image": "nvcr.io/nim/meta/llama3-8b-instruct:1.0.0",
                            "env": [{"name": "NIM_CACHE_PATH", "value": "/model-store"},
                                    {"name": "NGC_API_KEY", "valueFrom": {"secretKeyRef": {
                                        "name": "ngc-api", "key": "NGC_API_KEY"}}},
                                    {"name": "OUTLINES_CACHE_DIR", "value": "/tmp/outlines"},
                                    {"name": "NIM_SERVER_PORT", "value": "8000"},
                                    {"name": "NIM_JSONL_LOGGING", "value": "1"},
                                    {"name": "NIM_LOG_LEVEL", "value": "INFO"}],
                            "ports": [{"name": "http", "containerPort": 8000}],
                            "livenessProbe": {"httpGet": {"path": "/v1/health/live", "port": "http"}},
                            "readinessProbe": {"httpGet": {"path": "/v1/health/ready", "port": "http"}},
                            "startupProbe": {"httpGet": {"path": "/v1/health/ready", "port": "http"},
                                             "failureThreshold": 180},
                            "resources": {"limits": {"nvidia.com/gpu": "1"}, "requests": {"nvidia.com/gpu": "1"}},
                            "volumeMounts": [{"name": "model-store", "mountPath": "/model-store"},
                                             {"name": "dshm", "mountPath": "/dev/shm"}]}],
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory"}},
                        {"name": "model-store", "persistentVolumeClaim": {"claimName": "my-nim-nim-llm"}}]}
    dep = workload("Deployment", "my-nim", "nim", lab, spec, 1, extra={"progressDeadlineSeconds": 3600})
    rs = owner("ReplicaSet", "my-nim-6d8f9c7b5d")
    p = pod("my-nim-6d8f9c7b5d-x2k9p", "nim", {**lab, "pod-template-hash": "6d8f9c7b5d"}, spec, rs,
            "ip-10-0-1-17.ec2.internal", "10.0.1.41")
    write("01-nim-llm-helm", "NVIDIA nim-deploy helm/nim-llm chart, default values (Deployment, 1 GPU, no "
          "command/args: the NIM image's entrypoint reads env).\nuids/IPs synthetic.",
          [node("ip-10-0-1-17.ec2.internal", H100, {"nvidia.com/gpu": "8"}), dep, p])


def dynamo() -> None:
    docs: list[dict[str, Any]] = [node("ip-10-0-2-31.ec2.internal", H100, {"nvidia.com/gpu": "8"})]
    img = "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.7.1"
    comps = {
        "frontend": ({"name": "main", "image": img, "command": ["python3", "-m", "dynamo.frontend"],
                      "args": ["--http-port", "8000"], "ports": [{"name": "http", "containerPort": 8000}],
                      "env": [{"name": "DYN_NAMESPACE", "value": "vllm-agg"}]}, "frontend"),
        "vllmdecodeworker": ({"name": "main", "image": img, "workingDir": "/workspace/examples/backends/vllm",
                              "command": ["python3", "-m", "dynamo.vllm"], "args": ["--model", "Qwen/Qwen3-0.6B"],
                              "ports": [{"name": "system", "containerPort": 9090}],
                              "env": [{"name": "DYN_NAMESPACE", "value": "vllm-agg"},
                                      {"name": "DYN_SYSTEM_PORT", "value": "9090"}],
                              "envFrom": [{"secretRef": {"name": "hf-token-secret"}}],
                              "resources": {"limits": {"nvidia.com/gpu": "1"},
                                            "requests": {"nvidia.com/gpu": "1"}}}, "worker"),
    }
    for i, (comp, (c, ctype)) in enumerate(comps.items()):
        name = f"vllm-agg-{comp}"
        lab = {"nvidia.com/dynamo-component": comp, "nvidia.com/dynamo-namespace": "vllm-agg",
               "nvidia.com/dynamo-component-type": ctype, "nvidia.com/dynamo-graph-deployment-name": "vllm-agg"}
        spec = {"containers": [c]}
        dcd = owner("DynamoComponentDeployment", name, "nvidia.com/v1alpha1")
        docs.append(workload("Deployment", name, "default", lab, spec, 1, owners=[dcd]))
        h = f"7c9d{i}f6b8"
        docs.append(pod(f"{name}-{h}-q{i}w8z", "default", {**lab, "pod-template-hash": h}, spec,
                        owner("ReplicaSet", f"{name}-{h}"), "ip-10-0-2-31.ec2.internal", f"10.0.2.{50 + i}"))
    write("02-dynamo-vllm-agg", "NVIDIA Dynamo DynamoGraphDeployment vllm-agg (examples/backends/vllm/deploy/agg.yaml)"
          " as the Dynamo operator renders it: one DynamoComponentDeployment per service, each a Deployment.\n"
          "uids/IPs synthetic; operator-set labels/env per the operator's graph controller (reconstructed).", docs)


def amd() -> None:
    lab = {"app": "vllm-mi300x"}
    spec = {"containers": [{"name": "vllm", "image": "rocm/vllm:rocm6.3.1_vllm_0.8.5_20250521",
                            "command": ["vllm", "serve"],
                            "args": ["meta-llama/Llama-3.1-70B-Instruct", "--tensor-parallel-size", "8",
                                     "--max-model-len", "32768", "--host", "0.0.0.0", "--port", "8000"],
                            "env": [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token",
                                                                                         "key": "token"}}},
                                    {"name": "VLLM_USE_TRITON_FLASH_ATTN", "value": "0"}],
                            "ports": [{"containerPort": 8000}],
                            "securityContext": {"capabilities": {"add": ["SYS_PTRACE"]},
                                                "seccompProfile": {"type": "Unconfined"}},
                            "resources": {"limits": {"amd.com/gpu": "8"}, "requests": {"amd.com/gpu": "8"}},
                            "volumeMounts": [{"name": "shm", "mountPath": "/dev/shm"}]}],
            "volumes": [{"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "64Gi"}}]}
    dep = workload("Deployment", "vllm-mi300x", "default", lab, spec, 1)
    p = pod("vllm-mi300x-5b7f9d8c6-9hzqf", "default", {**lab, "pod-template-hash": "5b7f9d8c6"}, spec,
            owner("ReplicaSet", "vllm-mi300x-5b7f9d8c6"), "mi300x-node-0", "10.244.0.23")
    write("03-amd-mi300x-vllm", "vLLM on 8 x AMD Instinct MI300X (amd.com/gpu from the AMD GPU device plugin, node "
          "labels from the AMD GPU operator's node labeller).\nuids/IPs synthetic.",
          [node("mi300x-node-0", MI300X, {"amd.com/gpu": "8"}), dep, p])


def config_file() -> None:
    lab = {"app": "vllm-config"}
    spec = {"containers": [{"name": "vllm", "image": "vllm/vllm-openai:v0.9.1",
                            "command": ["vllm", "serve"], "args": ["--config", "/etc/vllm/config.yaml"],
                            "ports": [{"name": "http", "containerPort": 8000}],
                            "resources": {"limits": {"nvidia.com/gpu": "2"}, "requests": {"nvidia.com/gpu": "2"}},
                            "volumeMounts": [{"name": "config", "mountPath": "/etc/vllm"}]}],
            "volumes": [{"name": "config", "configMap": {"name": "vllm-config"}}]}
    dep = workload("Deployment", "vllm-config", "default", lab, spec, 1)
    p = pod("vllm-config-7f6c5d4b9-m2p8d", "default", {**lab, "pod-template-hash": "7f6c5d4b9"}, spec,
            owner("ReplicaSet", "vllm-config-7f6c5d4b9"), "ip-10-0-3-12.ec2.internal", "10.0.3.77")
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "vllm-config", "namespace": "default"},
          "data": {"config.yaml": "model: Qwen/Qwen2.5-7B-Instruct\ntensor-parallel-size: 2\nport: 8000\n"
                                  "max-model-len: 32768\n"}}
    write("04-vllm-config-file", "vLLM Deployment whose serving arguments live in a --config YAML (vLLM docs, "
          "'Configuration file'), mounted from a ConfigMap.\nuids/IPs synthetic.",
          [node("ip-10-0-3-12.ec2.internal", H100, {"nvidia.com/gpu": "8"}), cm, dep, p])


def sglang_lws() -> None:
    docs: list[dict[str, Any]] = [node(f"ip-10-0-4-{n}.ec2.internal", H100, {"nvidia.com/gpu": "8"})
                                  for n in (21, 22)]
    base = ["python3", "-m", "sglang.launch_server", "--model-path", "meta-llama/Llama-3.1-405B-Instruct-FP8",
            "--tp", "16", "--dist-init-addr", "$(LWS_LEADER_ADDRESS):20000", "--nnodes", "$(LWS_GROUP_SIZE)",
            "--trust-remote-code", "--host", "0.0.0.0", "--port", "40000"]

    def tmpl(rank: str, leader: bool) -> dict[str, Any]:
        c: dict[str, Any] = {"name": "sglang", "image": "lmsysorg/sglang:v0.4.6.post1-cu124",
                             "command": [*base, "--node-rank", rank],
                             "env": [{"name": "LWS_WORKER_INDEX", "valueFrom": {"fieldRef": {
                                 "fieldPath": "metadata.labels['leaderworkerset.sigs.k8s.io/worker-index']"}}}],
                             "resources": {"limits": {"nvidia.com/gpu": "8"}, "requests": {"nvidia.com/gpu": "8"}},
                             "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}]}
        if leader:
            c["ports"] = [{"containerPort": 40000}]
            c["readinessProbe"] = {"tcpSocket": {"port": 40000}, "initialDelaySeconds": 15, "periodSeconds": 10}
        return {"containers": [c], "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory"}}]}

    lt, wt = tmpl("0", True), tmpl("$(LWS_WORKER_INDEX)", False)
    lws = {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet",
           "metadata": {"name": "sglang", "namespace": "default", "uid": _uid("lwssglang"), "generation": 1,
                        "creationTimestamp": TS},
           "spec": {"replicas": 1, "startupPolicy": "LeaderCreated", "rolloutStrategy": {"type": "RollingUpdate"},
                    "leaderWorkerTemplate": {"size": 2, "restartPolicy": "RecreateGroupOnPodRestart",
                                             "leaderTemplate": {"metadata": {"labels": {"role": "leader"}},
                                                                "spec": lt},
                                             "workerTemplate": {"spec": wt}}},
           "status": {"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1,
                      "conditions": [{"type": "Available", "status": "True"}]}}
    docs.append(lws)
    common = {"leaderworkerset.sigs.k8s.io/name": "sglang", "leaderworkerset.sigs.k8s.io/group-index": "0",
              "leaderworkerset.sigs.k8s.io/group-key": "9f2c1e7a" * 5}
    ann = {"leaderworkerset.sigs.k8s.io/size": "2"}
    lead = pod("sglang-0", "default", {**common, "role": "leader", "leaderworkerset.sigs.k8s.io/worker-index": "0"},
               lt, owner("StatefulSet", "sglang"), "ip-10-0-4-21.ec2.internal", "10.0.4.101", ann)
    work = pod("sglang-0-1", "default", {**common, "leaderworkerset.sigs.k8s.io/worker-index": "1"}, wt,
               owner("StatefulSet", "sglang-0"), "ip-10-0-4-22.ec2.internal", "10.0.4.102",
               {**ann, "leaderworkerset.sigs.k8s.io/leader-name": "sglang-0"})
    docs += [lead, work]
    write("05-sglang-lws-multinode", "SGLang multi-node (TP 16 over 2 x 8 H100) on a LeaderWorkerSet (size 2), per the "
          "LWS project's SGLang example; pods as the LWS controller creates them (leader StatefulSet + per-group "
          "worker StatefulSet).\nuids/IPs synthetic.", docs)


if __name__ == "__main__":
    nim()
    dynamo()
    amd()
    config_file()
    sglang_lws()
