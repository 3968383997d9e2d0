"""Semantic stage: rules the schema cannot express (MS2xx), run on schema-valid documents.

The rules read the plain document (dicts, as loaded) rather than the pydantic models: building
the models costs ~150 ms of imports on a cold run, and a schema-valid document already has the
shape the rules expect. Each rule is a small function registered with ``@rule``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..spec import accelerators, vocab
from ..spec._numbers import number_problem
from ..spec.loader import LoadedDocument, escape_pointer_token
from .findings import Finding
from .rules import severity_of
from .secrets import is_reference, looks_like_secret, secret_like_name
from .uris import check_uri


@dataclass(slots=True)
class Context:
    """The document plus typed accessors: each returns ``None`` (or empty) for a value of the
    wrong shape, so a rule is total even under a looser ``--schema`` than the bundled one."""

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

    def text(self, dotted: str) -> str | None:
        value = self.get(dotted)
        return value if isinstance(value, str) else None

    def number(self, dotted: str) -> float | None:
        """A finite int or float (never a bool, never past the schema's 2**63 bound)."""
        return _number(self.get(dotted))

    def mapping(self, dotted: str) -> dict[str, Any]:
        value = self.get(dotted)
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}

    def items(self, dotted: str) -> list[tuple[int, dict[str, Any]]]:
        """``(index, item)`` for each mapping in the list at ``dotted``."""
        value = self.get(dotted)
        if not isinstance(value, list):
            return []
        return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]

    def finding(self, rule_id: str, pointer: str, message: str, hint: str | None = None) -> Finding:
        line, col = self.doc.position(pointer)
        return Finding(rule_id, severity_of(rule_id), message, pointer, line, col, hint)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or number_problem(value) is not None:
        return None
    return value


RuleFn = Callable[[Context], Iterator[Finding]]
SEMANTIC_RULES: list[RuleFn] = []
INTERNAL_ERROR = "MS399"


def rule(fn: RuleFn) -> RuleFn:
    SEMANTIC_RULES.append(fn)
    return fn


def _ptr(dotted: str) -> str:
    return "/" + dotted.replace(".", "/")


def run(doc: LoadedDocument) -> list[Finding]:
    """Every rule over ``doc``. A rule that raises becomes an MS399 finding for this document
    (the other rules and the other files still report), never a lost run."""
    ctx = Context(doc)
    out: list[Finding] = []
    for fn in SEMANTIC_RULES:
        try:
            out.extend(fn(ctx))
        except Exception as exc:
            out.append(internal_error(fn.__name__, exc))
    return out


def internal_error(where: str, exc: BaseException) -> Finding:
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    return Finding(INTERNAL_ERROR, severity_of(INTERNAL_ERROR),
                   f"internal error in {where}: {type(exc).__name__}{': ' + detail if detail else ''}",
                   "", 1, 1, "this is a bug in modelspec: please report it with the document")


# -- scaling ---------------------------------------------------------------------------------


@rule
def replicas(ctx: Context) -> Iterator[Finding]:
    lo = ctx.number("spec.operations.scaling.minReplicas")
    hi = ctx.number("spec.operations.scaling.maxReplicas")
    if lo is not None and hi is not None and lo > hi:
        yield ctx.finding("MS201", _ptr("spec.operations.scaling.minReplicas"),
                          f"minReplicas {lo} is greater than maxReplicas {hi}")
    warm = ctx.number("spec.operations.scaling.warmPool.size")
    if warm is not None and hi is not None and warm > hi:
        yield ctx.finding("MS202", _ptr("spec.operations.scaling.warmPool.size"),
                          f"warmPool.size {warm} is greater than maxReplicas {hi}")


@rule
def vllm_needs_max_len(ctx: Context) -> Iterator[Finding]:
    framework = ctx.text("spec.identity.model.framework")
    if framework is not None and framework.lower() == "vllm" \
            and ctx.get("spec.runtime.batch.maxSequenceLengthTokens") is None:
        yield ctx.finding("MS203", _ptr("spec.identity.model.framework"),
                          "framework vllm requires spec.runtime.batch.maxSequenceLengthTokens",
                          "set it to the --max-model-len you serve with")


# -- serving ---------------------------------------------------------------------------------


@rule
def ports(ctx: Context) -> Iterator[Finding]:
    serving = ctx.number("spec.operations.serving.port")
    metrics = ctx.number("spec.operations.observability.metrics.port")
    if serving is not None and serving == metrics:
        yield ctx.finding("MS204", _ptr("spec.operations.observability.metrics.port"),
                          f"metrics port {metrics} is the serving port too",
                          "vLLM serves /metrics on its API port: drop metrics.port or pick another")


