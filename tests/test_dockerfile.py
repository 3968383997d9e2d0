"""The Dockerfile builds the image deploy/ names: multi-stage, non-root, the [scan] extra; hadolint-clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from modelspec import __version__

from .conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for ins in instructions():
        if ins[0] == "FROM":
            result.append([])
        result[-1].append(ins)
    return result


def deploy_images() -> set[str]:
    images = set()
    for path in (ROOT / "deploy").glob("*.yaml"):
        for match in re.finditer(r"image:\s*(\S+)", path.read_text()):
            images.add(match.group(1))
    return images


def deploy_run_as_users() -> set[int]:
    users = set()
    for path in (ROOT / "deploy").glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            for match in re.finditer(r"'runAsUser': (\d+)", str(doc)):
                users.add(int(match.group(1)))
    return users


def test_multi_stage_with_pinned_bases() -> None:
    froms = [args for word, args in instructions() if word == "FROM"]
    assert len(froms) >= 2, "build and runtime stages"
    for base in froms:
        image = base.split()[0]
        assert ":" in image and not image.endswith(":latest"), f"pin the base image: {image}"
    final = stages()[-1]
    assert any(w == "COPY" and a.startswith("--from=") for w, a in final), "runtime copies the built venv"
    assert not any(w == "RUN" and "pip install" in a for w, a in final), "no build tools in the runtime stage"


def test_build_stage_installs_the_scan_extra() -> None:
    runs = " ".join(a for stage in stages()[:-1] for w, a in stage if w == "RUN")
    assert re.search(r"pip install[^&]*\.\[scan\]", runs), runs
    assert "--no-cache-dir" in runs


def test_runtime_is_non_root_as_deploy_expects() -> None:
    users = [a for w, a in stages()[-1] if w == "USER"]
    assert users, "the runtime stage sets USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "a numeric non-root uid (runAsNonRoot needs a number)"
    assert deploy_run_as_users() <= {int(uid)}, "deploy/ runs as the image's user"
    entry = [a for w, a in stages()[-1] if w == "ENTRYPOINT"]
    assert entry == ['["modelspec"]']


def test_image_name_is_the_one_deploy_uses() -> None:
    tags = set(re.findall(r"docker build -t (\S+)", DOCKERFILE.read_text()))
    assert tags == deploy_images() == {f"ghcr.io/piqc/modelspec:{__version__}"}


@pytest.mark.skipif(not Path(HADOLINT).exists(), reason="hadolint not installed (pip install -e '.[test]')")
def test_hadolint_is_clean() -> None:
    proc = subprocess.run([HADOLINT, "--failure-threshold", "info", str(DOCKERFILE)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
