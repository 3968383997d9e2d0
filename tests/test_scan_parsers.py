"""Pure parsers of the cluster scanner: quantities, vLLM launch arguments, Prometheus text."""

from __future__ import annotations

import math

import pytest

from modelspec.scan import prom
from modelspec.scan.quantity import QuantityError, parse_quantity
from modelspec.scan.vllm_args import parse, precision_of


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", 0.5),
        ("8Gi", 8 * 2**30),
        ("1e3", 1000),
        ("100M", 1e8),
        ("1.5", 1.5),
        ("2Ki", 2048),
        (4, 4.0),
        ("250u", 0.00025),
    ],
)
def test_quantities(text: str, value: float) -> None:
    assert parse_quantity(text) == pytest.approx(value)


def test_bad_quantity() -> None:
    with pytest.raises(QuantityError):
        parse_quantity("8 GB")


def test_vllm_serve_with_short_and_underscore_flags() -> None:
    launch = parse(
        ["vllm", "serve", "org/m"],
        ["-tp=2", "--max_num_seqs", "64", "--no-enable-prefix-caching", "--served-model-name", "a", "b", "--port=9000"],
    )
    assert launch.form == "vllm serve"
    assert launch.get("model").value == "org/m"
    assert launch.get("tensor-parallel-size").value == 2
    assert launch.get("max-num-seqs").value == 64 and launch.get("max-num-seqs").source.value == "vllm-args"
    assert launch.get("served-model-name").value == ["a", "b"]
    assert launch.flags["enable-prefix-caching"] is False
    assert launch.get("pipeline-parallel-size").source.value == "default"
    assert launch.get("max-model-len").value is None and "max_position_embeddings" in launch.get("max-model-len").reason


def test_api_server_module_sh_c_and_image_entrypoint() -> None:
    assert parse(["python3", "-m", "vllm.entrypoints.openai.api_server"], ["--model", "m"]).get("model").value == "m"
    sh = parse(["/bin/sh", "-c"], ["pip install x && exec vllm serve m --max-model-len 32K -tp 4"])
    assert (
        sh.form == "vllm serve" and sh.get("max-model-len").value == 32768 and sh.get("tensor-parallel-size").value == 4
    )
    img = parse(None, ["m2", "--max-model-len=32k"], image="vllm/vllm-openai:v0.9.0")
    assert img.form == "image entrypoint" and img.get("model").value == "m2" and img.get("max-model-len").value == 32000
    assert not parse(["nginx"], [], image="nginx").is_vllm


def test_env_references_are_unknown() -> None:
    launch = parse(["vllm", "serve", "m"], ["--max-model-len", "$(MAX_LEN)", "--max-num-seqs", "${SEQS}"])
    assert launch.get("max-model-len").value is None and "MAX_LEN" in launch.get("max-model-len").reason
    assert launch.get("max-num-seqs").value is None


def test_precision_from_dtype_and_quantization() -> None:
    p = parse(["vllm", "serve", "m"], ["--dtype", "half", "--quantization", "awq"])
    assert precision_of(p.get("dtype"), p.get("quantization")) == "int4"
    p = parse(["vllm", "serve", "m"], ["--dtype", "bfloat16"])
    assert precision_of(p.get("dtype"), p.get("quantization")) == "bf16"
    p = parse(["vllm", "serve", "m"], [])
    assert precision_of(p.get("dtype"), p.get("quantization")) is None


def test_histogram_quantile_needs_two_scrapes() -> None:
    before = {0.5: 10.0, 1.0: 20.0, math.inf: 20.0}
    after = {0.5: 100.0, 1.0: 120.0, math.inf: 120.0}
    p95, n = prom.quantile_from_delta(before, after, 0.95)
    assert n == 100 and p95 == pytest.approx(0.5 + 0.5 * (95 - 90) / 10)
    assert prom.quantile_from_delta(after, after, 0.95) == (None, 0.0)


def test_prometheus_text_parsing_with_labels() -> None:
    text = (
        '# HELP x y\nvllm:kv_cache_usage_perc{model_name="m",engine="0"} 0.5\n'
        'vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="m"} 3\n'
    )
    samples = prom.parse(text)
    assert prom.first(samples, "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")[1].labels["engine"] == "0"
    assert prom.buckets(samples, "vllm:e2e_request_latency_seconds") == {math.inf: 3.0}
