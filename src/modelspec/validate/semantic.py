"""Semantic stage: rules the schema cannot express (MS2xx), run on schema-valid documents.

The rules read the plain document (dicts, as loaded) rather than the pydantic models: building
the models costs ~150 ms of imports on a cold run, and a schema-valid document already has the
shape the rules expect. Each rule is a small function registered with ``@rule``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..spec import accelerators, vocab
from ..spec.loader import LoadedDocument, escape_pointer_token
from .findings import Finding
from .rules import severity_of
from .secrets import is_reference, looks_like_secret, secret_like_name
from .uris import check_uri


@dataclass(slots=True)
class Context:
    doc: LoadedDocument

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.doc.data
        return data

    def get(self, dotted: str) -> Any:
        node: Any = self.data
        for key in dotted.split("."):
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def finding(self, rule_id: str, pointer: str, message: str, hint: str | None = None) -> Finding:
        line, col = self.doc.position(pointer)
        return Finding(rule_id, severity_of(rule_id), message, pointer, line, col, hint)


RuleFn = Callable[[Context], Iterator[Finding]]
SEMANTIC_RULES: list[RuleFn] = []


def rule(fn: RuleFn) -> RuleFn:
    SEMANTIC_RULES.append(fn)
    return fn


def _ptr(dotted: str) -> str:
    return "/" + dotted.replace(".", "/")


def run(doc: LoadedDocument) -> list[Finding]:
    ctx = Context(doc)
    out: list[Finding] = []
    for fn in SEMANTIC_RULES:
        out.extend(fn(ctx))
    return out


# -- scaling ---------------------------------------------------------------------------------


@rule
def replicas(ctx: Context) -> Iterator[Finding]:
    lo, hi = ctx.get("spec.operations.scaling.minReplicas"), ctx.get("spec.operations.scaling.maxReplicas")
    if lo is not None and hi is not None and lo > hi:
        yield ctx.finding(
            "MS201", _ptr("spec.operations.scaling.minReplicas"), f"minReplicas {lo} is greater than maxReplicas {hi}"
        )
    warm = ctx.get("spec.operations.scaling.warmPool.size")
    if warm is not None and hi is not None and warm > hi:
        yield ctx.finding(
            "MS202",
            _ptr("spec.operations.scaling.warmPool.size"),
            f"warmPool.size {warm} is greater than maxReplicas {hi}",
        )


@rule
def vllm_needs_max_len(ctx: Context) -> Iterator[Finding]:
    framework = ctx.get("spec.identity.model.framework")
    if (
        isinstance(framework, str)
        and framework.lower() == "vllm"
        and ctx.get("spec.runtime.batch.maxSequenceLengthTokens") is None
    ):
        yield ctx.finding(
            "MS203",
            _ptr("spec.identity.model.framework"),
            "framework vllm requires spec.runtime.batch.maxSequenceLengthTokens",
            "set it to the --max-model-len you serve with",
        )


# -- serving ---------------------------------------------------------------------------------


@rule
def ports(ctx: Context) -> Iterator[Finding]:
    serving = ctx.get("spec.operations.serving.port")
    metrics = ctx.get("spec.operations.observability.metrics.port")
    if serving is not None and serving == metrics:
        yield ctx.finding(
            "MS204",
            _ptr("spec.operations.observability.metrics.port"),
            f"metrics port {metrics} is the serving port too",
            "vLLM serves /metrics on its API port: drop metrics.port or pick another",
        )


@rule
def probes(ctx: Context) -> Iterator[Finding]:
    timeout = ctx.get("spec.operations.serving.timeoutSeconds")
    for name in ("readinessProbe", "livenessProbe"):
        base = f"spec.operations.serving.{name}"
        path = ctx.get(f"{base}.path")
        if isinstance(path, str) and not path.startswith("/"):
            yield ctx.finding(
                "MS205", _ptr(f"{base}.path"), f"{name}.path `{path}` must start with '/'", f"write /{path}"
            )
        probe_timeout = ctx.get(f"{base}.timeoutSeconds")
        if probe_timeout is not None and timeout and probe_timeout > timeout:
            yield ctx.finding(
                "MS206",
                _ptr(f"{base}.timeoutSeconds"),
                f"{name}.timeoutSeconds {probe_timeout} exceeds serving.timeoutSeconds {timeout}",
            )


@rule
def latency_targets(ctx: Context) -> Iterator[Finding]:
    timeout = ctx.get("spec.operations.serving.timeoutSeconds")
    p95 = ctx.get("spec.operations.scaling.targetLatencyMsP95")
    if timeout and p95 is not None and timeout * 1000 < p95:
        yield ctx.finding(
            "MS207",
            _ptr("spec.operations.serving.timeoutSeconds"),
            f"timeoutSeconds {timeout} ({timeout * 1000} ms) is below targetLatencyMsP95 {p95:g} ms",
        )
    rps = ctx.get("spec.operations.scaling.targetRps")
    conc = ctx.get("spec.operations.serving.maxConcurrency")
    hi = ctx.get("spec.operations.scaling.maxReplicas")
    if rps and p95 and conc and hi is not None:
        needed = rps * p95 / 1000.0
        capacity = conc * hi
        if needed > capacity:
            yield ctx.finding(
                "MS208",
                _ptr("spec.operations.scaling.targetRps"),
                f"targetRps {rps:g} × p95 {p95:g} ms needs {needed:.1f} requests in flight, "
                f"but maxConcurrency {conc} × maxReplicas {hi} allows {capacity}",
                f"raise maxReplicas to at least {-(-needed // conc):.0f} or lower the targets",
            )


# -- vocabularies ----------------------------------------------------------------------------


@rule
def precision(ctx: Context) -> Iterator[Finding]:
    value = ctx.get("spec.identity.model.precision")
    if isinstance(value, str) and vocab.canonical_precision(value) is None:
        close = vocab.suggest(value, list(vocab.PRECISION_BYTES) + list(vocab.PRECISION_ALIASES))
        yield ctx.finding(
            "MS209",
            _ptr("spec.identity.model.precision"),
            f"unknown precision `{value}`",
            f"did you mean `{close}`?" if close else "known: " + ", ".join(vocab.PRECISION_BYTES),
        )
    for i, variant in enumerate(ctx.get("spec.identity.model.variants") or []):
        p = variant.get("precision")
        if isinstance(p, str) and vocab.canonical_precision(p) is None:
            close = vocab.suggest(p, list(vocab.PRECISION_BYTES))
            yield ctx.finding(
                "MS209",
                f"/spec/identity/model/variants/{i}/precision",
                f"unknown precision `{p}`",
                f"did you mean `{close}`?" if close else None,
            )
        q = variant.get("quantization")
        if isinstance(q, str) and q.lower() not in vocab.QUANTIZATIONS:
            close = vocab.suggest(q, vocab.QUANTIZATIONS)
            yield ctx.finding(
                "MS226",
                f"/spec/identity/model/variants/{i}/quantization",
                f"unknown quantization `{q}`",
                f"did you mean `{close}`?" if close else None,
            )


@rule
def accelerator(ctx: Context) -> Iterator[Finding]:
    acc = ctx.get("spec.runtime.accelerator") or {}
    vendor = str(acc.get("vendor", "")).lower()
    types = [("type", acc.get("type"))]
    types += [(f"alternatives/{i}", t) for i, t in enumerate(acc.get("alternatives") or [])]
    for where, gpu_type in types:
        if not isinstance(gpu_type, str):
            continue
        pointer = f"/spec/runtime/accelerator/{where}"
        canon = accelerators.canonical_type(gpu_type)
        if canon is None:
            close = accelerators.suggest_type(gpu_type)
            yield ctx.finding(
                "MS210",
                pointer,
                f"unknown accelerator type `{gpu_type}`",
                f"did you mean `{close}`?" if close else None,
            )
            continue
        owner = accelerators.KNOWN_TYPES[canon]
        if vendor and vendor in accelerators.VENDORS and owner != vendor:
            yield ctx.finding(
                "MS211",
                pointer,
                f"accelerator type `{gpu_type}` is made by {owner}, but vendor is `{acc.get('vendor')}`",
            )


@rule
def log_level(ctx: Context) -> Iterator[Finding]:
    level = ctx.get("spec.operations.observability.logging.level")
    if isinstance(level, str) and level.lower() not in vocab.LOG_LEVELS:
        close = vocab.suggest(level, vocab.LOG_LEVELS)
        yield ctx.finding(
            "MS225",
            _ptr("spec.operations.observability.logging.level"),
            f"unknown log level `{level}`",
            f"did you mean `{close}`?" if close else None,
        )


# -- artifacts -------------------------------------------------------------------------------


@rule
def artifact_uris(ctx: Context) -> Iterator[Finding]:
    places = [
        (f"/spec/identity/model/artifacts/{k}", v) for k, v in (ctx.get("spec.identity.model.artifacts") or {}).items()
    ]
    places += [
        (f"/spec/identity/model/variants/{i}/uri", v.get("uri"))
        for i, v in enumerate(ctx.get("spec.identity.model.variants") or [])
    ]
    for pointer, uri in places:
        if not isinstance(uri, str):
            continue
        problem = check_uri(uri)
        if problem is not None:
            yield ctx.finding(problem[0], pointer, problem[1])


# -- Kubernetes syntax -----------------------------------------------------------------------

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _label_key_problem(key: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return f"label key prefix `{prefix}` is not a DNS subdomain"
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return f"label key `{key}`: name part must be 1–63 chars of [A-Za-z0-9._-], alphanumeric at both ends"
    return None


@rule
def kubernetes_names(ctx: Context) -> Iterator[Finding]:
    name = ctx.get("metadata.name")
    if isinstance(name, str) and (len(name) > 253 or not _DNS_SUBDOMAIN.match(name)):
        fixed = re.sub(r"[^a-z0-9.-]+", "-", name.lower()).strip("-.") or None
        yield ctx.finding(
            "MS214",
            "/metadata/name",
            f"metadata.name `{name}` is not a Kubernetes name (lower-case a-z, 0-9, '-', '.')",
            f"e.g. `{fixed}`" if fixed and fixed != name else None,
        )
    for key, value in (ctx.get("metadata.labels") or {}).items():
        pointer = f"/metadata/labels/{escape_pointer_token(key)}"
        problem = _label_key_problem(key)
        if problem:
            yield ctx.finding("MS215", pointer, problem)
        if isinstance(value, str) and value and (len(value) > 63 or not _LABEL_NAME.match(value)):
            yield ctx.finding(
                "MS215",
                pointer,
                f"label value `{value}` for `{key}` is not a valid label value "
                "(≤ 63 chars of [A-Za-z0-9._-], alphanumeric at both ends)",
            )
    for key in ctx.get("metadata.annotations") or {}:
        problem = _label_key_problem(key)
        if problem:
            yield ctx.finding(
                "MS215", f"/metadata/annotations/{escape_pointer_token(key)}", problem.replace("label", "annotation")
            )


# -- environment -----------------------------------------------------------------------------


@rule
def environment(ctx: Context) -> Iterator[Finding]:
    for name, value in (ctx.get("spec.runtime.environment.variables") or {}).items():
        pointer = f"/spec/runtime/environment/variables/{escape_pointer_token(name)}"
        if not _ENV_NAME.match(name):
            yield ctx.finding("MS216", pointer, f"environment variable name `{name}` is not valid")
        if not isinstance(value, str):
            continue
        kind = looks_like_secret(value)
        if kind is not None:
            yield ctx.finding(
                "MS217",
                pointer,
                f"the value of {name} looks like {kind} (value not shown)",
                "remove it from the spec and load it from a Kubernetes Secret (secretKeyRef)",
            )
        elif secret_like_name(name) and not is_reference(value):
            yield ctx.finding(
                "MS223",
                pointer,
                f"{name} is set to a literal value (not shown)",
                "credentials belong in a Secret; reference it instead",
            )


# -- governance ------------------------------------------------------------------------------


@rule
def pii_logging(ctx: Context) -> Iterator[Finding]:
    allowed = ctx.get("spec.governance.compliance.pii.allowed")
    level = ctx.get("spec.operations.observability.logging.level")
    if allowed is False and isinstance(level, str) and level.lower() in ("debug", "trace"):
        yield ctx.finding(
            "MS218",
            _ptr("spec.operations.observability.logging.level"),
            f"logging level `{level}` while pii.allowed is false: debug logs usually hold prompts",
        )


# -- dependencies (ids; specRef resolution lives in refs.py) ----------------------------------


@rule
def dependency_ids(ctx: Context) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for i, dep in enumerate(ctx.get("spec.pipeline.dependencies") or []):
        dep_id = dep.get("id")
        if dep_id in seen:
            yield ctx.finding(
                "MS219",
                f"/spec/pipeline/dependencies/{i}/id",
                f"dependency id `{dep_id}` repeats dependency {seen[dep_id]}",
            )
        else:
            seen[dep_id] = i


# -- octal / base-60 numbers the schema accepted ---------------------------------------------


@rule
def yaml_number_traps(ctx: Context) -> Iterator[Finding]:
    for pointer, trap in ctx.doc.traps.items():
        if trap.kind in ("octal", "sexagesimal"):
            yield ctx.finding(
                "MS310",
                pointer,
                f"`{trap.text}` is read as {trap.value} (YAML 1.1 "
                f"{'octal' if trap.kind == 'octal' else 'base-60'} number)",
                f'write {trap.value} if that is meant, or quote "{trap.text}"',
            )


# -- capacity (resolver tie-in) --------------------------------------------------------------


@rule
def accelerator_capacity(ctx: Context) -> Iterator[Finding]:
    model = ctx.get("spec.identity.model") or {}
    if not (model.get("architecture") or model.get("id")):
        return
    from ..resolve.engine import declared_fit

    problem = declared_fit(ctx.data)
    if problem:
        yield ctx.finding(
            "MS224", "/spec/runtime/accelerator", problem, "run `modelspec resolve` for a type and count that fit"
        )
