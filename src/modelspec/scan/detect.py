"""Which model server a container or a process runs, with the evidence for the answer.

Evidence, strongest first: the launch command (:mod:`.launch` found the server invocation), the
image, the platform's labels (``model.aibrix.ai/engine``, ``app.kubernetes.io/name``…). A pod
holds more than the server: sidecars (istio-proxy, Knative's queue-proxy, KServe's
storage-initializer, llm-d's routing proxy, AIBrix's runtime agent …) and native sidecars
(``initContainers`` with ``restartPolicy: Always``) are recognised and never taken for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..spec.engine_flags import ENGINE_ALIASES, SERVER_ENGINES
from .launch import Launch, parse_argv, parse_container

# image substring → engine (checked against the repository part, lower-cased)
_IMAGES: tuple[tuple[str, str], ...] = (
    ("vllm-openai", "vllm"),
    ("vllm/vllm", "vllm"),
    ("rocm/vllm", "vllm"),
    ("/vllm", "vllm"),
    ("sglang", "sglang"),
    ("text-generation-inference", "tgi"),
    ("llama.cpp", "llama.cpp"),
    ("llama-cpp", "llama.cpp"),
    ("tensorrt-llm", "tensorrt-llm"),
    ("tritonserver", "triton"),
    ("triton", "triton"),
    ("ollama", "ollama"),
    ("nvcr.io/nim/", "nim"),
    ("huggingfaceserver", "vllm"),
    ("kaito", "vllm"),
)
# known sidecars by container name or image (substring)
SIDECARS: tuple[tuple[str, str], ...] = (
    ("istio-proxy", "Istio proxy"),
    ("istio-init", "Istio init"),
    ("linkerd-proxy", "Linkerd proxy"),
    ("queue-proxy", "Knative queue-proxy"),
    ("storage-initializer", "KServe storage initializer"),
    ("modelcar", "KServe modelcar"),
    ("routing-proxy", "llm-d routing proxy"),
    ("routing-sidecar", "llm-d routing proxy"),
    ("aibrix-runtime", "AIBrix runtime agent"),
    ("aibrix_runtime", "AIBrix runtime agent"),
    ("envoy", "Envoy proxy"),
    ("fluent-bit", "log shipper"),
    ("fluentd", "log shipper"),
    ("otel-collector", "OpenTelemetry collector"),
    ("oauth2-proxy", "auth proxy"),
    ("kube-rbac-proxy", "auth proxy"),
    ("cloud-sql-proxy", "database proxy"),
    ("gcsfuse", "GCS FUSE sidecar"),
    ("model-downloader", "model downloader"),
)
_ENGINE_LABELS = ("model.aibrix.ai/engine", "app.kubernetes.io/name", "kaito.sh/runtime", "app")
_ENGINE_WORDS = {word: engine for word, engine in ENGINE_ALIASES.items() if engine in SERVER_ENGINES}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason to believe something: where it was seen and what it said."""

    source: str  # "command", "image", "label", "name", "resources"
    detail: str


@dataclass(slots=True)
class Detection:
    """The verdict for one container or process."""

    engine: str | None
    launch: Launch
    evidence: list[Evidence] = field(default_factory=list)
    sidecar: str | None = None  # what kind of sidecar this is, when it is one

    @property
    def is_server(self) -> bool:
        return self.engine is not None and self.sidecar is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "sidecar": self.sidecar,
            "evidence": [{"source": e.source, "detail": e.detail} for e in self.evidence],
        }


def engine_of_image(image: str) -> str | None:
    repo = image.lower().split("@", 1)[0]
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo = repo[: len(repo) - len(last)] + last.split(":", 1)[0]
    return next((engine for needle, engine in _IMAGES if needle in repo), None)


def sidecar_kind(name: str, image: str) -> str | None:
    text = f"{name} {image}".lower()
    return next((what for needle, what in SIDECARS if needle in text), None)


