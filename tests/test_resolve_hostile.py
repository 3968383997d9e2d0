"""Hostile input for the resolver (issue 13): config.json and catalog values, spec values, slow
hubs, special files and failed writes. Contract: exit 2 with one line naming the field, bounded
time, never a traceback, never a confident answer from negative sizes, never a lost input file."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelspec.errors import ModelSpecError
from modelspec.report.spec_write import WriteError, atomic_write, write_resolved
from modelspec.resolve import ArchitectureError, CatalogError, from_hf_config, load_catalog, resolve
from modelspec.resolve.engine import ResolveError, parse_config_bytes
from modelspec.resolve.hub import fetch_config
from modelspec.resolve.memory import plan
from modelspec.resolve.variants import STANDARD

from .conftest import EXAMPLES, ROOT, run_cli
from .fakes.hub import serve_hub

HF = ROOT / "tests/data/hf"
BASE: dict[str, Any] = json.loads((HF / "meta-llama--Meta-Llama-3-8B.json").read_text())
SIZED = EXAMPLES / "extensions/llama-3-8b-architecture.modelspec.yaml"
REQUIRED = ("num_hidden_layers", "hidden_size", "num_attention_heads", "vocab_size")
OPTIONAL = ("num_key_value_heads", "head_dim", "intermediate_size", "max_position_embeddings", "sliding_window")
HOSTILE: list[Any] = [-1, -4096, float("nan"), float("inf"), -float("inf"), "4096", 3.5, True, [], {"a": 1},
                      10**30, 1e300, 2**63]


@pytest.mark.parametrize("field", REQUIRED + OPTIONAL)
@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_config_values_are_refused_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(ArchitectureError, match=f"`{field}`"):
        from_hf_config({**BASE, field: value})


@pytest.mark.parametrize("field", REQUIRED)
def test_zero_and_null_required_values(field: str) -> None:
    with pytest.raises(ArchitectureError, match=field):
        from_hf_config({**BASE, field: 0})
    with pytest.raises(ArchitectureError, match=f"missing {field}"):
        from_hf_config({**BASE, field: None})


def test_null_optional_values_mean_absent() -> None:
    arch = from_hf_config({**BASE, "sliding_window": None, "head_dim": None, "num_key_value_heads": None})
    assert arch.sliding_window is None and arch.head_dim == 128
    assert arch.num_kv_heads == BASE["num_attention_heads"]


def test_inconsistent_values_are_refused() -> None:
    with pytest.raises(ArchitectureError, match="num_key_value_heads"):
        from_hf_config({**BASE, "num_key_value_heads": 64})
    with pytest.raises(ArchitectureError, match="hidden_size"):
        from_hf_config({**BASE, "hidden_size": 8, "num_attention_heads": 32})
    with pytest.raises(ArchitectureError, match="num_experts_per_tok"):
        from_hf_config({**BASE, "num_local_experts": 8, "num_experts_per_tok": 9})
    with pytest.raises(ArchitectureError, match="nests deeper"):
        from_hf_config({**BASE, "x": json.loads("[" * 40 + "]" * 40)})


def test_config_bytes_json_semantics() -> None:
    for bad in (b'{"hidden_size": NaN}', b'{"hidden_size": Infinity}', b'{"hidden_size": -Infinity}'):
        with pytest.raises(ArchitectureError, match="not valid JSON"):
            parse_config_bytes(bad, "c.json")
    with pytest.raises(ArchitectureError, match=r"nests too deeply|not valid JSON"):
        parse_config_bytes(b"[" * 200_000 + b"]" * 200_000, "c.json")
    with pytest.raises(ArchitectureError, match="not a JSON object"):
        parse_config_bytes(b"[1, 2]", "c.json")


_value = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True, allow_infinity=True),
                   st.text(max_size=5), st.none(), st.booleans(), st.lists(st.integers(), max_size=2))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(REQUIRED + OPTIONAL + ("num_local_experts", "num_experts_per_tok",
                                                               "kv_lora_rank", "layer_types", "model_type")),
                       _value, max_size=4))
def test_any_mutated_config_is_refused_or_sized_sanely(mutation: dict[str, Any]) -> None:
    try:
        arch = from_hf_config({**BASE, **mutation})
    except ArchitectureError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 300
        return
    gpu = load_catalog()["h100"]
    p = plan(arch, STANDARD[0], gpu, 1, 4096)
    assert p.num_blocks >= 0 and p.kv_tokens >= 0 and p.weight_bytes > 0 and math.isfinite(p.max_concurrency)
    assert not (p.kv_cache_bytes <= 0 and p.fits_one_sequence)  # no confident answer from negative sizes


def test_cli_bad_config_files_exit_2_one_line(tmp_path: Path) -> None:
    cases = {
        "nan.json": '{"num_hidden_layers": NaN, "hidden_size": 4096, "num_attention_heads": 32, "vocab_size": 1}',
        "neg.json": json.dumps({**BASE, "hidden_size": -4096}),
        "str.json": json.dumps({**BASE, "vocab_size": "128256"}),
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "huge.json": '{"x": "' + "a" * (3 * 1024 * 1024) + '"}',
    }
    for name, text in cases.items():
        f = tmp_path / name
        f.write_text(text)
        proc = run_cli("resolve", str(SIZED), "--model-config", str(f))
        assert proc.returncode == 2, (name, proc.stderr)
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    t = time.monotonic()
    proc = run_cli("resolve", str(SIZED), "--model-config", str(fifo))
    assert proc.returncode == 2 and "not a regular file" in proc.stderr and time.monotonic() - t < 60


@pytest.mark.parametrize(("field", "value"), [("usable_gib", -80), ("usable_gib", 0), ("usable_gib", ".nan"),
                                              ("price_per_hour", "-1"), ("bandwidth_gbs", ".inf"),
                                              ("gpus_per_node", 0), ("gpus_per_node", 1.5), ("fp8_tflops", -5),
                                              ("memory_gb", "'eighty'"), ("vendor", "null"), ("usable_gib", "1e300")])
def test_catalog_values_are_refused_naming_the_field(tmp_path: Path, field: str, value: Any) -> None:
    f = tmp_path / "gpus.yaml"
    f.write_text(f"- {{type: h100, {field}: {value}}}\n")
    with pytest.raises(CatalogError, match=f"`{field}`"):
        load_catalog(f)
    proc = run_cli("resolve", str(SIZED), "--catalog", str(f))
    assert proc.returncode == 2 and f"`{field}`" in proc.stderr and "Traceback" not in proc.stderr


def test_catalog_special_and_deep_files(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 5000 + "]" * 5000)
    with pytest.raises(CatalogError):
        load_catalog(deep)
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(CatalogError, match="not a regular file"):
        load_catalog(fifo)


def _doc() -> dict[str, Any]:
    import yaml

    doc: dict[str, Any] = yaml.safe_load(SIZED.read_text())
    return doc


@pytest.mark.parametrize(("path", "value"), [
    (("runtime", "batch", "maxSequenceLengthTokens"), 10**12),
    (("runtime", "batch", "maxSequenceLengthTokens"), -5),
    (("runtime", "batch", "maxBatchSize"), float("nan")),
    (("runtime", "accelerator", "count"), 10**30),
    (("operations", "scaling", "targetRps"), float("inf")),
    (("operations", "scaling", "targetLatencyMsP95"), "fast"),
    (("runtime", "accelerator", "memoryGb"), -1.0),
])
def test_spec_values_the_resolver_cannot_use_are_named(path: tuple[str, ...], value: Any) -> None:
    doc = _doc()
    node = doc["spec"]
    for k in path[:-1]:
        node = node.setdefault(k, {})
    node[path[-1]] = value
    with pytest.raises(ResolveError, match=path[-1]):
        resolve(doc)


def test_hub_download_has_a_total_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    with serve_hub() as hub:
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{hub.server_address[1]}")
        monkeypatch.delenv("HF_TOKEN", raising=False)
        t = time.monotonic()
        with pytest.raises(ArchitectureError, match="within 2 s"):
            fetch_config("hf://slow/trickle", timeout=2.0)
        assert time.monotonic() - t < 2.9  # one byte every 3 s must not hold us past the deadline
        with pytest.raises(ArchitectureError, match="larger than"):
            fetch_config("hf://huge/config", timeout=10.0)
        assert fetch_config("hf://meta-llama/Meta-Llama-3-8B", timeout=10.0)["hidden_size"] == 4096


def test_hub_errors_never_echo_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://user:s3cret@127.0.0.1:9")
    with pytest.raises(ArchitectureError) as info:
        fetch_config("hf://org/model", timeout=5.0)
    assert "s3cret" not in str(info.value) and "cannot reach" in str(info.value)


def test_failed_write_leaves_the_input_untouched(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    original = SIZED.read_text()
    f.write_text(original)

    def boom() -> str:
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(f, boom)
    assert f.read_text() == original and sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]
    with pytest.raises(ModelSpecError):  # the result would not be a valid spec: nothing is written
        write_resolved(f, f, {"spec.runtime.accelerator.count": -1})
    assert f.read_text() == original and sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_write_never_follows_a_planted_temp_symlink(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(SIZED.read_text())
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    for name in (f"{f.name}.tmp", f".{f.name}.tmp"):
        (tmp_path / name).symlink_to(victim)
    atomic_write(f, lambda: "new\n")
    assert f.read_text() == "new\n" and victim.read_text() == "keep" and not f.is_symlink()


def test_write_into_missing_directory_or_directory_exits_2(tmp_path: Path) -> None:
    with pytest.raises(WriteError, match="does not exist"):
        atomic_write(tmp_path / "nope" / "s.yaml", lambda: "x")
    for target in (tmp_path / "nope" / "s.yaml", tmp_path):
        proc = run_cli("resolve", str(SIZED), "--write", str(target))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.strip().splitlines()[-1].startswith("error: cannot write")
