"""A real `pre-commit try-repo` run of our hook in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT

PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(not Path(PRE_COMMIT).exists(), reason="pre-commit is not installed (pip install .[test])")
def test_try_repo_passes_valid_and_fails_invalid(tmp_path: Path) -> None:
    # try-repo clones our repository: give it a snapshot of the working tree as a commit
    snapshot = tmp_path / "hook-repo"
    shutil.copytree(
        ROOT,
        snapshot,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "*.egg-info",
            "__pycache__",
            ".mypy_cache",
            ".pytest_cache",
            ".ruff_cache",
            ".hypothesis",
            "build",
        ),
    )
    _git(snapshot, "init", "-q")
    _git(snapshot, "add", "-A")
    _git(snapshot, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "snapshot")

    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q")
    (work / "good.modelspec.yaml").write_text((EXAMPLES / "00-minimal.modelspec.yaml").read_text())
    (work / "bad.modelspec.yaml").write_text(
        (EXAMPLES / "00-minimal.modelspec.yaml").read_text().replace("count: 1", "count: 0")
    )
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), SKIP="")

    _git(work, "add", "good.modelspec.yaml")
    ok = subprocess.run(
        [PRE_COMMIT, "try-repo", str(snapshot), "modelspec-validate", "--files", "good.modelspec.yaml"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Passed" in ok.stdout

    _git(work, "add", "bad.modelspec.yaml")
    bad = subprocess.run(
        [
            PRE_COMMIT,
            "try-repo",
            str(snapshot),
            "modelspec-validate",
            "--files",
            "good.modelspec.yaml",
            "bad.modelspec.yaml",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "bad.modelspec.yaml:18:7: error MS105" in bad.stdout
