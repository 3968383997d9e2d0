"""Issue 12, conventions: output options, stdin, suppression, configuration, errors, explain, imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from modelspec.cli.main import COMMANDS, top_level_help

from .conftest import EXAMPLES, ROOT, run_cli

MINIMAL = (EXAMPLES / "00-minimal.modelspec.yaml").read_text()
SECRET_NAME = MINIMAL.replace("    accelerator:", "    environment:\n      variables:\n        HF_TOKEN: abc\n"
                              "    accelerator:", 1)


def _imports_after(args: list[str]) -> set[str]:
    code = ("import sys, modelspec.cli.main as m\n"
            f"rc = m.main({args!r})\n"
            "print(rc, ' '.join(sorted(sys.modules)))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    rc, _, mods = proc.stdout.strip().splitlines()[-1].partition(" ")
    assert rc in ("0", "1"), proc.stdout + proc.stderr
    return set(mods.split())


HEAVY = ("kubernetes", "pynvml", "psutil", "httpx", "pydantic", "jsonschema", "tabulate", "importlib.metadata",
         "importlib.resources", "modelspec.resolve.engine", "modelspec.resolve.estimate", "modelspec.resolve.memory",
         "modelspec.resolve.hub", "modelspec.scan", "modelspec.cli.resolve", "modelspec.cli.scan")


def test_validate_path_imports_neither_resolver_engine_nor_scanners_nor_tabulate() -> None:
    mods = _imports_after(["validate", "-q", "examples/"])
    assert "modelspec.validate.semantic" in mods  # the run did validate
    assert not [m for m in mods if m.startswith(HEAVY)], sorted(m for m in mods if m.startswith(HEAVY))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["-h"]])
def test_version_and_help_import_nothing_but_the_entry_point(args: list[str]) -> None:
    mods = {m for m in _imports_after(args) if m.startswith(("modelspec", "click", "yaml"))}
    assert mods == {"modelspec", "modelspec._version", "modelspec.errors", "modelspec.cli", "modelspec.cli.main"}, mods


def test_fast_help_matches_the_click_group() -> None:
    from modelspec.cli._group import cli

    assert list(cli.list_commands(None)) == list(COMMANDS)  # type: ignore[arg-type]
    for name in COMMANDS:
        assert cli.get_command(None, name) is not None  # type: ignore[arg-type]
    text = top_level_help()
    assert all(f"  {name} " in text for name in COMMANDS)
    assert run_cli("--help").stdout == text


def test_output_refuses_a_format_name_with_a_hint(tmp_path: Path) -> None:
    proc = run_cli("validate", "-o", "json", str(EXAMPLES), cwd=tmp_path)
    assert proc.returncode == 2 and not (tmp_path / "json").exists()
    assert proc.stderr.startswith("error: ") and "--format json" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_output_file_and_dash(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = run_cli("validate", "--format", "json", "-o", str(out), str(EXAMPLES))
    assert proc.returncode == 0 and proc.stdout == ""
    assert json.loads(out.read_text())["summary"]["invalid"] == 0
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left
    dash = run_cli("validate", "--format", "json", "-o", "-", str(EXAMPLES))
    assert json.loads(dash.stdout)["summary"]["invalid"] == 0
    schema = run_cli("schema", "-o", str(tmp_path / "s.json"))
    assert schema.returncode == 0 and json.loads((tmp_path / "s.json").read_text())["$id"].startswith("https://")


def test_usage_errors_are_one_error_line() -> None:
    for args in (["validate"], ["nope"], ["validate", "--format", "xml", "x"], ["explain", "spec.runtime.gpu"]):
        proc = run_cli(*args)
        assert proc.returncode == 2, args
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, proc.stderr)


def test_select_and_ignore() -> None:
    def rules(*args: str) -> list[str]:
        out = json.loads(run_cli("validate", "--format", "json", *args, "-", stdin=SECRET_NAME).stdout)
        return [f["rule"] for d in out["files"] for f in d["findings"]]

    assert rules() == ["MS223"]
    assert rules("--ignore", "MS223") == []
    assert rules("--ignore", "MS2") == []
    assert rules("--select", "MS1") == []
    assert run_cli("validate", "--ignore", "bogus", "-", stdin=SECRET_NAME).returncode == 2


def test_inline_disable_comments(tmp_path: Path) -> None:
    same_line = SECRET_NAME.replace("HF_TOKEN: abc\n", "HF_TOKEN: abc  # modelspec: disable=MS223\n")
    line_before = SECRET_NAME.replace("        HF_TOKEN: abc\n", "        # modelspec: disable=MS223\n"
                                      "        HF_TOKEN: abc\n")
    whole_file = "# modelspec: disable-file=MS2\n" + SECRET_NAME
    other_rule = SECRET_NAME.replace("HF_TOKEN: abc\n", "HF_TOKEN: abc  # modelspec: disable=MS217\n")
    for name, text, silenced in [("a", same_line, True), ("b", line_before, True), ("c", whole_file, True),
                                 ("d", other_rule, False)]:
        path = tmp_path / f"{name}.modelspec.yaml"
        path.write_text(text)
        out = json.loads(run_cli("validate", "--format", "json", str(path)).stdout)
        found = [f["rule"] for d in out["files"] for f in d["findings"]]
        assert found == ([] if silenced else ["MS223"]), name
    assert "warning MS223" not in run_cli("validate", "-", stdin=same_line).stdout  # stdin too


@pytest.mark.parametrize("kind", ["pyproject", "yaml"])
def test_project_configuration(tmp_path: Path, kind: str) -> None:
    (tmp_path / "sub").mkdir()
    spec = tmp_path / "sub" / "x.modelspec.yaml"
    spec.write_text(SECRET_NAME)
    assert run_cli("validate", str(spec), cwd=tmp_path / "sub").returncode == 0  # a warning only
    if kind == "pyproject":
        (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.modelspec]\nstrict = true\n")
    else:
        (tmp_path / ".modelspec.yaml").write_text("strict: true\n")
    assert run_cli("validate", str(spec), cwd=tmp_path / "sub").returncode == 1  # found in a parent folder
    if kind == "pyproject":
        (tmp_path / "pyproject.toml").write_text("[tool.modelspec]\nstrict = true\nignore = ['MS223']\n")
    else:
        (tmp_path / ".modelspec.yaml").write_text("strict: true\nignore: [MS223]\n")
    assert run_cli("validate", str(spec), cwd=tmp_path / "sub").returncode == 0
    (tmp_path / ".modelspec.yaml").write_text("stirct: true\n")
    bad = run_cli("validate", str(spec), cwd=tmp_path / "sub")
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "unknown setting stirct" in bad.stderr


def test_stdin_filename_names_stdin_and_anchors_spec_refs(tmp_path: Path) -> None:
    text = (EXAMPLES / "06-dependencies-rag.modelspec.yaml").read_text()
    named = run_cli("validate", "--stdin-filename", str(EXAMPLES / "06-rag.modelspec.yaml"), "-", stdin=text)
    assert named.returncode == 0 and "MS220" not in named.stdout
    anonymous = run_cli("validate", "-", stdin=text, cwd=tmp_path)
    assert "<stdin>:" in anonymous.stdout and "warning MS220" in anonymous.stdout


def test_resolve_reads_stdin() -> None:
    text = (EXAMPLES / "extensions" / "llama-3-8b-architecture.modelspec.yaml").read_text()
    proc = run_cli("resolve", "-", "--gpus", "l4,l40s", "--format", "json", stdin=text)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)


def test_explain_reads_the_models() -> None:
    proc = run_cli("explain", "spec.runtime.accelerator.count")
    assert proc.returncode == 0
    assert "type:        integer" in proc.stdout and "≥ 1" in proc.stdout and "Accelerators per replica" in proc.stdout
    assert "MS224" in proc.stdout
    refs = run_cli("explain", "spec.pipeline.dependencies.specRef").stdout
    assert {"MS220", "MS221", "MS222"} <= set(refs.split())
    typo = run_cli("explain", "spec.runtime.acelerator")
    assert typo.returncode == 2 and "did you mean `accelerator`" in typo.stderr


def test_every_semantic_rule_names_the_fields_it_reads() -> None:
    from modelspec.spec.explain import explain
    from modelspec.validate.rules import RULE_FIELDS, RULES

    assert {r for r in RULES if r.startswith("MS2")} == set(RULE_FIELDS)
    for fields in RULE_FIELDS.values():
        for dotted in fields:
            explain(dotted)  # raises UnknownField for a wrong name


def test_missing_extra_is_one_line_naming_it() -> None:
    from modelspec.cli.main import missing_extra

    message = missing_extra(ModuleNotFoundError("No module named 'kubernetes'", name="kubernetes"))
    assert message == ("error: this command needs the 'kubernetes' package from the [scan] extra: "
                       "pip install 'modelspec-sdk[scan]'")
    assert missing_extra(ModuleNotFoundError("x", name="numpy")) is None
    httpx = ModuleNotFoundError("No module named 'httpx'", name="httpx")
    assert "[resolve] extra: pip install 'modelspec-sdk[resolve]'" in (missing_extra(httpx, "resolve") or "")
    assert "[scan] extra" in (missing_extra(httpx, "scan") or "")


def test_missing_extra_through_the_cli(tmp_path: Path) -> None:
    """A real run with the scanners' clients hidden: one line, exit 2, no traceback."""
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\nclass _Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('kubernetes', 'pynvml', 'psutil'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, _Block())\n")
    import os

    env = dict(os.environ, PYTHONPATH=str(blocker))
    proc = subprocess.run([sys.executable, "-m", "modelspec", "scan", "cluster", "--spec",
                           str(EXAMPLES / "00-minimal.modelspec.yaml")], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == ("error: this command needs the 'kubernetes' package from the [scan] extra: "
                                   "pip install 'modelspec-sdk[scan]'")
    ok = subprocess.run([sys.executable, "-m", "modelspec", "validate", str(EXAMPLES)], capture_output=True,
                        text=True, env=env, cwd=ROOT, timeout=60)
    assert ok.returncode == 0, ok.stderr  # validate needs none of them


def test_validate_py_names_itself() -> None:
    proc = subprocess.run([sys.executable, "tooling/validator/validate.py", "--help"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("Usage: validate.py ")
    bad = subprocess.run([sys.executable, "tooling/validator/validate.py"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "validate.py --help" in bad.stderr


def test_examples_carry_the_schema_modeline() -> None:
    from modelspec.spec.schema import SCHEMA_ID

    for path in sorted(EXAMPLES.rglob("*.modelspec.yaml")):
        assert path.read_text().splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_ID}", path
    assert SCHEMA_ID.endswith("/schema/modelspec.v1alpha1.json") and SCHEMA_ID.startswith("https://")


def test_pre_commit_hook_is_serial() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert all(h["require_serial"] is True for h in hooks)
