"""The CLI as users run it: exit codes, formats, stdin, directories, the validate.py wrapper."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from modelspec import __version__

from .conftest import EXAMPLES, INVALID, ROOT, run_cli


def test_examples_directory_valid() -> None:
    proc = run_cli("validate", "examples/")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all valid" in proc.stdout
    assert "documents" in proc.stdout  # the tabulate summary


def test_version_and_module_entry() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_schema_command_prints_the_schema() -> None:
    proc = run_cli("schema")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == json.loads((ROOT / "schema/modelspec.v1alpha1.json").read_text())


def test_json_contract(tmp_path: Path) -> None:
    proc = run_cli(
        "validate", "--format", "json", str(EXAMPLES / "00-minimal.modelspec.yaml"), str(INVALID / "count-zero.yaml")
    )
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert set(out) == {"files", "summary"}
    assert out["summary"] == {"files": 2, "valid": 1, "invalid": 1, "errors": 1, "warnings": 0, "skipped": 0}
    bad = out["files"][1]
    assert set(bad) == {"path", "document", "valid", "findings"}
    assert bad["valid"] is False and bad["document"] == 0
    f = bad["findings"][0]
    assert set(f) == {"rule", "severity", "path", "line", "column", "message", "hint"}
    assert (f["rule"], f["severity"], f["path"], f["line"], f["column"]) == (
        "MS105",
        "error",
        "/spec/runtime/accelerator/count",
        17,
        7,
    )


def test_github_format() -> None:
    proc = run_cli("validate", "--format", "github", str(INVALID / "min-above-max.yaml"))
    assert proc.returncode == 1
    line = proc.stdout.splitlines()[0]
    assert line.startswith(f"::error file={INVALID / 'min-above-max.yaml'},line=22,col=7,title=MS201::")


def test_sarif_format() -> None:
    proc = run_cli("validate", "--format", "sarif", str(INVALID / "probe-path.yaml"), "examples/")
    assert proc.returncode == 1
    sarif = json.loads(proc.stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "modelspec"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    result = run["results"][0]
    assert rule_ids[result["ruleIndex"]] == result["ruleId"] == "MS205"
    loc = result["locations"][0]["physicalLocation"]
    assert loc["region"] == {"startLine": 23, "startColumn": 9}
    assert loc["artifactLocation"]["uri"].endswith("tests/data/invalid/probe-path.yaml")


def test_stdin() -> None:
    text = (EXAMPLES / "00-minimal.modelspec.yaml").read_text()
    assert run_cli("validate", "-", stdin=text).returncode == 0
    proc = run_cli("validate", "-", stdin=text.replace("count: 1", "count: -1"))
    assert proc.returncode == 1 and proc.stdout.startswith("<stdin>:18:7: error MS105")


def test_missing_path_is_exit_2_and_others_still_reported() -> None:
    proc = run_cli(
        "validate", "nope.yaml", str(INVALID / "count-zero.yaml"), str(EXAMPLES / "00-minimal.modelspec.yaml")
    )
    assert proc.returncode == 2
    assert "nope.yaml: error MS300 cannot read" in proc.stdout
    assert "count-zero.yaml:17:7: error MS105" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_empty_directory_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text("a: 1\n")  # YAML, but not a ModelSpec
    proc = run_cli("validate", str(tmp_path))
    assert proc.returncode == 2
    assert "no ModelSpec files found" in proc.stdout and "all valid" not in proc.stdout


def test_directory_walk_skips_hidden_and_vendored(tmp_path: Path) -> None:
    good = (EXAMPLES / "00-minimal.modelspec.yaml").read_text()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.modelspec.yaml").write_text("broken: [")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "y.modelspec.yaml").write_text("broken: [")
    (tmp_path / "plain.yaml").write_text(good)  # no .modelspec suffix, but declares the apiVersion
    (tmp_path / "other.yaml").write_text("kind: Deployment\n")
    proc = run_cli("validate", "--format", "json", str(tmp_path))
    assert proc.returncode == 0, proc.stdout
    assert [Path(f["path"]).name for f in json.loads(proc.stdout)["files"]] == ["plain.yaml"]


def test_unreadable_schema_is_exit_2(tmp_path: Path) -> None:
    proc = run_cli("validate", "--schema", str(tmp_path / "missing.json"), "examples/")
    assert proc.returncode == 2 and "cannot read schema" in proc.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    proc = run_cli("validate", "--schema", str(bad), "examples/")
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr
    bad.write_text('{"type": 12}')
    proc = run_cli("validate", "--schema", str(bad), "examples/")
    assert proc.returncode == 2 and "not a valid JSON Schema" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_custom_schema_is_used(tmp_path: Path) -> None:
    schema = json.loads((ROOT / "schema/modelspec.v1alpha1.json").read_text())
    schema["$defs"]["Accelerator"]["properties"]["count"]["maximum"] = 2
    f = tmp_path / "s.json"
    f.write_text(json.dumps(schema))
    proc = run_cli("validate", "--schema", str(f), str(EXAMPLES / "08-full-production.modelspec.yaml"))
    assert proc.returncode == 1 and "MS105" in proc.stdout


def test_strict_and_quiet_and_no_semantic(tmp_path: Path) -> None:
    text = (EXAMPLES / "02-serving.modelspec.yaml").read_text()
    f = tmp_path / "w.modelspec.yaml"
    f.write_text(text.replace("type: a10g", "type: a10x"))  # MS210 warning
    assert run_cli("validate", str(f)).returncode == 0
    assert run_cli("validate", "--strict", str(f)).returncode == 1
    quiet = run_cli("validate", "-q", str(f))
    assert quiet.stdout.strip().splitlines() == [quiet.stdout.strip()] and "MS210" in quiet.stdout
    assert run_cli("validate", "-q", str(EXAMPLES / "00-minimal.modelspec.yaml")).stdout == ""
    g = tmp_path / "e.modelspec.yaml"
    g.write_text(text.replace("path: /health", "path: health", 1))  # MS205, a semantic error
    assert run_cli("validate", str(g)).returncode == 1
    assert run_cli("validate", "--no-semantic", str(g)).returncode == 0


def test_max_bytes_option(tmp_path: Path) -> None:
    proc = run_cli("validate", "--max-bytes", "100", str(EXAMPLES / "08-full-production.modelspec.yaml"))
    assert proc.returncode == 1 and "MS304" in proc.stdout


def test_usage_errors_exit_2() -> None:
    assert run_cli("validate").returncode == 2
    assert run_cli("validate", "--format", "xml", "examples").returncode == 2


def test_validate_py_wrapper_same_flags() -> None:
    script = ROOT / "tooling/validator/validate.py"
    ok = subprocess.run(
        [sys.executable, str(script), "--schema", "schema/modelspec.v0.1.json", "examples/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = subprocess.run(
        [
            sys.executable,
            str(script),
            "--schema",
            "schema/modelspec.v0.1.json",
            "--no-semantic",
            str(INVALID / "count-zero.yaml"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "MS105" in bad.stdout


def test_validate_path_does_not_import_heavy_modules() -> None:
    code = (
        "import sys, modelspec.cli.main as m\n"
        "rc = m.main(['validate', '-q', 'examples/'])\n"
        "heavy = [x for x in ('kubernetes', 'pynvml', 'httpx', 'pydantic', 'jsonschema') if x in sys.modules]\n"
        "print(rc, heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.stdout.strip() == "0 []", proc.stdout + proc.stderr
