"""The one launch-argument parser: a container's command/args or a process argv → engine + facts.

Used by the cluster scanner (pod specs) and the node scanner (process command lines), so both
read ``-tp 2``, ``--tensor_parallel_size=2`` and ``--tp 2`` (SGLang) the same way.

What it understands:

* engines and forms: vLLM (``vllm serve``, ``python -m vllm.entrypoints.openai.api_server``, the
  ``vllm/vllm-openai`` image entrypoint, KAITO's ``inference_api.py`` wrapper, KServe's
  ``python -m huggingfaceserver``, Dynamo's ``python -m dynamo.vllm``), SGLang
  (``python -m sglang.launch_server``), TGI (``text-generation-launcher`` and its env twins),
  llama.cpp (``llama-server``), TensorRT-LLM (``trtllm-serve``), Triton (``tritonserver``,
  ``launch_triton_server.py``), Ollama (``ollama serve``);
* shell scripts (``sh -c``/``bash -c``): the server invocation itself is found among several
  commands, after ``VAR=value`` prefixes, ``exec``/``env``/``nohup`` and launchers such as
  ``mpirun`` or ``accelerate launch`` — never the first word that merely mentions an engine;
* ``$(VAR)`` (Kubernetes) and ``$VAR`` (shell) expanded from literal ``env`` values only; a
  reference to a secretKeyRef/configMapKeyRef variable stays unknown;
* ``--config FILE``: flags not on the command line are unknown (the file is not read).

Every flag lands under the common fact names of :mod:`modelspec.spec.engine_flags` (vLLM's
spelling). Credentials never reach a result: ``--api-key``-like values, ``VAR=value`` prefix
values, ``user:pass@`` in URLs and anything that looks like a token are replaced by ``<redacted>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..spec.engine_flags import ENGINES, KSERVE_HF, VLLM, EngineVocab
from .facts import Fact, Source
from .redact import REDACTED, redact_text, secret_flag
from .shell import assignment, expand_k8s, expand_shell, split_commands

_SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh"}
# words that run the next words as a command (their own options are skipped)
_PREFIXES = {"exec", "nohup", "time", "command", "builtin", "setsid", "stdbuf", "nice", "chrt", "ionice", "dumb-init"}
_LAUNCHERS = {
    "env",
    "mpirun",
    "mpiexec",
    "torchrun",
    "accelerate",
    "deepspeed",
    "uv",
    "conda",
    "numactl",
    "taskset",
    "tini",
    "timeout",
    "srun",
    "ray",
    "python",
    "python3",
    "pipenv",
    "poetry",
}
_MAX_DEPTH = 3
_ENV_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")


@dataclass(slots=True)
class Launch:
    """What a launch command says.

    ``engine`` is ``""`` when no model server was found; ``facts`` maps a common fact name
    (``tensor-parallel-size``, ``max-model-len``, ``port`` …) to a :class:`Fact`; ``flags`` holds
    every flag seen (canonical name → raw value, redacted); ``argv`` is the server invocation,
    redacted; ``notes`` say what could not be read and why.
    """

    engine: str = ""
    form: str = ""
    facts: dict[str, Fact] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)
    argv: list[str] = field(default_factory=list)
    config_file: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_server(self) -> bool:
        return bool(self.engine)

    @property
    def is_vllm(self) -> bool:
        return self.engine == "vllm"

    @property
    def source(self) -> Source:
        return Source.VLLM_ARGS if self.engine == "vllm" else Source.LAUNCH_ARGS

    def get(self, name: str) -> Fact:
        """The fact under a common name; unknown (with the reason) when the engine has no such flag."""
        fact = self.facts.get(name)
        if fact is not None:
            return fact
        why = f"{self.engine or 'no model server'} has no {name} setting" if self.engine else "no model server found"
        return Fact.unknown(self.source, why)

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine or None,
            "form": self.form or None,
            "argv": self.argv,
            "configFile": self.config_file,
            "notes": self.notes,
            **{k: v.to_dict() for k, v in self.facts.items()},
        }


@dataclass(slots=True)
class _Found:
    engine: str
    form: str
    words: list[str]  # flags and positionals after the program (expanded, unredacted)
    program: list[str]  # the words that name the program (for argv)
    model: str | None = None  # a positional model argument
    defaults: dict[str, Any] = field(default_factory=dict)  # what the image itself implies (NIM's model)


# -- public entry points ----------------------------------------------------------------------------


def parse_container(container: Mapping[str, Any]) -> Launch:
    """A pod-spec container (``command``, ``args``, ``env``, ``image``) → :class:`Launch`.

    ``$(VAR)`` is expanded from the container's literal ``env`` values as the kubelet does;
    variables from ``valueFrom`` stay references and make the flags they feed unknown.
    """
    env, indirect = _literal_env(container.get("env"))
    command = _strings(container.get("command"))
    args = _strings(container.get("args"))
    image = str(container.get("image") or "")
    expanded_cmd = [expand_k8s(w, env) for w in command]
    expanded_args = [expand_k8s(w, env) for w in args]
    return _parse([*expanded_cmd, *expanded_args], env, indirect, image=image, has_command=bool(command))


def parse_argv(argv: Sequence[str], env: Mapping[str, str] | None = None) -> Launch:
    """A process command line (already expanded by the kernel) → :class:`Launch`.

    ``env`` (the process environment, when the caller may read it) feeds the engines' env twins
    (TGI ``MAX_TOTAL_TOKENS``, ``LLAMA_ARG_*``, ``OLLAMA_*``) and shell scripts' ``$VAR``.
    """
    return _parse([str(a) for a in argv], dict(env or {}), set(), image="", has_command=True)


def parse(command: Sequence[str] | None, args: Sequence[str] | None = None, image: str = "", env: Any = None) -> Launch:
    """``parse_container`` for loose parts (tests, callers without a container mapping)."""
    return parse_container({"command": list(command or []), "args": list(args or []), "image": image, "env": env})


# -- finding the server invocation -----------------------------------------------------------------


def _parse(argv: list[str], env: dict[str, str], indirect: set[str], *, image: str, has_command: bool) -> Launch:
    found = _find(argv, dict(env), 0)
    if found is None and not has_command:
        found = _from_image(argv, image)
    if found is None:
        launch = Launch()
        if argv and _base(argv[0]) in _SHELLS and len(argv) >= 2 and not argv[1].startswith("-"):
            launch.notes.append(f"runs the script file {argv[1]} (not read)")
        elif argv:
            launch.notes.append("no known model server in the command line")
        launch.argv = redact_argv(argv[:40], VLLM)
        return launch
    return _facts(found, env, indirect)


def _find(argv: list[str], env: dict[str, str], depth: int) -> _Found | None:
    """The server invocation in ``argv``: directly, or inside a shell script it runs."""
    if not argv:
        return None
    script = _shell_script(argv)
    if script is not None:
        if depth >= _MAX_DEPTH:
            return None
        for words in split_commands(script):
            hit = _find_in_command(words, env, depth)
            if hit is not None:
                return hit
        return None
    return _find_in_command(list(argv), env, depth)


def _shell_script(argv: list[str]) -> str | None:
    if _base(argv[0]) not in _SHELLS:
        return None
    for i, word in enumerate(argv[1:], start=1):
        if word.startswith("-") and "c" in word[1:] and not word.startswith("--"):
            return argv[i + 1] if i + 1 < len(argv) else ""
        if not word.startswith("-"):
            return None
    return None


def _find_in_command(words: list[str], env: dict[str, str], depth: int) -> _Found | None:
    """One simple command: drop ``VAR=v`` prefixes (remembered for ``$VAR``) and wrappers."""
    local = dict(env)
    i = 0
    while i < len(words) and (pair := assignment(words[i])) is not None:
        local[pair[0]] = expand_shell(pair[1], local)
        i += 1
    if i == len(words):  # a bare assignment line sets a shell variable for later commands
        env.update({k: v for k, v in local.items() if k not in env or env[k] != v})
        return None
    words = [expand_shell(w, local) for w in words[i:]]
    if _base(words[0]) == "export":
        for w in words[1:]:
            if (pair := assignment(w)) is not None:
                env[pair[0]] = pair[1]
        return None
    while words and _base(words[0]) in _PREFIXES:
        words = _skip_prefix(words)
    if not words:
        return None
    if _shell_script(words) is not None:
        return _find(words, local, depth + 1)
    hit = _match(words, 0)
    if hit is not None or _base(words[0]) not in _LAUNCHERS:
        return hit
    for j in range(1, len(words)):  # mpirun -np 2 tritonserver …, env A=1 vllm serve …, accelerate launch …
        hit = _match(words, j)
        if hit is not None:
            return hit
    return None


def _skip_prefix(words: list[str]) -> list[str]:
    rest = words[1:]
    while rest and rest[0].startswith("-"):
        rest = rest[1:]
    return rest


def _base(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _match(words: list[str], i: int) -> _Found | None:
    """Is ``words[i]`` the start of a known model server invocation?"""
    base = _base(words[i])
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if base == "vllm" and nxt == "serve":
        return _with_positional("vllm", "vllm serve", words, i + 2)
    if base == "text-generation-launcher" or base == "tgi-entrypoint.sh":
        return _Found("tgi", "text-generation-launcher", words[i + 1 :], words[: i + 1])
    if base == "llama-server":
        return _Found("llama.cpp", "llama-server", words[i + 1 :], words[: i + 1])
    if base == "trtllm-serve":
        return _with_positional("tensorrt-llm", "trtllm-serve", words, i + 1)
    if base == "tritonserver":
        return _Found("triton", "tritonserver", words[i + 1 :], words[: i + 1])
    if base == "ollama" and nxt == "serve":
        return _Found("ollama", "ollama serve", words[i + 2 :], words[: i + 2])
    if _PYTHON.match(base):
        return _python(words, i)
    if base.endswith(".py"):
        return _script(words, i)
    return None


def _with_positional(engine: str, form: str, words: list[str], start: int) -> _Found:
    model = words[start] if start < len(words) and not words[start].startswith("-") else None
    return _Found(engine, form, words[start + (1 if model else 0) :], words[:start], model)


_MODULES = {
    "vllm.entrypoints.openai.api_server": ("vllm", "api_server"),
    "vllm.entrypoints.api_server": ("vllm", "api_server"),
    "sglang.launch_server": ("sglang", "sglang.launch_server"),
    "huggingfaceserver": ("vllm", "kserve huggingfaceserver"),
    "dynamo.vllm": ("vllm", "dynamo.vllm"),
    "dynamo.sglang": ("sglang", "dynamo.sglang"),
}


def _python(words: list[str], i: int) -> _Found | None:
    """``python [-u] -m module …`` or ``python [-u] script.py …`` (a console script counts too)."""
    j = i + 1
    while j < len(words):
        w = words[j]
        if w == "-m" and j + 1 < len(words):
            module = words[j + 1]
            if module == "vllm.entrypoints.cli.main" and words[j + 2 : j + 3] == ["serve"]:
                return _with_positional("vllm", "vllm serve", words, j + 3)
            if module in _MODULES:
                engine, form = _MODULES[module]
                return _Found(engine, form, words[j + 2 :], words[: j + 2])
            return None
        if w.startswith("-"):
            j += 1
            continue
        return _match(words, j) if _base(w) in ("vllm", "text-generation-launcher") or w.endswith(".py") else None
    return None


def _script(words: list[str], i: int) -> _Found | None:
    path = words[i]
    base = _base(path)
    if base == "inference_api.py":  # KAITO's preset wrapper: vLLM's parser plus --kaito-* flags
        if "/tfs/" in path or "transformers" in path:
            return _Found("transformers", "kaito inference_api.py", words[i + 1 :], words[: i + 1])
        return _Found("vllm", "kaito inference_api.py", words[i + 1 :], words[: i + 1])
    if base == "launch_triton_server.py":
        return _Found("triton", "launch_triton_server.py", words[i + 1 :], words[: i + 1])
    if base in ("api_server.py", "vllm_server.py") and "vllm" in path:
        return _Found("vllm", "api_server", words[i + 1 :], words[: i + 1])
    return None


_IMAGES = (
    ("vllm-openai", "vllm", "image entrypoint"),
    ("vllm/vllm", "vllm", "image entrypoint"),
    ("text-generation-inference", "tgi", "image entrypoint"),
    ("huggingfaceserver", "vllm", "kserve huggingfaceserver"),
    ("llama.cpp", "llama.cpp", "image entrypoint"),
    ("ollama/ollama", "ollama", "image entrypoint"),
    ("nvcr.io/nim/", "nim", "nim image entrypoint"),
)


def _from_image(args: list[str], image: str) -> _Found | None:
    """No ``command``: the image's entrypoint is the server and ``args`` are its flags."""
    repo = image.split("@", 1)[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image.split("@", 1)[0]
    for needle, engine, form in _IMAGES:
        if needle in repo:
            if engine == "ollama":
                return _Found(engine, form, args[1:] if args[:1] == ["serve"] else args, [])
            if engine == "nim":
                return _Found(engine, form, args, [], defaults=_nim_defaults(repo))
            if engine == "vllm" and form == "image entrypoint":
                if args[:1] == ["serve"]:
                    args = args[1:]
                model = args[0] if args and not args[0].startswith("-") else None
                return _Found(engine, form, args[1:] if model else args, [], model)
            return _Found(engine, form, args, [])
    return None


# -- flags → facts ---------------------------------------------------------------------------------


def _nim_defaults(repo: str) -> dict[str, Any]:
    """A model-specific NIM image ``nvcr.io/nim/<publisher>/<model>`` serves ``<publisher>/<model>``
    (the name its /v1/models lists) unless NIM_MODEL_NAME / NIM_SERVED_MODEL_NAME say otherwise."""
    parts = repo.lower().split("nvcr.io/nim/", 1)[-1].split("/")
    return {"model": "/".join(parts)} if len(parts) == 2 and all(parts) else {}


def _facts(found: _Found, env: dict[str, str], indirect: set[str]) -> Launch:
    vocab = ENGINES.get(found.engine, VLLM)
    flags, config = _read_flags(found, vocab)
    launch = Launch(found.engine, found.form, flags={k: _redact_value(k, v, vocab) for k, v in flags.items()})
    launch.argv = redact_argv([*found.program, *(([found.model]) if found.model else []), *found.words], vocab)
    launch.config_file = redact_text(config) if config else None
    if found.form == "kserve huggingfaceserver" and str(flags.get("backend", "")).lower() in ("huggingface", "hf"):
        launch.engine = "transformers"
    source = launch.source
    defaults = {**_form_defaults(found.form), **found.defaults}
    for name, flag in vocab.flags.items():
        launch.facts[name] = _fact(
            name, flag.kind, flags, env, vocab, indirect, config, defaults.get(name, flag.default), source
        )
    _derive(launch, vocab)
    return launch


def _form_defaults(form: str) -> dict[str, Any]:
    """Defaults a wrapper changes: KAITO serves on 5000, KServe's huggingfaceserver on 8080; a Dynamo
    worker (``python -m dynamo.<engine>``) takes the engine's arguments but serves no HTTP of its own
    (Dynamo's frontend does), so the engine's default port is no fact about it."""
    if form.startswith("dynamo."):
        return {"port": NO_HTTP}
    return {"kaito inference_api.py": {"port": 5000}, "kserve huggingfaceserver": {"port": 8080}}.get(form, {})


NO_HTTP = "no HTTP server of its own: a Dynamo worker is reached through Dynamo's frontend"


def _read_flags(found: _Found, vocab: EngineVocab) -> tuple[dict[str, Any], str | None]:
    flags: dict[str, Any] = {}
    positional: list[str] = []
    words = found.words
    i = 0
    while i < len(words):
        tok = words[i]
        if not tok.startswith("-") or tok == "-" or _is_number(tok):
            positional.append(tok)
            i += 1
            continue
        raw, sep, rest = tok.partition("=")
        value: str | None = rest if sep else None
        name = _canonical(raw, vocab, found.form)
        if value is None:
            negated = name.startswith("no-") and vocab.flags.get(name[3:]) is not None
            kind = vocab.flags[name[3:]].kind if negated else (vocab.flags[name].kind if name in vocab.flags else None)
            nxt = words[i + 1] if i + 1 < len(words) else None
            if negated and kind == "bool":
                flags[name[3:]] = False
                i += 1
                continue
            if kind == "bool" or nxt is None or (nxt.startswith("-") and not _is_number(nxt)):
                flags[name] = True
                i += 1
                continue
            if kind == "list":
                j = i + 1
                while j < len(words) and not words[j].startswith("-"):
                    j += 1
                flags[name] = words[i + 1 : j]
                i = j
                continue
            value, i = nxt, i + 2
        else:
            i += 1
        flags[name] = value
    model = found.model if found.model is not None else (positional[0] if positional else None)
    if model is not None and "model" not in flags and found.engine in ("vllm", "tensorrt-llm", "sglang"):
        flags["model"] = model
    if "model" not in flags and "model-dir" in flags:  # KServe: --model_id wins over --model_dir
        flags["model"] = flags["model-dir"]
    config = next(
        (
            str(flags[c])
            for c in ("config", *sorted(vocab.config_flags), "kaito-config-file")
            if c in flags and isinstance(flags[c], str)
        ),
        None,
    )
    return flags, config


def _canonical(raw: str, vocab: EngineVocab, form: str) -> str:
    name = vocab.canonical(raw)
    if form == "kserve huggingfaceserver":
        name = KSERVE_HF.get(name, name)
    return name


def _fact(
    name: str,
    kind: str,
    flags: dict[str, Any],
    env: dict[str, str],
    vocab: EngineVocab,
    indirect: set[str],
    config: str | None,
    default: Any,
    source: Source,
) -> Fact:
    raw: Any = flags.get(name)
    origin = "argument"
    if raw is None:
        twin = next((var for var, fact_name in vocab.env.items() if fact_name == name and var in env), None)
        if twin is not None:
            raw, origin = env[twin], f"env {twin}"
        elif any(var in indirect for var, fact_name in vocab.env.items() if fact_name == name):
            var = next(v for v, f in vocab.env.items() if f == name and v in indirect)
            return Fact.unknown(source, f"set by env {var} from a Secret/ConfigMap reference (not read)")
    if raw is None:
        if config:
            return Fact.unknown(
                source, f"not on the command line; may be set in --config {redact_text(config)} (not read)"
            )
        if name == "served-model-name" and "model" in flags:
            return Fact([_redact_value("model", flags["model"], vocab)], Source.DEFAULT)
        if default is None:
            return Fact.unknown(Source.DEFAULT, _why_no_default(name, vocab.engine))
        if default is NO_HTTP:
            return Fact.unknown(Source.DEFAULT, NO_HTTP)
        return Fact(default, Source.DEFAULT)
    return _typed(name, kind, raw, source, origin, vocab)


def _typed(name: str, kind: str, raw: Any, source: Source, origin: str, vocab: EngineVocab) -> Fact:
    unit = None if origin == "argument" else origin
    if isinstance(raw, str):
        ref = _ENV_REF.search(raw)
        if ref:
            var = ref.group(1) or ref.group(2)
            return Fact.unknown(source, f"taken from environment variable {var} (not a literal value)")
    if isinstance(raw, str) and raw.lower() == "auto" and kind in ("int", "float"):
        return Fact.unknown(source, f"--{name} auto: the engine picks the value from the model and GPU memory")
    if raw is True and kind != "bool":
        return Fact.unknown(source, f"--{name} given without a value")
    try:
        if kind == "int":
            return Fact(_int(str(raw), name), source, unit)
        if kind == "float":
            return Fact(float(raw), source, unit)
        if kind == "bool":
            return Fact(raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes", "on"), source, unit)
    except ValueError:
        return Fact.unknown(source, f"unparsable value {redact_text(str(raw))!r} for --{name}")
    if kind == "list" and isinstance(raw, str):
        raw = [raw]
    return Fact(_redact_value(name, raw, vocab), source, unit)


def _int(text: str, name: str) -> int:
    """Integers as the engines read them; vLLM reads 32k = 32,000 and 32K = 32,768 for lengths."""
    text = text.replace("_", "")
    try:
        return int(text)
    except ValueError:
        scale = {"k": 1000, "K": 1024, "m": 1000**2, "M": 1024**2}.get(text[-1:]) if name.startswith("max-") else None
        if scale is None:
            raise
        return int(float(text[:-1]) * scale)


def _why_no_default(name: str, engine: str) -> str:
    return {
        "max-model-len": "not set: the model's max_position_embeddings applies",
        "model": "no model argument found",
        "tensor-parallel-size": f"not set: {engine} uses every visible GPU" if engine == "tgi" else "not set",
        "max-num-seqs": f"not set: {engine} chooses from the GPU and release",
        "max-num-batched-tokens": f"not set: {engine} chooses from the GPU and release",
        "gpu-memory-utilization": f"not set: {engine} chooses from the GPU",
    }.get(name, "not set")


def _derive(launch: Launch, vocab: EngineVocab) -> None:
    """Facts computed from others: GPUs in use, llama.cpp's per-slot context, Ollama's port."""
    f = launch.facts
    if launch.engine == "llama.cpp":
        ctx, slots = f.get("ctx-size"), f.get("max-num-seqs")
        if ctx is not None and ctx.known and ctx.value > 0:
            if slots is not None and slots.known and slots.value > 1:
                f["max-model-len"] = Fact(
                    ctx.value // slots.value, ctx.source, f"ctx-size {ctx.value} / {slots.value} slots"
                )
            else:
                f["max-model-len"] = Fact(ctx.value, ctx.source)
        else:
            f["max-model-len"] = Fact.unknown(Source.DEFAULT, "ctx-size 0 or unset: the model's own context applies")
    if launch.engine == "ollama":
        host = f.get("host")
        port = str(host.value).rsplit(":", 1)[-1] if host is not None and host.known else ""
        f["port"] = Fact(int(port), host.source) if port.isdigit() and host is not None else Fact(11434, Source.DEFAULT)
    if launch.engine == "triton":
        f["tensor-parallel-size"] = f["world-size"]
    sizes = [f.get(n) for n in ("tensor-parallel-size", "pipeline-parallel-size", "data-parallel-size")]
    present = [s for s in sizes if s is not None]
    if present and all(s.known for s in present):
        product = 1
        for s in present:
            product *= int(s.value)
        src = launch.source if any(s.source is not Source.DEFAULT for s in present) else Source.DEFAULT
        f["gpus"] = Fact(product, src, "tensor × pipeline × data parallel")
    else:
        reasons = [s.reason for s in present if not s.known] or ["no parallelism settings"]
        f["gpus"] = Fact.unknown(launch.source, f"parallel sizes unknown: {reasons[0]}")


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


# -- environment and redaction ---------------------------------------------------------------------


def _literal_env(env: Any) -> tuple[dict[str, str], set[str]]:
    """(name → literal value, names set from valueFrom) of a container's ``env`` list."""
    literal: dict[str, str] = {}
    indirect: set[str] = set()
    for item in env if isinstance(env, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        if "value" in item and item["value"] is not None:
            literal[item["name"]] = str(item["value"])
        elif item.get("valueFrom") is not None:
            indirect.add(item["name"])
    return literal, indirect


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        return [] if value is None else [str(value)]
    return [v if isinstance(v, str) else str(v) for v in value if v is not None]


def _redact_value(name: str, value: Any, vocab: EngineVocab) -> Any:
    if name in vocab.secret_flags or secret_flag(name):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [redact_text(v) if isinstance(v, str) else v for v in value]
    return value


def redact_argv(argv: Sequence[str], vocab: EngineVocab = VLLM) -> list[str]:
    """A command line safe to print: secret flag values, assignment values and tokens redacted."""
    out: list[str] = []
    hide_next = False
    for word in argv:
        if hide_next and not word.startswith("-"):
            out.append(REDACTED)
            hide_next = False
            continue
        hide_next = False
        if word.startswith("-"):
            raw, sep, _value = word.partition("=")
            secret = vocab.canonical(raw) in vocab.secret_flags or secret_flag(raw)
            if secret and sep:
                out.append(f"{raw}={REDACTED}")
                continue
            hide_next = secret
            out.append(redact_text(word))
            continue
        pair = assignment(word)
        if pair is not None:
            out.append(f"{pair[0]}={REDACTED}")
            continue
        out.append(redact_text(word))
    return out
