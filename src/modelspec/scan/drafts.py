"""``--emit-specs DIR``: one ModelSpec draft per discovered workload, from observed facts only.

A draft is where a platform team starts writing specs for models that already run. It holds only
what the scan saw — never a default, never a guess — and a comment header says where and when each
value came from. Two fields the schema requires cannot be observed on a pod (``family``, ``task``):
they carry the placeholder ``unknown`` and the header says to fill them in. Environment variables
are listed by NAME; their values are never read, so each gets the placeholder ``<set in cluster>``.

The draft names its workload in the annotation ``modelspec.piqc.ai/workload`` (``ns/Kind/name``),
so ``scan cluster --spec DRAFT`` finds the same workload again and reports zero drift.

Files are ``<namespace>.<name>.modelspec.yaml``, written atomically (a temp file created
exclusively beside the target, then renamed); an existing file is kept unless ``force``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..spec.accelerators import KNOWN_TYPES
from .inventory import GENERATOR, WorkloadRow

WORKLOAD_ANNOTATION = "modelspec.piqc.ai/workload"
PLACEHOLDER = "unknown"
ENV_PLACEHOLDER = "<set in cluster>"
FRAMEWORK_OF = {"vllm": "vllm", "sglang": "sglang", "tgi": "tgi", "triton": "triton", "llama.cpp": "llama.cpp",
                "ollama": "ollama", "kserve": "kserve"}
# inventory unknowns that a spec field would have held
SPEC_FIELDS = {
    "maxModelLen": "runtime.batch.maxSequenceLengthTokens",
    "maxNumSeqs": "runtime.batch.maxBatchSize",
    "autoscaling": "operations.scaling",
    "tensor": "runtime.accelerator.count (tensor parallel size)",
    "pipeline": "runtime.accelerator.count (pipeline parallel size)",
}
# what a human (or a second scan) can do about a validator error in a draft
HINTS = {
    "MS203": " (not observed: the launch arguments do not set --max-model-len; scan with --probe-http to read"
    " max_model_len from vLLM's /v1/models, or write the value you serve with)",
}
_HF_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(slots=True)
class Draft:
    workload: str
    path: Path
    document: dict[str, Any]
    header: list[str]
    problems: list[str] = field(default_factory=list)  # validator findings that need a human
    written: bool = False
    skipped: str | None = None  # why the file was not written

    def text(self) -> str:
        import yaml

        lines = [f"# {_comment(h)}" if h else "#" for h in self.header]
        return "\n".join(lines) + "\n" + yaml.dump(self.document, Dumper=_dumper(), sort_keys=False, allow_unicode=True)


def _dumper() -> Any:
    """A safe dumper that double-quotes strings holding line separators or control characters:
    plain or block style would fold NEL/LS/PS into spaces and the draft would not say what runs."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: Any, data: str) -> Any:
        risky = any((not ch.isprintable() and ch != "\n") or ch in "\x85\u2028\u2029" for ch in data)
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"' if risky else None)

    _Dumper.add_representer(str, _str)
    return _Dumper


