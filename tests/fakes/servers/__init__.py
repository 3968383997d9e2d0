"""Start fake model-server processes (``fake_server.py``) under a server's own name."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Server:
    pid: int
    workers: list[int]
    proc: subprocess.Popen[bytes]


@contextmanager
def running_server(
    tmp: Path, name: str, args: list[str | bytes], env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Run ``python <tmp>/bin/<name> <args…>`` (``python -m <name>`` when ``name`` is a dotted
    module) until the block ends; its env gets ``env`` on top."""
    pidfile = tmp / f"{name}-{len(list(tmp.glob('*.pid')))}.pid"
    full_env = dict(os.environ, **(env or {}), FAKE_SERVER_PIDFILE=str(pidfile))
    if "." in name:
        package, module = name.rsplit(".", 1)
        pkgdir = tmp / "pkgs" / package.replace(".", "/")
        pkgdir.mkdir(parents=True, exist_ok=True)
        (pkgdir / "__init__.py").touch()
        shutil.copy(HERE / "fake_server.py", pkgdir / f"{module}.py")
        full_env["PYTHONPATH"] = str(tmp / "pkgs")
        argv: list[str | bytes] = [sys.executable, "-m", name, *args]
    else:
        bindir = tmp / "bin"
        bindir.mkdir(exist_ok=True)
        shutil.copy(HERE / "fake_server.py", bindir / name)
        argv = [sys.executable, str(bindir / name), *args]
    proc = subprocess.Popen(argv, env=full_env)
    try:
        deadline = time.monotonic() + 30
        while not pidfile.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"fake server {name} did not start (exit {proc.returncode})")
            time.sleep(0.02)
        info = json.loads(pidfile.read_text())
        yield Server(info["pid"], info["workers"], proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
