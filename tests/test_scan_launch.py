"""The one launch parser (scan/launch.py) and engine detection (scan/detect.py).

Command lines are those of public manifests and docs (source in each case's comment); properties
are checked with generated scripts and arguments (hypothesis).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelspec.scan.detect import detect_container, detect_process, pick_server
from modelspec.scan.launch import parse, parse_argv, parse_container
from modelspec.scan.shell import expand_k8s, split_commands

SECRET = "hf_FixtureSecretValue0123456789abcdefXYZ"


def value(launch: Any, name: str) -> Any:
    return launch.get(name).value


def test_shell_script_finds_the_server_not_the_first_mention() -> None:
    # vLLM LWS recipe (docs/deployment/frameworks/lws.md): Ray bootstrap first, then the server
    script = (
        "bash /vllm-workspace/examples/online_serving/multi-node-serving.sh leader "
        "--ray_cluster_size=$(LWS_GROUP_SIZE); python3 -m vllm.entrypoints.openai.api_server --port 8080 "
        "--model meta-llama/Meta-Llama-3.1-405B-Instruct --tensor-parallel-size 8 --pipeline_parallel_size 2"
    )
    launch = parse(["/bin/sh", "-c"], [script])
    assert (launch.engine, launch.form) == ("vllm", "api_server")
    assert (value(launch, "gpus"), value(launch, "port")) == (16, 8080)
    decoy = parse(
        ["bash", "-c"], ["pip install vllm==0.9 && echo 'vllm serve soon' || true\nexec vllm serve real/m -tp 2"]
    )
    assert value(decoy, "model") == "real/m" and value(decoy, "tensor-parallel-size") == 2


def test_assignments_exec_env_and_continuations() -> None:
    launch = parse(
        ["sh", "-c"],
        [
            f"set -e\nMODEL=org/x HF_TOKEN={SECRET} exec env VLLM_LOGGING_LEVEL=INFO \\\n"
            " vllm serve $MODEL --max-model-len 8k"
        ],
    )
    assert value(launch, "model") == "org/x" and value(launch, "max-model-len") == 8000
    assert SECRET not in repr(launch.to_dict()) and SECRET not in " ".join(launch.argv)


def test_kubernetes_var_expansion_only_from_literal_env() -> None:
    container = {
        "command": ["vllm", "serve", "$(MODEL_ID)"],
        "args": ["--max-model-len=$(LEN)", "--api-key", "$(KEY)", "--port=$$(NOT_EXPANDED)"],
        "env": [
            {"name": "MODEL_ID", "value": "google/gemma-3-12b-it"},
            {"name": "LEN", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "len"}}},
            {"name": "KEY", "value": "sk-" + "a" * 40},
        ],
    }
    launch = parse_container(container)
    assert value(launch, "model") == "google/gemma-3-12b-it"
    assert value(launch, "max-model-len") is None and "LEN" in (launch.get("max-model-len").reason or "")
    assert launch.flags["api-key"] == "<redacted>" and "sk-aaaa" not in repr(launch.to_dict())
    assert expand_k8s("$$(X) $(Y)", {"X": "1", "Y": "2"}) == "$(X) 2"


@pytest.mark.parametrize(
    ("command", "args", "image", "env", "engine", "expected"),
    [
        # SGLang docker/k8s-sglang-service.yaml
        (
            ["python3", "-m", "sglang.launch_server"],
            ["--model-path", "m", "--tp", "2", "--dp", "2", "--port", "30000"],
            "lmsysorg/sglang:latest",
            None,
            "sglang",
            {"gpus": 4, "port": 30000, "model": "m"},
        ),
        # TGI on GKE: everything through env (MODEL_ID, NUM_SHARD, MAX_TOTAL_TOKENS, PORT)
        (
            None,
            None,
            "us-docker.pkg.dev/x/gcr.io/huggingface-text-generation-inference-cu124.2-3",
            [
                {"name": "MODEL_ID", "value": "meta-llama/Meta-Llama-3-8B-Instruct"},
                {"name": "NUM_SHARD", "value": "1"},
                {"name": "MAX_TOTAL_TOKENS", "value": "8192"},
                {"name": "PORT", "value": "8080"},
            ],
            "tgi",
            {"model": "meta-llama/Meta-Llama-3-8B-Instruct", "max-model-len": 8192, "port": 8080, "gpus": 1},
        ),
        (
            ["text-generation-launcher"],
            ["--model-id", "bigcode/starcoder", "--num-shard", "4", "--quantize", "awq"],
            "",
            None,
            "tgi",
            {"gpus": 4, "quantization": "awq", "port": 3000},
        ),
        # llama.cpp docs/docker.md server image: args only; ctx-size shared by the slots
        (
            None,
            ["-m", "/models/7B/q4.gguf", "-c", "8192", "-np", "4", "--port", "8080", "--host", "0.0.0.0"],
            "ghcr.io/ggml-org/llama.cpp:server-cuda",
            None,
            "llama.cpp",
            {"max-model-len": 2048, "max-num-seqs": 4},
        ),
        # Triton + TRT-LLM backend under mpirun; trtllm-serve
        (
            ["mpirun", "--allow-run-as-root", "-n", "2", "tritonserver"],
            ["--model-repository=/models", "--http-port=9000"],
            "nvcr.io/nvidia/tritonserver:24.07-trtllm-python-py3",
            None,
            "triton",
            {"port": 9000, "model": "/models"},
        ),
        (
            ["trtllm-serve", "meta-llama/Llama-3.1-8B"],
            ["--tp_size", "2", "--pp_size", "2", "--max_seq_len", "4096"],
            "",
            None,
            "tensorrt-llm",
            {"gpus": 4, "max-model-len": 4096, "port": 8000},
        ),
        # Ollama image: entrypoint /bin/ollama, cmd serve; OLLAMA_HOST sets the port
        (
            None,
            None,
            "ollama/ollama:0.5.7",
            [{"name": "OLLAMA_HOST", "value": "0.0.0.0:11435"}],
            "ollama",
            {"port": 11435},
        ),
        # KAITO preset and KServe huggingfaceserver
        (
            [
                "/bin/sh",
                "-c",
                "python3 /workspace/vllm/inference_api.py --tensor-parallel-size=2 --served-model-name=phi",
            ],
            None,
            "mcr.microsoft.com/aks/kaito/kaito-base:0.1",
            None,
            "vllm",
            {"tensor-parallel-size": 2},
        ),
        (
            None,
            [
                "--model_name=llama3",
                "--model_id=meta-llama/Meta-Llama-3-8B-Instruct",
                "--model_dir=/mnt/models",
                "--backend=vllm",
                "--max-model-len=8192",
            ],
            "kserve/huggingfaceserver:v0.15.0",
            None,
            "vllm",
            {"model": "meta-llama/Meta-Llama-3-8B-Instruct", "served-model-name": ["llama3"], "port": 8080},
        ),
    ],
)
def test_engines(
    command: list[str] | None, args: list[str] | None, image: str, env: Any, engine: str, expected: dict[str, Any]
) -> None:
    launch = parse_container({"command": command, "args": args, "image": image, "env": env})
    assert launch.engine == engine
    assert {k: value(launch, k) for k in expected} == expected


def test_config_file_makes_absent_flags_unknown_not_default() -> None:
    launch = parse(["vllm", "serve", "--config", "/etc/vllm/recipe.yaml"], ["--port", "8001"])
    assert value(launch, "port") == 8001
    for name in ("max-model-len", "max-num-seqs", "tensor-parallel-size", "gpus"):
        fact = launch.get(name)
        assert fact.value is None and "config" in (fact.reason or ""), name


def test_auto_and_garbage_values_are_unknown() -> None:
    launch = parse(["vllm", "serve", "m"], ["--max-model-len", "auto", "--max-num-seqs", "lots", "-tp"])
    assert value(launch, "max-model-len") is None and "auto" in (launch.get("max-model-len").reason or "")
    assert value(launch, "max-num-seqs") is None and value(launch, "tensor-parallel-size") is None


def test_process_argv_forms() -> None:
    console = parse_argv(["/opt/venv/bin/python3", "/opt/venv/bin/vllm", "serve", "org/m", "--port", "9000"])
    assert (console.form, value(console, "port")) == ("vllm serve", 9000)
    module = parse_argv(["python", "-u", "-m", "sglang.launch_server", "--model", "m", "--tp-size", "8"])
    assert (module.engine, value(module, "gpus")) == ("sglang", 8)
    assert not parse_argv(["python3", "-c", "import vllm"]).is_server
    assert detect_process(["llama-server", "-hf", "org/x:Q4_K_M"]).engine == "llama.cpp"


def test_detection_sidecars_and_overridden_entrypoint() -> None:
    # llm-d decode pod: routing proxy as a native sidecar, vLLM as the container
    pod_spec = {
        "initContainers": [
            {
                "name": "routing-proxy",
                "image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.2",
                "restartPolicy": "Always",
                "args": ["--port=8000", "--vllm-port=8200"],
            }
        ],
        "containers": [
            {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.22"},
            {
                "name": "vllm",
                "image": "ghcr.io/llm-d/llm-d:v0.2",
                "command": ["vllm", "serve"],
                "args": ["m"],
                "resources": {"limits": {"nvidia.com/gpu": "1"}},
            },
        ],
    }
    server = pick_server(pod_spec)
    assert server is not None and server.container["name"] == "vllm"
    assert {kind for _, kind in server.sidecars} == {"llm-d routing proxy", "Istio proxy"}
    # a vLLM image whose command runs a script from a ConfigMap: not claimed as vLLM
    script = detect_container({"image": "rocm/vllm-dev:2025", "command": ["sh", "-c"], "args": ["bash /mnt/run.sh"]})
    assert script.engine is None and any("overrides" in e.detail for e in script.evidence)


_WORD = st.text(alphabet="abcdefgXYZ-_=./$(){}'\"\\;&|#\n 0123456789", max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORD, max_size=12), st.lists(_WORD, max_size=12), _WORD)
def test_parser_never_raises_on_any_input(command: list[str], args: list[str], image: str) -> None:
    launch = parse_container({"command": command, "args": args, "image": image, "env": [{"name": "A", "value": "x"}]})
    launch.to_dict()
    for name in ("model", "port", "gpus", "max-model-len"):
        launch.get(name)
    split_commands(" ".join(args))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["vllm", "serve", "m", "--port", "1", "&&", ";", "exec", "-tp", "2", "x=1"]), max_size=10),
    st.sampled_from(["--api-key", "--hf-token", "TOKEN", "--password"]),
)
def test_secrets_never_reach_the_result(words: list[str], flag: str) -> None:
    script = " ".join([*words, f"{flag}={SECRET}", "vllm", "serve", "m"])
    for launch in (parse(["sh", "-c", script]), parse(["vllm", "serve", "m", flag, SECRET])):
        assert (
            SECRET not in repr(launch.to_dict())
            and SECRET not in repr(launch.flags)
            and SECRET not in repr(launch.argv)
        )
