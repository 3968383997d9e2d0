"""vLLM launch arguments from a container's command/args, with vLLM's defaults where absent.

Forms seen in real manifests: ``vllm serve <model> [flags]``;
``python3 -m vllm.entrypoints.openai.api_server --model <model> [flags]``; the whole command as
one ``sh -c "…"`` string; the ``vllm/vllm-openai`` image whose entrypoint is the server, so
``args:`` alone carry the flags. Flags: ``--flag value``, ``--flag=value``, underscore spellings,
``-tp``/``-pp``, ``--no-…`` negations. A value taken from an environment variable (``$(VAR)``,
``$VAR``) is unknown: env values are never read.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from ..spec.engine_flags import VLLM_FLAGS, VLLM_SHORT
from .facts import Fact, Source

SHORT = VLLM_SHORT

# flags whose value we read, with vLLM's default when absent (None: depends on the model)
_READ = (
    "model",
    "tensor-parallel-size",
    "pipeline-parallel-size",
    "max-model-len",
    "max-num-seqs",
    "max-num-batched-tokens",
    "dtype",
    "quantization",
    "kv-cache-dtype",
    "gpu-memory-utilization",
    "port",
    "served-model-name",
)
DEFAULTS: dict[str, Any] = {name: VLLM_FLAGS[name].default for name in _READ}
_INT_FLAGS = {n for n, f in VLLM_FLAGS.items() if f.kind == "int"}
_FLOAT_FLAGS = {n for n, f in VLLM_FLAGS.items() if f.kind == "float"}
_BOOL_FLAGS = {n for n, f in VLLM_FLAGS.items() if f.kind == "bool"}
_ENV_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
_SHELLS = {"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env", "dash", "/bin/dash"}


@dataclass(slots=True)
class VllmLaunch:
    """What the arguments say; ``facts`` maps flag name → Fact (vllm-args or default)."""

    form: str  # "vllm serve", "api_server", "image entrypoint", or "" when this is not vLLM
    facts: dict[str, Fact] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)  # every flag seen, raw

    @property
    def is_vllm(self) -> bool:
        return bool(self.form)

    def get(self, name: str) -> Fact:
        return self.facts[name]


def _tokens(command: list[str], args: list[str]) -> list[str]:
    argv = [*command, *args]
    # sh -c "…": the script is one string; split it and keep the vLLM command
    for i, tok in enumerate(argv[:-1]):
        if (
            tok in ("-c", "-lc", "-ec")
            and argv
            and argv[0].rsplit("/", 1)[-1] in {s.rsplit("/", 1)[-1] for s in _SHELLS}
        ):
            script = argv[i + 1]
            try:
                words = shlex.split(script, posix=True)
            except ValueError:
                words = script.split()
            segments: list[list[str]] = [[]]
            for w in words:
                if w in ("&&", "||", ";", "|"):
                    segments.append([])
                elif w.endswith(";"):
                    segments[-1].append(w[:-1])
                    segments.append([])
                else:
                    segments[-1].append(w)
            for seg in segments:
                if any("vllm" in w for w in seg[:4]):
                    return [w for w in seg if w != "exec"] + argv[i + 2 :]
            return words
    return argv


def _locate(tokens: list[str], image: str) -> tuple[str, int, str | None]:
    """(form, index of the first flag, positional model) for the vLLM command in ``tokens``."""
    for i, tok in enumerate(tokens):
        base = tok.rsplit("/", 1)[-1]
        if base == "vllm" and i + 1 < len(tokens) and tokens[i + 1] == "serve":
            j = i + 2
            model = tokens[j] if j < len(tokens) and not tokens[j].startswith("-") else None
            return "vllm serve", j + (1 if model else 0), model
        if tok == "-m" and i + 1 < len(tokens) and tokens[i + 1].startswith("vllm.entrypoints"):
            return "api_server", i + 2, None
    if "vllm" in image and tokens and not any(t.rsplit("/", 1)[-1] in ("python", "python3") for t in tokens[:1]):
        model = tokens[0] if not tokens[0].startswith("-") else None
        return "image entrypoint", 1 if model else 0, model
    return "", 0, None


def parse(command: list[str] | None, args: list[str] | None, image: str = "") -> VllmLaunch:
    tokens = _tokens(list(command or []), list(args or []))
    form, start, positional = _locate(tokens, image)
    launch = VllmLaunch(form)
    if not form:
        return launch
    flags: dict[str, Any] = {}
    i = start
    while i < len(tokens):
        tok = tokens[i]
        if not tok.startswith("-") or tok == "-":
            if positional is None and "model" not in flags:
                positional = tok
            i += 1
            continue
        name, value = tok, None
        if "=" in tok:
            name, value = tok.split("=", 1)
        name = SHORT.get(name, name).lstrip("-").replace("_", "-")
        if value is None:
            if name.startswith("no-") and name[3:] in _BOOL_FLAGS | {"enable-prefix-caching", "enable-chunked-prefill"}:
                flags[name[3:]] = False
                i += 1
                continue
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if name in _BOOL_FLAGS or nxt is None or (nxt.startswith("-") and not _is_number(nxt)):
                flags[name] = True
                i += 1
                continue
            if name == "served-model-name":  # nargs="+"
                names = []
                j = i + 1
                while j < len(tokens) and not tokens[j].startswith("-"):
                    names.append(tokens[j])
                    j += 1
                flags[name] = names
                i = j
                continue
            value = nxt
            i += 2
        else:
            i += 1
        flags[name] = value
    if positional is not None and "model" not in flags:
        flags["model"] = positional
    launch.flags = flags
    for name, default in DEFAULTS.items():
        launch.facts[name] = _fact(name, flags, default)
    return launch


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _fact(name: str, flags: dict[str, Any], default: Any) -> Fact:
    if name not in flags:
        if name == "served-model-name" and "model" in flags:
            return Fact([flags["model"]], Source.DEFAULT)
        if default is None:
            reason = {
                "max-model-len": "not set: vLLM uses the model's max_position_embeddings",
                "model": "no model argument found",
            }.get(name, "not set")
            return Fact.unknown(Source.DEFAULT, reason)
        return Fact(default, Source.DEFAULT)
    raw = flags[name]
    if isinstance(raw, str):
        ref = _ENV_REF.search(raw)
        if ref:
            var = ref.group(1) or ref.group(2)
            return Fact.unknown(Source.VLLM_ARGS, f"taken from environment variable {var} (values are not read)")
    try:
        if name in _INT_FLAGS:
            return Fact(int(str(raw).replace("_", "")), Source.VLLM_ARGS)
        if name in _FLOAT_FLAGS:
            return Fact(float(raw), Source.VLLM_ARGS)
    except ValueError:
        # human-readable lengths as vLLM reads them: 32k = 32,000, 32K = 32,768 (m/M likewise)
        scale = (
            {"k": 1000, "K": 1024, "m": 1000**2, "M": 1024**2}.get(str(raw)[-1:]) if name == "max-model-len" else None
        )
        if scale:
            try:
                return Fact(int(float(str(raw)[:-1]) * scale), Source.VLLM_ARGS)
            except ValueError:
                pass
        return Fact.unknown(Source.VLLM_ARGS, f"unparsable value {raw!r} for --{name}")
    return Fact(raw, Source.VLLM_ARGS)


def precision_of(dtype: Fact, quantization: Fact) -> str | None:
    """The precision the args imply (``None`` when ``auto`` leaves it to the checkpoint)."""
    quant = str(quantization.value).lower() if quantization.known else ""
    if quant in ("fp8", "modelopt", "fbgemm_fp8"):
        return "fp8"
    if quant in ("awq", "gptq", "awq_marlin", "gptq_marlin", "marlin", "bitsandbytes", "gguf"):
        return "int4" if quant != "bitsandbytes" else "int8"
    if quant in ("int8", "smoothquant", "w8a8"):
        return "int8"
    value = str(dtype.value).lower() if dtype.known else "auto"
    return {
        "bfloat16": "bf16",
        "bf16": "bf16",
        "float16": "fp16",
        "half": "fp16",
        "fp16": "fp16",
        "float32": "fp32",
        "float": "fp32",
    }.get(value)