@rule
def probes(ctx: Context) -> Iterator[Finding]:
    timeout = ctx.number("spec.operations.serving.timeoutSeconds")
    for name in ("readinessProbe", "livenessProbe"):
        base = f"spec.operations.serving.{name}"
        path = ctx.text(f"{base}.path")
        if path is not None and not path.startswith("/"):
            yield ctx.finding("MS205", _ptr(f"{base}.path"), f"{name}.path `{path}` must start with '/'",
                              f"write /{path}")
        probe_timeout = ctx.number(f"{base}.timeoutSeconds")
        if probe_timeout is not None and timeout and probe_timeout > timeout:
            yield ctx.finding("MS206", _ptr(f"{base}.timeoutSeconds"),
                              f"{name}.timeoutSeconds {probe_timeout} exceeds serving.timeoutSeconds {timeout}")


@rule
def latency_targets(ctx: Context) -> Iterator[Finding]:
    timeout = ctx.number("spec.operations.serving.timeoutSeconds")
    p95 = ctx.number("spec.operations.scaling.targetLatencyMsP95")
    if timeout and p95 is not None and timeout * 1000 < p95:
        yield ctx.finding("MS207", _ptr("spec.operations.serving.timeoutSeconds"),
                          f"timeoutSeconds {timeout} ({timeout * 1000} ms) is below targetLatencyMsP95 {p95:g} ms")
    rps = ctx.number("spec.operations.scaling.targetRps")
    conc = ctx.number("spec.operations.serving.maxConcurrency")
    hi = ctx.number("spec.operations.scaling.maxReplicas")
    if rps and p95 and conc and conc > 0 and hi is not None:
        # numbers are below 2**63 (schema), so these products stay finite floats
        needed = float(rps) * float(p95) / 1000.0
        capacity = float(conc) * float(hi)
        if needed > capacity:
            yield ctx.finding(
                "MS208", _ptr("spec.operations.scaling.targetRps"),
                f"targetRps {rps:g} × p95 {p95:g} ms needs {needed:.1f} requests in flight, "
                f"but maxConcurrency {conc} × maxReplicas {hi} allows {capacity:g}",
                f"raise maxReplicas to at least {math.ceil(needed / float(conc)):d} or lower the targets")


# -- vocabularies ----------------------------------------------------------------------------


@rule
def precision(ctx: Context) -> Iterator[Finding]:
    value = ctx.text("spec.identity.model.precision")
    if value is not None and vocab.canonical_precision(value) is None:
        close = vocab.suggest(value, list(vocab.PRECISION_BYTES) + list(vocab.PRECISION_ALIASES))
        yield ctx.finding("MS209", _ptr("spec.identity.model.precision"), f"unknown precision `{value}`",
                          f"did you mean `{close}`?" if close else "known: " + ", ".join(vocab.PRECISION_BYTES))
    for i, variant in ctx.items("spec.identity.model.variants"):
        p = variant.get("precision")
        if isinstance(p, str) and vocab.canonical_precision(p) is None:
            close = vocab.suggest(p, list(vocab.PRECISION_BYTES))
            yield ctx.finding("MS209", f"/spec/identity/model/variants/{i}/precision", f"unknown precision `{p}`",
                              f"did you mean `{close}`?" if close else None)
        q = variant.get("quantization")
        if isinstance(q, str) and q.lower() not in vocab.QUANTIZATIONS:
            close = vocab.suggest(q, vocab.QUANTIZATIONS)
            yield ctx.finding("MS226", f"/spec/identity/model/variants/{i}/quantization",
                              f"unknown quantization `{q}`", f"did you mean `{close}`?" if close else None)


@rule
def accelerator(ctx: Context) -> Iterator[Finding]:
    acc = ctx.mapping("spec.runtime.accelerator")
    vendor_text = acc.get("vendor")
    vendor = vendor_text.lower() if isinstance(vendor_text, str) else ""
    alternatives = acc.get("alternatives")
    types = [("type", acc.get("type"))]
    types += [(f"alternatives/{i}", t) for i, t in enumerate(alternatives if isinstance(alternatives, list) else [])]
    for where, gpu_type in types:
        if not isinstance(gpu_type, str):
            continue
        pointer = f"/spec/runtime/accelerator/{where}"
        canon = accelerators.canonical_type(gpu_type)
        if canon is None:
            close = accelerators.suggest_type(gpu_type)
            yield ctx.finding("MS210", pointer, f"unknown accelerator type `{gpu_type}`",
                              f"did you mean `{close}`?" if close else None)
            continue
        owner = accelerators.KNOWN_TYPES[canon]
        if vendor and vendor in accelerators.VENDORS and owner != vendor:
            yield ctx.finding("MS211", pointer, f"accelerator type `{gpu_type}` is made by {owner}, "
                              f"but vendor is `{vendor_text}`")


@rule
def log_level(ctx: Context) -> Iterator[Finding]:
    level = ctx.text("spec.operations.observability.logging.level")
    if level is not None and level.lower() not in vocab.LOG_LEVELS:
        close = vocab.suggest(level, vocab.LOG_LEVELS)
        yield ctx.finding("MS225", _ptr("spec.operations.observability.logging.level"),
                          f"unknown log level `{level}`", f"did you mean `{close}`?" if close else None)


