"""Installs that fit: a free distribution name, a core without the scanners' clients, extras,
a LICENSE matching pyproject, and set-up commands that install what they run."""

from __future__ import annotations

import re
import sys

from .conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (tomli is a dependency there)
    import tomli as tomllib

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
HEAVY = ("kubernetes", "psutil", "nvidia-ml-py", "httpx")


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def test_distribution_name_and_extras() -> None:
    project = PYPROJECT["project"]
    assert project["name"] == "modelspec-sdk"
    assert not _names(project["dependencies"]) & set(HEAVY), "validate-only installs stay small"
    extras = project["optional-dependencies"]
    assert set(HEAVY) - {"httpx"} <= _names(extras["scan"]) and "httpx" in _names(extras["scan"])
    assert _names(extras["resolve"]) == {"httpx", "ruamel.yaml"}  # hf:// configs; --write keeps comments
    assert extras["all"] == ["modelspec-sdk[resolve,scan]"]
    assert "modelspec-sdk[all]" in extras["test"]
    assert project["scripts"]["modelspec"] == "modelspec.cli.main:main"


def test_license_file_matches_pyproject() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_readme_setup_installs_what_each_command_needs() -> None:
    readme = (ROOT / "README.md").read_text()
    setup = readme[readme.index("## Set up a fresh machine"):readme.index("## CLI")]
    blocks = re.findall(r"```bash\n(.*?)\n```", setup, re.S)
    assert blocks[0] == ("python3 -m venv .venv && .venv/bin/pip install -e . && "
                         ".venv/bin/modelspec validate examples/")
    assert blocks[1] == ".venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest -q -m \"slow or not slow\""
    assert "modelspec-sdk[scan]" in setup


def test_ci_installs_the_test_extra_and_runs_every_test() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -q -e '.[test]'" in ci
    assert '-m pytest -q -m "slow or not slow"' in ci
    assert "ruff check src tests tooling benchmarks" in ci and ".venv/bin/mypy" in ci
    assert PYPROJECT["tool"]["pytest"]["ini_options"]["addopts"].endswith("-m 'not slow'")
