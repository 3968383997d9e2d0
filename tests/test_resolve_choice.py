"""Resolver choice (issue 11): filters, demand, cost/latency/throughput, multi-node, replicas,
the declared row, vllmArgs, --limit, --max-model-len, --vendor, the JSON schema and --write."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from modelspec.report.resolution_schema import SCHEMA_FILE, render
from modelspec.resolve import resolve
from modelspec.resolve.engine import ResolveError, spec_with_resolution
from modelspec.scan.vllm_args import parse as parse_launch
from modelspec.spec.engine_flags import VLLM_FLAGS

from .conftest import EXAMPLES, ROOT, run_cli
from .fakes.hub import serve_hub

HF = ROOT / "tests/data/hf"
SCHEMA = json.loads((ROOT / SCHEMA_FILE).read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def cfg(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HF / f"{name}.json").read_text())
    return data


def spec(model_id: str, gpu: str, count: int, max_len: int, *, precision: str | None = None, vendor: str = "nvidia",
         alternatives: list[str] | None = None, operations: dict[str, Any] | None = None,
         batch: int | None = None) -> dict[str, Any]:
    acc: dict[str, Any] = {"vendor": vendor, "type": gpu, "count": count}
    if alternatives:
        acc["alternatives"] = alternatives
    doc: dict[str, Any] = {
        "apiVersion": "piqc.ai/v1alpha1", "kind": "ModelSpec", "metadata": {"name": "t"},
        "spec": {"identity": {"model": {"id": model_id, "family": "f", "task": "chat", "framework": "vllm"}},
                 "runtime": {"accelerator": acc, "batch": {"maxSequenceLengthTokens": max_len}}},
    }
    if precision:
        doc["spec"]["identity"]["model"]["precision"] = precision
    if operations:
        doc["spec"]["operations"] = operations
    if batch:
        doc["spec"]["runtime"]["batch"]["maxBatchSize"] = batch
    return doc


L8 = "meta-llama--Meta-Llama-3-8B"
Q72 = "Qwen--Qwen2.5-72B-Instruct"
L405 = "meta-llama--Llama-3.1-405B-Instruct"
DSV3 = "deepseek-ai--DeepSeek-V3"


def test_8b_8k_on_l4_is_one_gpu_not_eight() -> None:
    res = resolve(spec("llama-3-8b", "l4", 1, 8192, alternatives=["a10g", "l40s"]), model=cfg(L8))
    c = res.chosen
    assert c is not None and (c.gpu.type, c.count, c.replicas) == ("l4", 1, 1)
    assert {x.gpu.type for x in res.candidates} == {"l4", "a10g", "l40s"}  # type + alternatives only


def test_72b_bf16_on_h100_is_four() -> None:
    res = resolve(spec("qwen2.5-72b", "h100", 8, 8192, precision="bf16"), model=cfg(Q72))
    assert res.chosen is not None and res.chosen.count == 4 and res.chosen.parallelism.tensor == 4


def test_405b_bf16_on_h100_is_two_nodes_of_eight() -> None:
    res = resolve(spec("llama-3.1-405b", "h100", 16, 8192, precision="bf16"), model=cfg(L405))
    c = res.chosen
    assert c is not None and c.nodes == 2 and c.parallelism.tensor == 8 and c.parallelism.pipeline == 2
    args = res.to_dict()["chosen"]["vllmArgs"]
    assert args[args.index("--tensor-parallel-size") + 1] == "8"
    assert args[args.index("--pipeline-parallel-size") + 1] == "2"
    single = [x for x in res.candidates if x.parallelism.pipeline == 1]
    assert single and not any(x.fits for x in single)  # 810 GB of weights fit no 8 × 80 GB node


def test_deepseek_v3_fp8_on_h100_is_multi_node() -> None:
    res = resolve(spec("deepseek-v3", "h100", 16, 16384, precision="fp8"), model=cfg(DSV3))
    c = res.chosen
    assert c is not None and c.nodes >= 2 and c.parallelism.tensor == 8 and c.variant.precision == "fp8"
    # MLA: one (512 + 64)-wide latent per layer, not split by TP; a stage holds 30 or 31 of the 61 layers
    assert c.memory is not None and c.memory.kv_bytes_per_token in ((512 + 64) * 2 * 31, (512 + 64) * 2 * 30)


def test_vendor_is_honoured_and_write_never_switches_to_amd(tmp_path: Path) -> None:
    doc = spec("llama-3-8b", "h100", 1, 8192)
    res = resolve(doc, model=cfg(L8), gpus=["all"])
    assert res.chosen is not None and all(c.gpu.vendor == "nvidia" for c in res.candidates)
    assert "mi300x" not in {c.gpu.type for c in res.candidates}
    with pytest.raises(ResolveError, match="not nvidia"):
        resolve(doc, model=cfg(L8), gpus=["mi300x"])
    amd = resolve(doc, model=cfg(L8), gpus=["mi300x"], vendor="amd")
    assert amd.chosen is not None and amd.chosen.gpu.vendor == "amd"
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(doc))
    cfg_file = tmp_path / "config.json"
    cfg_file.write_text(json.dumps(cfg(L8)))
    proc = run_cli("resolve", str(f), "--model-config", str(cfg_file), "--gpus", "all", "--write", str(f))
    assert proc.returncode == 0, proc.stderr
    written = yaml.safe_load(f.read_text())["spec"]["runtime"]["accelerator"]
    assert written["vendor"] == "nvidia" and written["type"] != "mi300x"
    proc = run_cli("resolve", str(f), "--model-config", str(cfg_file), "--gpus", "all", "--vendor", "amd",
                   "--format", "json")
    assert json.loads(proc.stdout)["chosen"]["accelerator"]["vendor"] == "amd"


def test_target_rps_forces_replicas_and_max_replicas_caps_them() -> None:
    ops = {"scaling": {"targetRps": 40}}
    res = resolve(spec("llama-3-8b", "l4", 1, 4096, operations=ops), model=cfg(L8))
    c = res.chosen
    assert c is not None and c.estimate is not None and c.replicas > 1
    assert c.replicas * c.estimate.requests_per_s >= 40 > (c.replicas - 1) * c.estimate.requests_per_s
    assert c.price_per_hour == pytest.approx(c.gpu.price_per_hour * c.count * c.replicas)
    capped = resolve(spec("llama-3-8b", "l4", 1, 4096, operations={"scaling": {"targetRps": 40, "maxReplicas": 1}}),
                     model=cfg(L8))
    assert all(x.meets.get("rps") is False for x in capped.candidates if x.fits and x.count == 1)


def test_concurrency_demand_buys_memory() -> None:
    light = resolve(spec("llama-3-8b", "l4", 1, 8192), model=cfg(L8)).chosen
    heavy = resolve(spec("llama-3-8b", "l4", 1, 8192, batch=200), model=cfg(L8)).chosen
    assert light is not None and heavy is not None
    assert heavy.meets["concurrency"] and heavy.price_per_hour > light.price_per_hour


def test_objectives_rank_differently() -> None:
    doc = spec("llama-3-8b", "l4", 1, 8192, alternatives=["h100", "l40s"])
    cost = resolve(doc, model=cfg(L8), objective="cost").chosen
    fast = resolve(doc, model=cfg(L8), objective="latency").chosen
    assert cost is not None and fast is not None and cost.gpu.type == "l4"
    assert fast.estimate is not None and cost.estimate is not None
    assert fast.estimate.request_ms < cost.estimate.request_ms


def test_declared_configuration_row() -> None:
    res = resolve(spec("qwen2.5-72b", "h100", 1, 8192, precision="bf16"), model=cfg(Q72))
    d = res.to_dict()["declared"]
    assert d["fits"] is False and "weights" in d["reason"] and d["accelerator"] == {
        "type": "h100", "vendor": "nvidia", "count": 1}
    ok = resolve(spec("qwen2.5-72b", "h100", 4, 8192, precision="bf16"), model=cfg(Q72)).to_dict()["declared"]
    assert ok["fits"] is True and ok["parallelism"]["tensor"] == 4
    odd = resolve(spec("qwen2.5-72b", "h100", 12, 8192, precision="bf16"), model=cfg(Q72)).to_dict()["declared"]
    assert odd["fits"] is False and "whole nodes" in odd["reason"]
    table = run_cli("resolve", str(EXAMPLES / "08-full-production.modelspec.yaml"), "--model-config",
                    str(HF / "meta-llama--Meta-Llama-3-70B.json"))
    assert "\n* h100" in table.stdout and "the configuration the spec declares" in table.stdout


def test_vllm_args_use_the_shared_vocabulary_and_parse_back() -> None:
    res = resolve(spec("llama-3.1-405b", "h100", 16, 8192, precision="fp8"), model=cfg(L405),
                  kv_cache_dtype="fp8")
    chosen = res.to_dict()["chosen"]
    args = chosen["vllmArgs"]
    names = [a[2:] for a in args if a.startswith("--")]
    assert set(names) <= set(VLLM_FLAGS)
    launch = parse_launch(["vllm", "serve", "meta-llama/Llama-3.1-405B-Instruct", *args], None)
    assert launch.flags["tensor-parallel-size"] == str(chosen["parallelism"]["tensor"])
    assert launch.flags["max-model-len"] == "8192" and launch.flags["kv-cache-dtype"] == "fp8"
    assert launch.flags["quantization"] == "fp8"
    assert launch.flags["max-num-seqs"] == str(chosen["batch"]["maxBatchSize"])


def test_kv_cache_fp8_doubles_kv_tokens() -> None:
    doc = spec("llama-3-8b", "h100", 1, 8192, precision="bf16")
    a = resolve(doc, model=cfg(L8)).chosen
    b = resolve(doc, model=cfg(L8), kv_cache_dtype="fp8").chosen
    assert a is not None and b is not None and a.memory is not None and b.memory is not None
    assert b.memory.kv_tokens == pytest.approx(2 * a.memory.kv_tokens, rel=0.01)


def test_max_model_len_limit_and_json_schema(tmp_path: Path) -> None:
    sized = str(EXAMPLES / "extensions/llama-3-8b-architecture.modelspec.yaml")
    proc = run_cli("resolve", sized, "--max-model-len", "4096", "--format", "json", "--limit", "3", "--gpus", "all")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    VALIDATOR.validate(out)
    assert out["chosen"]["batch"]["maxSequenceLengthTokens"] == 4096
    assert "4096" in out["chosen"]["vllmArgs"] and len(out["candidates"]) == 3 and out["candidatesTotal"] > 3
    table = run_cli("resolve", sized, "--limit", "4", "--gpus", "all")
    body = table.stdout.split("\n-----")[1].split("\n* =")[0].split("\nnote:")[0]
    assert len([ln for ln in body.splitlines()[1:] if ln.strip()]) <= 4
    yaml_out = run_cli("resolve", sized, "--format", "yaml", "--gpus", "t4", "--max-gpus", "1")
    VALIDATOR.validate(yaml.safe_load(yaml_out.stdout))


def test_schema_is_generated_and_every_output_shape_validates() -> None:
    assert (ROOT / SCHEMA_FILE).read_text() == render(), "run python tooling/generate.py"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    outputs = [
        resolve(spec("llama-3.1-405b", "h100", 16, 8192, precision="bf16"), model=cfg(L405)),
        resolve(spec("llama-3-8b", "t4", 1, 8192, precision="bf16"), model=cfg(L8)),  # nothing fits
        resolve(spec("llama-3-8b", "x9", 3, 8192, alternatives=["l4"]), model=cfg(L8)),  # declared type unknown
        resolve(EXAMPLES / "08-full-production.modelspec.yaml", model=cfg("meta-llama--Meta-Llama-3-70B")),
    ]
    for res in outputs:
        VALIDATOR.validate(json.loads(json.dumps(res.to_dict())))
    assert outputs[1].chosen is None and outputs[2].to_dict()["declared"]["fits"] is False


def test_hf_uri_format_is_checked_before_any_request() -> None:
    sized = str(EXAMPLES / "extensions/llama-3-8b-architecture.modelspec.yaml")
    with serve_hub() as hub:
        env_port = hub.server_address[1]
        import os

        env = dict(os.environ, HF_ENDPOINT=f"http://127.0.0.1:{env_port}", PYTHONIOENCODING="utf-8")
        for bad in ("hf://", "hf://a/b/c", "hf://../etc", "hf://org/model@", "hf://org/mo del", "hf://org//model",
                    "hf://org/model?x=1", "hf://-org/model", "hf://org/model@rev with space"):
            proc = subprocess.run([sys.executable, "-m", "modelspec", "resolve", sized, "--model-config", bad],
                                  capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
            assert proc.returncode == 2 and "not an hf:// model URI" in proc.stderr, (bad, proc.stderr)
            assert "Traceback" not in proc.stderr
        assert hub.requests == []


def test_write_keeps_comments_order_and_numbers(tmp_path: Path) -> None:
    src = (EXAMPLES / "extensions/llama-3-8b-architecture.modelspec.yaml").read_text()
    src = src.replace("      memoryGb: 22\n", "      memoryGb: 22.0   # keep me\n")
    f = tmp_path / "s.modelspec.yaml"
    f.write_text(src)
    proc = run_cli("resolve", str(f), "--write", str(f))
    assert proc.returncode == 0, proc.stderr
    out = f.read_text()
    assert out.startswith(src.split("\n", 1)[0] + "\n")  # first line (the modeline) and comments kept
    assert "# Extension: the architecture block" in out
    assert "memoryGb: 22.0   # keep me" in out and "parameterCount: 8030261248" in out
    keys = [ln.strip().split(":")[0] for ln in out.splitlines() if ln.startswith("  ") and not ln.startswith("   ")]
    assert keys == ["name", "identity", "runtime"]  # metadata.name, then spec's keys, in the file's order
    assert "      alternatives: [a10g, l40s]" in out  # flow style kept
    assert "maxBatchSize:" in out


def test_write_json_spec_and_spec_with_resolution(tmp_path: Path) -> None:
    f = tmp_path / "s.json"
    f.write_text(json.dumps(spec("llama-3-8b", "l4", 1, 8192), indent=2))
    cfg_file = tmp_path / "config.json"
    cfg_file.write_text(json.dumps(cfg(L8)))
    proc = run_cli("resolve", str(f), "--model-config", str(cfg_file), "--write", str(f))
    assert proc.returncode == 0, proc.stderr
    written = json.loads(f.read_text())
    assert written["spec"]["runtime"]["accelerator"]["count"] == 1
    assert list(written) == ["apiVersion", "kind", "metadata", "spec"]
    res = resolve(spec("llama-3-8b", "l4", 1, 8192), model=cfg(L8))
    assert spec_with_resolution(spec("llama-3-8b", "l4", 1, 8192), res)["spec"]["runtime"]["batch"]["maxBatchSize"]


def test_write_multi_document_spec_updates_the_first_and_keeps_the_rest(tmp_path: Path) -> None:
    one = (EXAMPLES / "extensions/llama-3-8b-architecture.modelspec.yaml").read_text()
    second = one.replace("llama-3-8b-sized", "second-doc")
    f = tmp_path / "multi.yaml"
    f.write_text(one + "---\n" + second)
    proc = run_cli("resolve", str(f), "--write", str(f))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    first_out, second_out = f.read_text().split("\n---\n")
    assert "maxBatchSize:" in first_out and second_out.strip() == second.strip()


def test_engine_version_changes_the_accounting_and_bad_versions_exit_2() -> None:
    doc = spec("llama-3-8b", "h100", 1, 8192, precision="bf16")
    old = resolve(doc, model=cfg(L8), engine_version="0.6.6").chosen  # V0: 256 seqs, profile = max_model_len tokens
    new = resolve(doc, model=cfg(L8), engine_version="0.20.0").chosen  # util 0.92, CUDA graphs charged
    assert old is not None and new is not None and old.memory is not None and new.memory is not None
    assert (old.memory.max_num_seqs, new.memory.max_num_seqs) == (256, 1024)
    assert new.memory.gpu_memory_utilization == 0.92 and old.memory.gpu_memory_utilization == 0.90
    for bad in ("banana", "0.2.4", "7"):
        with pytest.raises(ResolveError):
            resolve(doc, model=cfg(L8), engine_version=bad)
    proc = run_cli("resolve", str(EXAMPLES / "extensions/llama-3-8b-architecture.modelspec.yaml"),
                   "--engine-version", "x.y")
    assert proc.returncode == 2 and "engine version" in proc.stderr
