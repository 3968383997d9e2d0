"""Every output path writes through one atomic writer: planted temp names are never followed,
a missing directory or unwritable target is exit 2 with one ``error:`` line."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelspec._fileio import InputError, OutputError, TooLarge, read_regular, write_atomic

from .conftest import EXAMPLES, run_cli

SIZED = EXAMPLES / "extensions/llama-3-8b-architecture.modelspec.yaml"


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["out.yaml", "metrics.prom", "x"]))
def test_write_atomic_round_trips_any_text(text: str, name: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / name
        payload = text.encode("utf-8", "surrogatepass")
        write_atomic(target, payload)
        assert target.read_bytes() == payload
        write_atomic(target, b"second")
        assert target.read_bytes() == b"second"
        assert os.listdir(tmp) == [name]  # no temporary file left behind


def test_planted_tmp_symlink_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "report.prom"
    for planted in (out.with_name(out.name + ".tmp"), out.with_name("." + out.name + ".tmp")):
        planted.symlink_to(victim)
    write_atomic(out, "new\n")
    assert victim.read_text() == "keep me"
    assert out.read_text() == "new\n" and not out.is_symlink()


def test_existing_permissions_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "spec.yaml"
    out.write_text("old")
    out.chmod(0o640)
    write_atomic(out, "new")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_missing_directory_and_directory_target_are_output_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        write_atomic(tmp_path / "no" / "such" / "x.json", "{}")
    with pytest.raises(OutputError, match="is a directory"):
        write_atomic(tmp_path, "{}")


def test_read_regular_refuses_special_files_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.modelspec.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        read_regular(fifo, 1000)
    with pytest.raises(InputError, match="character device"):
        read_regular("/dev/zero", 1000)
    with pytest.raises(InputError, match="directory"):
        read_regular(tmp_path, 1000)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(TooLarge):
        read_regular(big, 100)
    assert read_regular(big, 101) == b"x" * 101


def _one_error_line(stderr: str) -> None:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr


def test_schema_output_missing_directory_exit_2(tmp_path: Path) -> None:
    proc = run_cli("schema", "-o", str(tmp_path / "missing" / "schema.json"))
    assert proc.returncode == 2
    _one_error_line(proc.stderr)


def test_schema_output_through_planted_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    out = tmp_path / "schema.json"
    out.with_name("schema.json.tmp").symlink_to(victim)
    proc = run_cli("schema", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "keep" and out.read_text().startswith("{")


def test_resolve_write_missing_directory_exit_2(tmp_path: Path) -> None:
    proc = run_cli("resolve", str(SIZED), "--gpus", "l40s", "--write", str(tmp_path / "missing" / "out.yaml"))
    assert proc.returncode == 2
    _one_error_line(proc.stderr)


def test_resolve_write_onto_input_is_atomic(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(SIZED.read_bytes())
    proc = run_cli("resolve", str(spec), "--gpus", "l40s", "--write", str(spec))
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(tmp_path)) == ["spec.yaml"]
    assert "l40s" in spec.read_text()


def test_scan_output_missing_directory_exit_2(tmp_path: Path) -> None:
    proc = run_cli("scan", "node", "--spec", str(EXAMPLES / "00-minimal.modelspec.yaml"),
                   "-o", str(tmp_path / "missing" / "node.prom"), "--format", "prometheus")
    assert proc.returncode == 2
    _one_error_line(proc.stderr)


def test_special_files_in_walked_directory_and_as_model_config_never_block(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    from .conftest import ROOT

    tree = tmp_path / "specs"
    tree.mkdir()
    shutil.copy(EXAMPLES / "00-minimal.modelspec.yaml", tree / "ok.modelspec.yaml")
    os.mkfifo(tree / "pipe.yaml")  # a data name: sniffed without blocking, skipped
    proc = subprocess.run([sys.executable, "-m", "modelspec", "validate", str(tree)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    os.mkfifo(tree / "pipe.modelspec.yaml")  # a spec name: reported as unreadable, never read
    proc = subprocess.run([sys.executable, "-m", "modelspec", "validate", "--format", "json", str(tree)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    import json

    out = json.loads(proc.stdout)
    assert [f["findings"][0]["rule"] for f in out["files"] if f["path"].endswith("pipe.modelspec.yaml")] == ["MS300"]
    assert any(f["path"].endswith("ok.modelspec.yaml") and f["valid"] for f in out["files"])
    proc = subprocess.run([sys.executable, "-m", "modelspec", "resolve", str(SIZED), "--model-config",
                           str(tree / "pipe.yaml")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "FIFO" in proc.stderr and "Traceback" not in proc.stderr


def test_unreadable_subdirectory_is_an_io_error(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    from .conftest import ROOT

    tree = tmp_path / "specs"
    (tree / "locked").mkdir(parents=True)
    shutil.copy(EXAMPLES / "00-minimal.modelspec.yaml", tree / "ok.modelspec.yaml")
    shutil.copy(EXAMPLES / "00-minimal.modelspec.yaml", tree / "locked" / "hidden.modelspec.yaml")
    (tree / "locked").chmod(0)
    tmp_path.chmod(0o755)
    # root reads anything: run the child without the capabilities that bypass permissions
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    try:
        proc = subprocess.run([*prefix, sys.executable, "-m", "modelspec", "validate", "--format", "json", str(tree)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    finally:
        (tree / "locked").chmod(0o755)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    import json

    out = json.loads(proc.stdout)
    locked = [f for f in out["files"] if f["path"].endswith("locked")]
    assert locked and locked[0]["findings"][0]["rule"] == "MS300"
    assert "Permission denied" in locked[0]["findings"][0]["message"]