def _comment(text: str) -> str:
    """One comment line whatever the cluster's names hold: line breaks and other non-printables escaped."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def file_name(row: WorkloadRow) -> str:
    safe = re.compile(r"[^A-Za-z0-9._-]+")
    return f"{safe.sub('_', row.namespace)}.{safe.sub('_', row.name)}.modelspec.yaml"


def _model_uri(model: str | None) -> str | None:
    if not model or model.startswith(("/", ".", "~")) or "://" in model:
        return model if model and "://" in model else None
    return f"hf://{model}" if _HF_ID.match(model) else None


def _identity(row: WorkloadRow, src: dict[str, str]) -> dict[str, Any]:
    framework = FRAMEWORK_OF.get(row.engine.name, PLACEHOLDER)
    model: dict[str, Any] = {
        "id": row.model or PLACEHOLDER,
        "family": PLACEHOLDER,
        "task": PLACEHOLDER,
        "framework": framework,
    }
    src["identity.model.id"] = "launch arguments (--model / served name)" if row.model else "not observed: fill in"
    src["identity.model.framework"] = f"engine detection ({'; '.join(row.engine.evidence)})"
    obs = row.observed
    if obs.precision:
        model["precision"] = obs.precision
    uri = obs.model_uri or _model_uri(row.model)
    if uri:
        model["artifacts"] = {"modelUri": uri}
        src["identity.model.artifacts.modelUri"] = "the model argument, read as a Hugging Face repo id"
    return model


def _runtime(row: WorkloadRow, src: dict[str, str]) -> dict[str, Any]:
    acc = row.accelerator
    runtime: dict[str, Any] = {
        "accelerator": {
            "vendor": acc.vendor or (KNOWN_TYPES.get(acc.type or "") or PLACEHOLDER),
            "type": acc.type or PLACEHOLDER,
            "count": acc.count if acc.count and acc.count >= 1 else 1,
        }
    }
    src["runtime.accelerator"] = f"node labels ({acc.product or 'no GPU label'}) and the pods' GPU limits"
    batch = {}
    if row.max_num_seqs is not None and row.max_num_seqs_set:
        batch["maxBatchSize"] = row.max_num_seqs
    if row.max_model_len is not None and row.max_model_len_set:
        batch["maxSequenceLengthTokens"] = row.max_model_len
    if batch:
        runtime["batch"] = batch
    obs = row.observed
    res: dict[str, Any] = {}
    if obs.cpu_cores is not None and float(obs.cpu_cores).is_integer() and obs.cpu_cores > 0:
        res["cpuCores"] = int(obs.cpu_cores)
    if obs.memory_bytes:
        res["memoryGb"] = _gb(obs.memory_bytes)
    if obs.ephemeral_bytes:
        res["ephemeralStorageGb"] = _gb(obs.ephemeral_bytes)
    if res:
        runtime["resources"] = res
    if obs.env_names:
        runtime["environment"] = {"variables": {n: ENV_PLACEHOLDER for n in obs.env_names}}
    return runtime


def _gb(value: float) -> float:
    return int(value / 1e9 * 100) / 100  # rounded down: the draft never claims more than is requested


def _operations(row: WorkloadRow) -> dict[str, Any]:
    obs = row.observed
    serving: dict[str, Any] = {}
    if obs.port:
        serving = {"protocol": "http", "port": obs.port}
    for key, probe in (("readinessProbe", obs.readiness), ("livenessProbe", obs.liveness)):
        if probe is not None and probe.path:
            serving[key] = {"path": probe.path}
            if probe.timeout_seconds is not None:
                serving[key]["timeoutSeconds"] = probe.timeout_seconds
    ops: dict[str, Any] = {}
    if serving:
        ops["serving"] = serving
    if row.autoscaling is not None and row.autoscaling.min is not None and row.autoscaling.max is not None:
        ops["scaling"] = {"minReplicas": row.autoscaling.min, "maxReplicas": row.autoscaling.max}
    elif row.autoscaling is None and row.desired is not None and "autoscaling" not in row.unknown:
        ops["scaling"] = {"minReplicas": row.desired, "maxReplicas": row.desired, "strategy": "manual"}
    return ops


def _metadata_name(row: WorkloadRow) -> str:
    name = re.sub(r"[^a-z0-9.-]+", "-", row.name.lower()).strip("-.")
    return name[:253] or "workload"


def build(row: WorkloadRow, *, context: str | None, observed_at: str) -> Draft:
    """The draft document for one workload, with its provenance header."""
    src: dict[str, str] = {}
    spec: dict[str, Any] = {"identity": {"model": _identity(row, src)}, "runtime": _runtime(row, src)}
    ops = _operations(row)
    if ops:
        spec["operations"] = ops
    doc = {
        "apiVersion": "piqc.ai/v1alpha1",
        "kind": "ModelSpec",
        "metadata": {"name": _metadata_name(row), "annotations": {WORKLOAD_ANNOTATION: row.id}},
        "spec": spec,
    }
    header = [
        f"DRAFT written by {GENERATOR} from what runs: {row.id}",
        f"cluster context: {context or 'default'}; observed at {observed_at}",
        "Every value below was observed; nothing is a default or a guess. Unknown values are left out.",
        "family, task: required by the schema but not observable on a pod -> replace `unknown`.",
        "environment.variables: names seen on the container; values are never read -> fill them in.",
        "",
        "where each value came from:",
        *[f"  {k}: {v}" for k, v in sorted({**src, **row.observed.sources}.items())],
    ]
    left_out = {k: v for k, v in row.unknown.items() if k in SPEC_FIELDS}
    if left_out:
        header += ["left out (not observed):", *[f"  {SPEC_FIELDS[k]}: {v}" for k, v in sorted(left_out.items())]]
    if spec["identity"]["model"].get("framework") == "vllm" and "maxSequenceLengthTokens" not in (
        spec["runtime"].get("batch") or {}
    ):
        # No observed --max-model-len: the draft says so instead of inventing a length. The
        # suppression is visible and explained, so the draft validates and a human sees why.
        header += [
            "vLLM's --max-model-len was not observed (not set: the model's full context; or set from a",
            "value the scan does not read), so MS203 is silenced below: write maxSequenceLengthTokens",
            "(the length you serve) and delete that line.",
            "modelspec: disable-file=MS203",
        ]
    draft = Draft(row.id, Path(file_name(row)), doc, header)
    if any(h.startswith("modelspec: disable-file=MS203") for h in header):
        draft.problems.append("MS203 runtime.batch.maxSequenceLengthTokens" + HINTS["MS203"])
    if row.accelerator.type is None or not row.accelerator.count:
        draft.problems.append(
            "runtime.accelerator: GPU type or count per replica not observed; the placeholders must be replaced"
        )
    return draft


def check(draft: Draft) -> None:
    """Run the validator on the draft text; errors become ``problems`` a human must fix."""
    from ..validate.runner import Validator

    for rep in Validator().validate_text(draft.text(), str(draft.path)):
        for f in rep.findings:
            if f.severity.value != "error":
                continue
            hint = HINTS.get(f.rule, "")
            draft.problems.append(f"{f.rule} {f.path} {f.message}{hint}".strip())


def write(draft: Draft, directory: Path, *, force: bool = False) -> Draft:
    """Write atomically into ``directory``; keep an existing file unless ``force``."""
    target = directory / draft.path.name
    draft.path = target
    if target.exists() and not force:
        draft.skipped = "exists (use --force to overwrite)"
        return draft
    from .._fileio import write_atomic

    write_atomic(target, draft.text())  # OutputError (one line) when the directory is not writable
    draft.written = True
    return draft


def emit(
    rows: list[WorkloadRow], directory: str | os.PathLike[str], *, force: bool = False, context: str | None = None,
    observed_at: str,
) -> list[Draft]:
    """One checked draft per workload, written into ``directory`` (which must exist)."""
    out = Path(directory)
    if not out.is_dir():
        raise FileNotFoundError(f"--emit-specs: {out} is not a directory")
    drafts = []
    for row in rows:
        d = build(row, context=context, observed_at=observed_at)
        check(d)
        drafts.append(write(d, out, force=force))
    return drafts
