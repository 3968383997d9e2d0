"""Resolver: architecture math, memory plan, candidate checks, CLI contract, hub fetch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import modelspec
from modelspec.resolve import from_hf_config, load_catalog, resolve
from modelspec.resolve.architecture import estimate_from_parameters, parameters_from_id
from modelspec.resolve.memory import BLOCK_TOKENS, plan
from modelspec.resolve.variants import STANDARD

from .conftest import EXAMPLES, ROOT, run_cli
from .fakes.hub import serve_hub

HF = ROOT / "tests/data/hf"
SIZED = EXAMPLES / "extensions/llama-3-8b-architecture.modelspec.yaml"


def cfg(name: str) -> dict[str, object]:
    return json.loads((HF / f"{name}.json").read_text())


def test_worked_check_llama_3_8b() -> None:
    arch = from_hf_config(cfg("meta-llama--Meta-Llama-3-8B"))
    assert arch.kv_bytes_per_token(tp=1, dtype_bytes=2) == 131_072
    assert arch.params().total == 8_030_261_248


@pytest.mark.parametrize(
    ("name", "published"),
    [
        ("meta-llama--Meta-Llama-3-70B", 70_553_706_496),
        ("meta-llama--Llama-2-7b-hf", 6_738_415_616),
        ("mistralai--Mistral-7B-v0.1", 7_241_732_096),
        ("mistralai--Mixtral-8x7B-v0.1", 46_702_792_704),
        ("Qwen--Qwen2-7B", 7_615_616_512),
        ("google--gemma-2-9b", 9_241_705_984),
        ("microsoft--Phi-3-mini-4k-instruct", 3_821_079_552),
        ("deepseek-ai--DeepSeek-V2-Lite", 15_706_484_224),
    ],
)
def test_parameter_counts_within_half_a_percent(name: str, published: int) -> None:
    total = from_hf_config(cfg(name)).params().total
    assert abs(total - published) / published < 0.005


def test_gqa_mla_moe_and_tp_kv_split() -> None:
    l70 = from_hf_config(cfg("meta-llama--Meta-Llama-3-70B"))
    assert l70.kv_bytes_per_token(1) == 327_680 and l70.kv_bytes_per_token(8) == 40_960
    l2 = from_hf_config(cfg("meta-llama--Llama-2-7b-hf"))
    assert l2.kv_bytes_per_token(1) == 524_288  # multi-head attention
    ds = from_hf_config(cfg("deepseek-ai--DeepSeek-V2-Lite"))
    assert ds.is_mla and ds.kv_bytes_per_token(1) == (512 + 64) * 27 * 2 == ds.kv_bytes_per_token(4)
    mx = from_hf_config(cfg("mistralai--Mixtral-8x7B-v0.1"))
    assert mx.is_moe and 12.8e9 < mx.active_parameters(1) < 13.0e9  # "12.9B active"
    q = from_hf_config(cfg("Qwen--Qwen2-7B"))
    assert q.sliding_window is None  # use_sliding_window: false
    m = from_hf_config(cfg("mistralai--Mistral-7B-v0.1"))
    assert m.kv_tokens_per_sequence(32768) == 4096


def test_parameter_count_from_id_is_an_estimate() -> None:
    assert parameters_from_id("llama-2-70b-chat") == 70_000_000_000
    assert parameters_from_id("qwen2.5-0.5b-instruct") == 500_000_000
    est = estimate_from_parameters(70_000_000_000, "id")
    assert est.estimated and abs(est.params().total - 70e9) / 70e9 < 0.001
    assert "numKeyValueHeads" in est.missing


def test_memory_plan_matches_vllm_block_math() -> None:
    arch = from_hf_config(cfg("meta-llama--Meta-Llama-3-8B"))
    gpu = load_catalog()["h100"]
    p = plan(arch, STANDARD[0], gpu, 1, 8192)
    assert p.weight_bytes == 8_030_261_248 * 2
    assert p.blocks_per_sequence == 8192 // BLOCK_TOKENS
    expected_blocks = (p.budget_bytes - p.weight_bytes - p.overhead_bytes - p.activation_bytes) // (16 * 131_072)
    assert p.num_blocks == expected_blocks
    assert p.max_concurrency == pytest.approx(p.num_blocks / 512)


def _reasons(res: modelspec.resolve.Resolution, gpu: str, variant: str, count: int) -> str:  # type: ignore[name-defined]
    for c in res.candidates:
        if (c.gpu.type, c.variant.name, c.count) == (gpu, variant, count):
            return c.reason
    raise AssertionError("candidate missing")


def test_candidates_explain_why_they_lost() -> None:
    doc = yaml.safe_load(SIZED.read_text())
    doc["spec"]["identity"]["model"].pop("variants")
    doc["spec"]["runtime"]["accelerator"].pop("memoryGb")
    res = resolve(doc, gpus=["t4", "a100-80gb", "l4"], model=cfg("meta-llama--Meta-Llama-3-70B"))
    assert "no fp8 on a100-80gb" in _reasons(res, "a100-80gb", "fp8", 1)
    assert "no bf16 on t4" in _reasons(res, "t4", "bf16", 1)
    assert "> " in _reasons(res, "l4", "bf16", 1) and "weights" in _reasons(res, "l4", "bf16", 1)
    odd = from_hf_config({**cfg("meta-llama--Meta-Llama-3-8B"), "num_attention_heads": 12, "num_key_value_heads": 4})
    res2 = resolve(doc, gpus=["h100"], model=odd)
    assert "does not divide 12 attention heads" in _reasons(res2, "h100", "bf16", 8)


def test_precision_is_a_hard_constraint() -> None:
    doc = yaml.safe_load(SIZED.read_text())
    doc["spec"]["identity"]["model"]["precision"] = "fp8"
    res = resolve(doc)
    assert res.chosen is not None and all(c.variant.precision == "fp8" for c in res.candidates)


def test_declared_batch_and_targets() -> None:
    res = resolve(EXAMPLES / "08-full-production.modelspec.yaml", gpus=["h100", "a100-80gb"],
                  model=cfg("meta-llama--Meta-Llama-3-70B"))
    assert res.chosen is not None
    assert res.chosen.max_batch == 128  # the declared maxBatchSize
    d = res.to_dict()
    assert set(d["chosen"]["targets"]) == {"concurrency", "latencyMsP95", "rps", "costPer1kTokensUsd"}
    assert res.chosen.replicas >= 2  # minReplicas 2, and 60 rps
    one = next(c for c in res.candidates if c.gpu.type == "a100-80gb" and c.count == 2)
    assert one.fits and one.meets["concurrency"] is False  # 128 × 1,280 tokens do not fit 2 × A100


def test_json_contract() -> None:
    res = resolve(SIZED, gpus=["l4", "l40s"])
    d = res.to_dict()
    chosen = d["chosen"]
    assert set(chosen) >= {"accelerator", "variant", "batch", "memory", "estimates"}
    assert set(chosen["memory"]) >= {"weightBytesTotal", "kvBytesPerTokenPerGpu", "kvCacheBytesPerGpu",
                                     "maxConcurrency", "kvTokens"}
    assert chosen["batch"]["maxSequenceLengthTokens"] == 8192
    assert d["model"]["parameterCount"] == 8_030_261_248
    assert all({"fits", "reason"} <= set(c) for c in d["candidates"])


def test_speed_budget_is_not_timed_here_but_candidate_count_is_complete() -> None:
    res = resolve(SIZED, gpus=["all"])
    variants = len(yaml.safe_load(SIZED.read_text())["spec"]["identity"]["model"]["variants"])
    nvidia = [g for g in load_catalog().values() if g.vendor == "nvidia"]
    # TP 1..per-node within a node, then whole nodes × PP 2..4
    per_gpu = sum(len([t for t in (1, 2, 4, 8, 16) if t <= g.gpus_per_node]) + 3 for g in nvidia)
    assert len(res.candidates) == per_gpu * variants


def test_cli_table_json_write(tmp_path: Path) -> None:
    proc = run_cli("resolve", str(SIZED), "--gpus", "l4,l40s,h100")
    assert proc.returncode == 0, proc.stderr
    assert "chosen:" in proc.stdout and "verdict" in proc.stdout
    proc = run_cli("resolve", str(SIZED), "--format", "json", "--gpus", "l4")
    assert json.loads(proc.stdout)["chosen"]["accelerator"]["type"] == "l4"
    out = tmp_path / "resolved.yaml"
    proc = run_cli("resolve", str(SIZED), "--gpus", "l40s", "--objective", "latency", "--write", str(out))
    assert proc.returncode == 0
    written = modelspec.load(out)
    assert written.spec.runtime.accelerator.type == "l40s"
    assert written.spec.runtime.batch is not None and written.spec.runtime.batch.max_batch_size
    assert written.spec.identity.model.precision
    assert written.spec.identity.model.architecture == modelspec.load(SIZED).spec.identity.model.architecture
    assert modelspec.validate(out).valid


def test_cli_nothing_fits_exit_1_and_bad_input_exit_2(tmp_path: Path) -> None:
    proc = run_cli("resolve", str(EXAMPLES / "08-full-production.modelspec.yaml"), "--gpus", "t4", "--max-gpus", "1")
    assert proc.returncode == 1 and "no candidate fits" in proc.stdout
    assert run_cli("resolve", str(SIZED), "--gpus", "h1000").returncode == 2
    bad = tmp_path / "config.json"
    bad.write_text("{broken")
    proc = run_cli("resolve", str(SIZED), "--model-config", str(bad))
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("resolve", str(SIZED), "--model-config", str(tmp_path / "missing.json"))
    assert proc.returncode == 2 and "cannot read model config" in proc.stderr
    incomplete = tmp_path / "c.json"
    incomplete.write_text('{"model_type": "llama"}')
    assert "missing num_hidden_layers" in run_cli("resolve", str(SIZED), "--model-config", str(incomplete)).stderr
    assert run_cli("resolve", str(ROOT / "tests/data/invalid/count-zero.yaml")).returncode == 2


def test_user_catalog_overrides_and_extends(tmp_path: Path) -> None:
    f = tmp_path / "gpus.yaml"
    f.write_text("- {type: l4, price_per_hour: 0.10}\n"
                 "- {type: rtx-3090, vendor: nvidia, name: RTX 3090, memory_gb: 24, usable_gib: 23.58,"
                 " bandwidth_gbs: 936, fp16_tflops: 71, bf16_tflops: 71, interconnect: pcie, interconnect_gbs: 32,"
                 " gpus_per_node: 4, price_per_hour: 0.3}\n")
    cat = load_catalog(f)
    assert cat["l4"].price_per_hour == 0.10 and cat["l4"].usable_gib == 22.0 and "rtx-3090" in cat
    proc = run_cli("gpus", "--catalog", str(f))
    assert proc.returncode == 0 and "rtx-3090" in proc.stdout
    f.write_text("- {type: x1, vendor: nvidia}\n")
    proc = run_cli("gpus", "--catalog", str(f))
    assert proc.returncode == 2 and "lacks" in proc.stderr


def test_gpus_lists_catalog() -> None:
    proc = run_cli("gpus")
    for t in ("a10", "a10g", "l4", "l40s", "a100-40gb", "a100-80gb", "h100", "h100-pcie", "h100-nvl", "h200",
              "b200", "mi300x", "t4", "v100-16gb"):
        assert f"\n{t} " in proc.stdout


def _env(server_port: int, token: str | None) -> dict[str, str]:
    env = dict(os.environ, HF_ENDPOINT=f"http://127.0.0.1:{server_port}", PYTHONIOENCODING="utf-8")
    env.pop("HF_TOKEN", None)
    if token:
        env["HF_TOKEN"] = token
    return env


def test_hf_uri_fetched_from_loopback_hub() -> None:
    with serve_hub() as hub:
        port = hub.server_address[1]
        cmd = [sys.executable, "-m", "modelspec", "resolve", str(SIZED), "--format", "json", "--gpus", "h100"]
        ok = subprocess.run([*cmd, "--model-config", "hf://meta-llama/Meta-Llama-3-70B@abc123"], capture_output=True,
                            text=True, env=_env(port, None), cwd=ROOT)
        assert ok.returncode == 0, ok.stderr
        assert json.loads(ok.stdout)["model"]["parameterCount"] == 70_553_706_496
        assert hub.requests[-1][0] == "/meta-llama/Meta-Llama-3-70B/resolve/abc123/config.json"
        denied = subprocess.run([*cmd, "--model-config", "hf://gated/model"], capture_output=True, text=True,
                                env=_env(port, None), cwd=ROOT)
        assert denied.returncode == 2 and "set HF_TOKEN" in denied.stderr
        allowed = subprocess.run([*cmd, "--model-config", "hf://gated/model"], capture_output=True, text=True,
                                 env=_env(port, "good-token"), cwd=ROOT)
        assert allowed.returncode == 0 and hub.requests[-1][1] == "Bearer good-token"
        missing = subprocess.run([*cmd, "--model-config", "hf://nobody/nothing"], capture_output=True, text=True,
                                 env=_env(port, None), cwd=ROOT)
        assert missing.returncode == 2 and "404" in missing.stderr
        broken = subprocess.run([*cmd, "--model-config", "hf://broken/json"], capture_output=True, text=True,
                                env=_env(port, None), cwd=ROOT)
        assert broken.returncode == 2 and "not valid JSON" in broken.stderr
    down = subprocess.run([*cmd, "--model-config", "hf://meta-llama/Meta-Llama-3-8B"], capture_output=True, text=True,
                          env=_env(port, None), cwd=ROOT)
    assert down.returncode == 2 and "cannot reach" in down.stderr


def test_validator_capacity_rule() -> None:
    doc = yaml.safe_load((EXAMPLES / "08-full-production.modelspec.yaml").read_text())
    doc["spec"].pop("pipeline")
    doc["spec"]["runtime"]["accelerator"].update(type="a10", count=4)
    findings = modelspec.validate(doc).files[0].findings
    f = next(f for f in findings if f.rule == "MS224")
    assert "weights 140.0 GB bf16" in f.message and "4 × 22.1 GiB usable on a10" in f.message