# -- artifacts -------------------------------------------------------------------------------


@rule
def artifact_uris(ctx: Context) -> Iterator[Finding]:
    places = [(f"/spec/identity/model/artifacts/{escape_pointer_token(k)}", v)
              for k, v in ctx.mapping("spec.identity.model.artifacts").items()]
    places += [(f"/spec/identity/model/variants/{i}/uri", v.get("uri"))
               for i, v in ctx.items("spec.identity.model.variants")]
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
    name = ctx.text("metadata.name")
    if name is not None and (len(name) > 253 or not _DNS_SUBDOMAIN.match(name)):
        fixed = re.sub(r"[^a-z0-9.-]+", "-", name.lower()).strip("-.") or None
        yield ctx.finding("MS214", "/metadata/name",
                          f"metadata.name `{name}` is not a Kubernetes name (lower-case a-z, 0-9, '-', '.')",
                          f"e.g. `{fixed}`" if fixed and fixed != name else None)
    for key, value in ctx.mapping("metadata.labels").items():
        pointer = f"/metadata/labels/{escape_pointer_token(key)}"
        problem = _label_key_problem(key)
        if problem:
            yield ctx.finding("MS215", pointer, problem)
        if isinstance(value, str) and value and (len(value) > 63 or not _LABEL_NAME.match(value)):
            yield ctx.finding("MS215", pointer, f"label value `{value}` for `{key}` is not a valid label value "
                              "(≤ 63 chars of [A-Za-z0-9._-], alphanumeric at both ends)")
    for key in ctx.mapping("metadata.annotations"):
        problem = _label_key_problem(key)
        if problem:
            yield ctx.finding("MS215", f"/metadata/annotations/{escape_pointer_token(key)}",
                              problem.replace("label", "annotation"))


# -- environment -----------------------------------------------------------------------------


@rule
def environment(ctx: Context) -> Iterator[Finding]:
    for name, value in ctx.mapping("spec.runtime.environment.variables").items():
        pointer = f"/spec/runtime/environment/variables/{escape_pointer_token(name)}"
        if not _ENV_NAME.match(name):
            yield ctx.finding("MS216", pointer, f"environment variable name `{name}` is not valid")
        if not isinstance(value, str):
            continue
        kind = looks_like_secret(value)
        if kind is not None:
            yield ctx.finding("MS217", pointer, f"the value of {name} looks like {kind} (value not shown)",
                              "remove it from the spec and load it from a Kubernetes Secret (secretKeyRef)")
        elif secret_like_name(name) and not is_reference(value):
            yield ctx.finding("MS223", pointer, f"{name} is set to a literal value (not shown)",
                              "credentials belong in a Secret; reference it instead")


# -- governance ------------------------------------------------------------------------------


@rule
def pii_logging(ctx: Context) -> Iterator[Finding]:
    allowed = ctx.get("spec.governance.compliance.pii.allowed")
    level = ctx.text("spec.operations.observability.logging.level")
    if allowed is False and level is not None and level.lower() in ("debug", "trace"):
        yield ctx.finding("MS218", _ptr("spec.operations.observability.logging.level"),
                          f"logging level `{level}` while pii.allowed is false: debug logs usually hold prompts")


# -- dependencies (ids; specRef resolution lives in refs.py) ----------------------------------


@rule
def dependency_ids(ctx: Context) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for i, dep in ctx.items("spec.pipeline.dependencies"):
        dep_id = dep.get("id")
        if not isinstance(dep_id, str):
            continue
        if dep_id in seen:
            yield ctx.finding("MS219", f"/spec/pipeline/dependencies/{i}/id",
                              f"dependency id `{dep_id}` repeats dependency {seen[dep_id]}")
        else:
            seen[dep_id] = i


# -- octal / base-60 numbers the schema accepted ---------------------------------------------


@rule
def yaml_number_traps(ctx: Context) -> Iterator[Finding]:
    for pointer, trap in ctx.doc.traps.items():
        if trap.kind in ("octal", "sexagesimal"):
            yield ctx.finding("MS310", pointer, f"`{trap.text}` is read as {trap.value} (YAML 1.1 "
                              f"{'octal' if trap.kind == 'octal' else 'base-60'} number)",
                              f"write {trap.value} if that is meant, or quote \"{trap.text}\"")


# -- capacity (resolver tie-in) --------------------------------------------------------------


@rule
def accelerator_capacity(ctx: Context) -> Iterator[Finding]:
    model = ctx.mapping("spec.identity.model")
    if not (model.get("architecture") or model.get("id")):
        return
    from ..resolve.fit import declared_fit

    problem = declared_fit(ctx.data)
    if problem:
        yield ctx.finding("MS224", "/spec/runtime/accelerator", problem,
                          "run `modelspec resolve` for a type and count that fit")
