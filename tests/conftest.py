from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
INVALID = ROOT / "tests" / "data" / "invalid"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def run_cli(*args: str, stdin: str | bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess (what users run), capturing text output."""
    data = stdin.decode() if isinstance(stdin, bytes) else stdin
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "modelspec", *args],
        input=data,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=120,
    )


# Tests that take several seconds each (real subprocess rigs: pre-commit's own virtualenv, the fake
# Kubernetes API server, hub and NVML runs). They carry the `slow` marker: a plain `pytest -q`
# skips them (pyproject addopts) and stays under two minutes on two cores; CI (.ci/run) runs
# everything with `-m "slow or not slow"`. Marked here by node id so the list lives in one place.
SLOW = (
    "tests/test_precommit.py::",
    "tests/test_scan_cluster.py::",
    "tests/test_scan_node.py::test_fail_on_levels_and_output_file",
    "tests/test_scan_node.py::test_table_and_yaml",
    "tests/test_resolve.py::test_cli_nothing_fits_exit_1_and_bad_input_exit_2",
    "tests/test_resolve.py::test_hf_uri_fetched_from_loopback_hub",
    "tests/test_cli_conventions.py::test_missing_extra_through_the_cli",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