def detect_container(container: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> Detection:
    """Engine of a pod-spec container from its command, image and the pod's labels."""
    name = str(container.get("name") or "")
    image = str(container.get("image") or "")
    launch = parse_container(container)
    evidence: list[Evidence] = []
    engine = launch.engine or None
    if launch.engine:
        evidence.append(Evidence("command", f"{launch.form} ({launch.engine})"))
    by_image = engine_of_image(image)
    overridden = not launch.engine and bool(_strings(container.get("command")))
    if by_image and overridden:
        # the command replaces the image's entrypoint and runs something we cannot read
        evidence.append(Evidence("image", f"{image} suggests {by_image}, but the command overrides the entrypoint"))
    elif by_image:
        evidence.append(Evidence("image", f"{image} looks like {by_image}"))
        engine = engine or by_image
    for key in _ENGINE_LABELS:
        value = str((labels or {}).get(key, "")).lower()
        if value in _ENGINE_WORDS:
            evidence.append(Evidence("label", f"{key}={value}"))
            engine = engine or (None if overridden else _ENGINE_WORDS[value])
    side = None if launch.engine else sidecar_kind(name, image)
    if side:
        evidence.append(Evidence("name", f"{name or image} is a {side}"))
    if launch.notes:
        evidence.extend(Evidence("command", note) for note in launch.notes)
    return Detection(engine, launch, evidence, side)


def detect_process(argv: Sequence[str], env: Mapping[str, str] | None = None) -> Detection:
    """Engine of a running process from its command line (and environment, when readable)."""
    launch = parse_argv(argv, env)
    if launch.engine:
        return Detection(launch.engine, launch, [Evidence("command", f"{launch.form} ({launch.engine})")])
    return Detection(None, launch, [Evidence("command", n) for n in launch.notes])


@dataclass(slots=True)
class PodServer:
    """The model-server container of a pod spec, and what else runs beside it."""

    container: dict[str, Any]
    detection: Detection
    sidecars: list[tuple[str, str]]  # (container name, kind)


def pick_server(pod_spec: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> PodServer | None:
    """The container that serves the model: a found launch command first, then an engine image,
    then the one with a GPU limit; sidecars and native sidecars are listed, never chosen."""
    containers = [c for c in _list(pod_spec.get("containers")) if isinstance(c, dict)]
    natives = [
        c for c in _list(pod_spec.get("initContainers")) if isinstance(c, dict) and c.get("restartPolicy") == "Always"
    ]
    sidecars: list[tuple[str, str]] = []
    scored: list[tuple[int, int, dict[str, Any], Detection]] = []
    for c in natives:
        sidecars.append((str(c.get("name")), sidecar_kind(str(c.get("name")), str(c.get("image"))) or "native sidecar"))
    for i, c in enumerate(containers):
        d = detect_container(c, labels)
        if d.sidecar:
            sidecars.append((str(c.get("name")), d.sidecar))
            continue
        score = (4 if d.launch.engine else 0) + (2 if d.engine else 0) + (1 if _has_gpu(c) else 0)
        scored.append((score, -i, c, d))
    if not scored:
        return None
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    _score, _, best, detection = scored[0]
    sidecars.extend((str(c.get("name")), "other container") for _s, _, c, _d in scored[1:])
    return PodServer(dict(best), detection, sidecars)


def _has_gpu(container: Mapping[str, Any]) -> bool:
    res = container.get("resources")
    limits = res.get("limits") if isinstance(res, dict) else None
    return isinstance(limits, dict) and any(
        k.endswith("/gpu") or k.startswith("nvidia.com/mig-") or k == "nvidia.com/gpu.shared" for k in limits
    )


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# GPU infrastructure: these pods hold or watch GPUs but serve no model (never inventory workloads).
# Images of NVIDIA's GPU Operator operands and AMD's device plugin; NFD/GFD label nodes.
GPU_INFRA_IMAGES: tuple[tuple[str, str], ...] = (
    ("k8s-device-plugin", "device plugin"),
    ("dcgm-exporter", "DCGM exporter"),
    ("/dcgm:", "DCGM host engine"),
    ("gpu-feature-discovery", "GPU Feature Discovery"),
    ("node-feature-discovery", "Node Feature Discovery"),
    ("gpu-operator", "GPU Operator"),
    ("nvidia/driver", "GPU driver"),
    ("driver-manager", "GPU driver manager"),
    ("container-toolkit", "container toolkit"),
    ("k8s-mig-manager", "MIG manager"),
    ("cuda-validator", "GPU Operator validator"),
    ("rocm/k8s-device-plugin", "device plugin"),
    ("amdgpu-dp", "device plugin"),
    ("k8s-device-plugin-amdgpu", "device plugin"),
)


def gpu_infra(pod_spec: Mapping[str, Any]) -> str | None:
    """What GPU infrastructure a pod runs (device plugin, DCGM exporter, GFD/NFD, operator), or None."""
    for c in [*_list(pod_spec.get("containers")), *_list(pod_spec.get("initContainers"))]:
        image = str(c.get("image") or "").lower() if isinstance(c, dict) else ""
        hit = next((what for needle, what in GPU_INFRA_IMAGES if needle in image), None)
        if hit:
            return f"{hit} ({image})"
    return None
