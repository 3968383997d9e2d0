"""Turn a JSON GPU profile into the fake library's flat form, and build the library with gcc."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MIB = 1024 * 1024


def flatten(profile: dict[str, Any]) -> str:
    lines = []
    for key in ("init_error", "driver", "cuda"):
        if key in profile:
            lines.append(f"{key} {profile[key]}")
    for gpu in profile.get("gpus", []):
        count = gpu.get("repeat", 1)
        for i in range(count):
            lines.append("gpu")
            lines.append(f"name {gpu['name']}")
            lines.append(f"uuid {gpu.get('uuid', 'GPU-00000000-0000-0000-0000-0000000000')}{i:02d}")
            lines.append(f"pci {gpu.get('pci', f'00000000:{0x18 + i:02X}:00.0')}")
            lines.append(f"pci_device_id {gpu.get('pci_device_id', '0x0')}")
            lines.append(f"total {gpu['memory_mib'] * MIB}")
            lines.append(f"used {gpu.get('used_mib', 0) * MIB}")
            lines.append(f"mig {1 if gpu.get('mig') else 0}")
            lines.append(f"ecc {gpu.get('ecc', 1)}")
            lines.append(f"power {gpu.get('power_mw', 300000)}")
            lines.append(f"util {gpu.get('util', [0, 0])[0]} {gpu.get('util', [0, 0])[1]}")
            lines.append(f"cc {gpu.get('cc', [9, 0])[0]} {gpu.get('cc', [9, 0])[1]}")
            for proc in gpu.get("processes", []):
                lines.append(f"proc {proc['pid']} {proc['used_mib'] * MIB}")
            if gpu.get("lost_after") is not None and i == gpu.get("lost_index", i):
                lines.append(f"lost_after {gpu['lost_after']}")
            for mig in gpu.get("mig_devices", []):
                lines.append(f"mig_device {mig['memory_mib'] * MIB} {mig.get('used_mib', 0) * MIB} {mig['profile']}")
    return "\n".join(lines) + "\n"


def write_profile(name_or_dict: str | dict[str, Any], target: Path) -> Path:
    profile = (
        name_or_dict if isinstance(name_or_dict, dict) else json.loads((HERE / f"{name_or_dict}.json").read_text())
    )
    target.write_text(flatten(profile))
    return target


def build_library(out_dir: Path) -> Path:
    """Compile fake_nvml.c to out_dir/libnvidia-ml.so.1 (gcc is required; CI installs it)."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        raise RuntimeError("gcc not found: install it (apt-get install gcc) to build the fake NVML library")
    out_dir.mkdir(parents=True, exist_ok=True)
    lib = out_dir / "libnvidia-ml.so.1"
    subprocess.run(
        [
            gcc,
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-shared",
            "-fPIC",
            "-Wl,-soname,libnvidia-ml.so.1",
            "-o",
            str(lib),
            str(HERE / "fake_nvml.c"),
        ],
        check=True,
    )
    return lib
