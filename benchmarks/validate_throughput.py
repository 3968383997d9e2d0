#!/usr/bin/env python3
"""Validation speed, side by side with check-jsonschema, in one run.

1. Throughput: N generated spec files (default 2,000, varied) validated as one directory by
   `modelspec validate` and by `check-jsonschema --schemafile schema/modelspec.v1alpha1.json`.
2. Cold start, as a user runs it (through the `modelspec` console script, not `python -m`): one
   file, `modelspec validate one.yaml` against `python -c "import yaml, jsonschema"` (the floor
   any Python validator built on those two pays), and `modelspec --help` / `--version` (< 80 ms).

Runs are interleaved (ours, floor, ours, …) so that a busy machine slows both sides alike; the
medians are compared.

    python benchmarks/validate_throughput.py [--files N] [--repeat R]

Needs check-jsonschema (`pip install -e .[bench]`). Prints a table; exits 0.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema" / "modelspec.v1alpha1.json"
BIN = Path(sys.executable).parent


def generate(target: Path, n: int, seed: int = 7) -> list[Path]:
    """Varied, valid specs built from the bundled examples (different sizes and fields)."""
    rng = random.Random(seed)
    bases = [yaml.safe_load(p.read_text()) for p in sorted((ROOT / "examples").glob("0*.modelspec.yaml"))]
    for b in bases:
        b["spec"].pop("pipeline", None)  # specRefs are relative to examples/
    gpus = ["l4", "a10g", "l40s", "a100-80gb", "h100", "h200"]
    files = []
    for i in range(n):
        doc = yaml.safe_load(yaml.safe_dump(rng.choice(bases)))
        doc["metadata"]["name"] = f"model-{i:05d}"
        acc = doc["spec"]["runtime"]["accelerator"]
        acc["type"] = rng.choice(gpus)
        acc["count"] = rng.choice([1, 2, 4, 8])
        if rng.random() < 0.5:
            doc["spec"]["runtime"].setdefault("batch", {})["maxBatchSize"] = rng.choice([8, 16, 32, 64, 128])
        f = target / f"spec-{i:05d}.modelspec.yaml"
        f.write_text(yaml.safe_dump(doc, sort_keys=False))
        files.append(f)
    return files


def timed(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    return time.perf_counter() - start, proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=15, help="runs for the cold-start medians")
    ap.add_argument("--throughput-repeat", type=int, default=3, help="interleaved runs for the throughput medians")
    args = ap.parse_args()

    script = BIN / "modelspec"
    modelspec = [str(script)] if script.exists() else [sys.executable, "-m", "modelspec"]
    cj = shutil.which("check-jsonschema") or str(BIN / "check-jsonschema")
    have_cj = Path(cj).exists()
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(Path(tmp), args.files)
        ours_runs: list[float] = []
        theirs_runs: list[float] = []
        for _ in range(args.throughput_repeat):  # interleaved, so load changes hit both tools
            secs, rc = timed([*modelspec, "validate", "--quiet", tmp])
            assert rc == 0, "generated specs should all be valid"
            ours_runs.append(secs)
            if have_cj:
                secs, rc2 = timed([cj, "--schemafile", str(SCHEMA), *map(str, files)])
                assert rc2 == 0, "check-jsonschema should accept the generated specs"
                theirs_runs.append(secs)
        ours = statistics.median(ours_runs)
        rows = [("modelspec validate DIR", args.files, ours, args.files / ours)]
        if have_cj:
            theirs = statistics.median(theirs_runs)
            rows.append(("check-jsonschema --schemafile", args.files, theirs, args.files / theirs))

        one = files[0]
        commands = {
            "validate": [*modelspec, "validate", "--quiet", str(one)],
            "floor": [sys.executable, "-c", "import yaml, jsonschema"],
            "help": [*modelspec, "--help"],
            "version": [*modelspec, "--version"],
            "python": [sys.executable, "-c", "pass"],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, cmd in commands.items():
                samples[name].append(timed(cmd)[0])

    print(f"Throughput ({args.files} files, one process each tool, median of {args.throughput_repeat} interleaved)")
    print(f"{'tool':32} {'files':>6} {'seconds':>8} {'files/s':>9}")
    for name, n, secs, rate in rows:
        print(f"{name:32} {n:6d} {secs:8.2f} {rate:9.0f}")
    if have_cj:
        print(f"ratio modelspec / check-jsonschema: {rows[0][3] / rows[1][3]:.1f}x (target >= 5x)")
    else:
        print("check-jsonschema not installed: pip install -e '.[bench]' for the side-by-side figure")
    med = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    print(f"\nCold start through `{Path(modelspec[0]).name}` (median of {args.repeat}, interleaved)")
    print(f"modelspec validate one.yaml           {med['validate']:7.1f} ms")
    print(f"python -c 'import yaml, jsonschema'   {med['floor']:7.1f} ms")
    print(f"ratio: {med['validate'] / med['floor']:.2f}x (target <= 1.3x)")
    print(f"modelspec --help                      {med['help']:7.1f} ms (target < 80 ms)")
    print(f"modelspec --version                   {med['version']:7.1f} ms (target < 80 ms)")
    print(f"python -c pass (interpreter start)    {med['python']:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
