"""Drift rules for a model server found on the node: the spec against its launch flags, the GPUs
it holds (NVML) and, with ``--probe-http``, its live ``/v1/models`` and ``/metrics``.

Each rule is a small function over the typed spec (:class:`ModelSpec`) and one
:class:`ServerFacts`, registered in :data:`RULES` with an id, the JSON pointer it checks, a doc
line and a remediation. No server → each applicable rule is ``unknown`` naming what was searched
(``missing`` with ``--require-server``), so a pre-flight check of a fresh node still works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from ..spec.models import ModelSpec
from ..spec.vocab import canonical_precision
from ..validate.findings import Severity
from .claims import claim, server_names, spec_names
from .drift import DriftFinding, DriftReport, Status, drift, verdict
from .facts import Fact, NodeFacts, ServerFacts
from .vllm_args import precision_of

Check = Callable[[ModelSpec, ServerFacts], Iterator[DriftFinding]]


@dataclass(frozen=True, slots=True)
class ServerRule:
    id: str
    pointer: str
    doc: str
    remediation: str
    applies: Callable[[ModelSpec], bool]
    check: Check


def _unknown(pointer: str, declared: object, fact: Fact, what: str, source: str = "") -> DriftFinding:
    return DriftFinding(
        pointer, declared, None, Status.UNKNOWN, Severity.INFO, source or fact.source.value, f"{what}: {fact.reason}"
    )


def _compare(pointer: str, declared: object, fact: Fact | None, what: str, label: str) -> DriftFinding:
    if fact is None:
        return DriftFinding(pointer, declared, None, Status.UNKNOWN, Severity.INFO, "psutil", f"{what}: not read")
    if not fact.known:
        return _unknown(pointer, declared, fact, f"{label}: {what}")
    default = " (engine default)" if fact.source.value == "default" else ""
    ok = declared == fact.value
    tail = "" if ok else f", spec declares {declared}"
    return verdict(
        pointer,
        declared,
        fact.value,
        ok,
        Severity.ERROR,
        fact.source.value,
        f"{label}: {what} {fact.value}{default}{tail}",
    )


def _int(fact: Fact | None) -> int | None:
    return int(fact.value) if fact is not None and fact.known and isinstance(fact.value, int) else None


def _count(spec: ModelSpec, s: ServerFacts) -> Iterator[DriftFinding]:
    pointer = "/spec/runtime/accelerator/count"
    declared = spec.spec.runtime.accelerator.count
    sizes = {k: _int(s.launch.get(f"{k}-parallel-size")) for k in ("tensor", "pipeline", "data")}
    if sizes["data"] is None and s.launch.get("data-parallel-size") is None:
        sizes["data"] = 1  # the parser does not read it: vLLM's default
    if None in sizes.values():
        missing = next(k for k, v in sizes.items() if v is None)
        yield _unknown(
            pointer,
            declared,
            s.launch.get(f"{missing}-parallel-size") or Fact.unknown(s.gpus.source, "not read"),
            f"{s.label}: {missing}-parallel size",
        )
    else:
        product = sizes["tensor"] * sizes["pipeline"] * sizes["data"]  # type: ignore[operator]
        ok = product == declared
        yield verdict(
            pointer,
            declared,
            product,
            ok,
            Severity.ERROR,
            "vllm-args",
            f"{s.label}: tensor {sizes['tensor']} × pipeline {sizes['pipeline']} × data {sizes['data']}"
            f" = {product} GPUs" + ("" if ok else f", spec declares {declared}"),
        )
    if not s.gpus.known:
        yield _unknown(pointer, declared, s.gpus, f"{s.label}: GPUs held")
        return
    held = len(s.gpus.value)
    ok = held == declared
    yield verdict(
        pointer,
        declared,
        held,
        ok,
        Severity.ERROR if held < declared else Severity.WARNING,
        "nvml",
        f"{s.label} holds GPU(s) {s.gpus.value or 'none'} (NVML compute processes of the server and its workers)"
        + ("" if ok else f", spec declares {declared} per replica"),
    )


def _max_len(spec: ModelSpec, s: ServerFacts) -> Iterator[DriftFinding]:
    batch = spec.spec.runtime.batch
    declared = batch.max_sequence_length_tokens if batch else None
    live = s.http.get("max_model_len")
    fact = live if live is not None and live.known else s.launch.get("max-model-len")
    yield _compare("/spec/runtime/batch/maxSequenceLengthTokens", declared, fact, "max model length", s.label)


def _batch(spec: ModelSpec, s: ServerFacts) -> Iterator[DriftFinding]:
    batch = spec.spec.runtime.batch
    declared = batch.max_batch_size if batch else None
    yield _compare(
        "/spec/runtime/batch/maxBatchSize", declared, s.launch.get("max-num-seqs"), "--max-num-seqs", s.label
    )


def _precision(spec: ModelSpec, s: ServerFacts) -> Iterator[DriftFinding]:
    pointer = "/spec/identity/model/precision"
    declared = spec.spec.identity.model.precision
    dtype, quant = s.launch.get("dtype"), s.launch.get("quantization")
    if dtype is None or quant is None:
        yield DriftFinding(
            pointer, declared, None, Status.UNKNOWN, Severity.INFO, "psutil", f"{s.label}: precision flags not read"
        )
        return
    implied = precision_of(dtype, quant)
    source = "vllm-args" if "vllm-args" in (dtype.source.value, quant.source.value) else "default"
    if implied is None:
        yield DriftFinding(
            pointer,
            declared,
            dtype.value,
            Status.UNKNOWN,
            Severity.INFO,
            source,
            f"{s.label}: --dtype {dtype.value or 'auto'}: the checkpoint's torch_dtype decides",
        )
        return
    want = canonical_precision(str(declared)) or str(declared)
    ok = implied == want or (want.startswith("fp8") and implied == "fp8")
    yield verdict(pointer, declared, implied, ok, Severity.ERROR, source, f"{s.label}: launch flags imply {implied}")


def _port(spec: ModelSpec, s: ServerFacts) -> Iterator[DriftFinding]:
    serving = spec.spec.operations.serving if spec.spec.operations else None
    declared = serving.port if serving else None
    yield _compare("/spec/operations/serving/port", declared, s.launch.get("port"), "--port", s.label)


def _models(spec: ModelSpec, s: ServerFacts) -> Iterator[DriftFinding]:
    pointer = "/spec/identity/model/id"
    declared = spec.spec.identity.model.id
    live = s.http.get("models")
    if live is None:
        names = _launch_names(s)
        ok = bool(server_names(s) & spec_names(spec))
        yield verdict(
            pointer,
            declared,
            names[0] if names else None,
            ok,
            Severity.ERROR,
            "vllm-args",
            f"{s.label} serves {', '.join(names) or 'an unnamed model'} (launch flags)",
        )
        return
    if not live.known:
        yield _unknown(pointer, declared, live, f"{s.label}: /v1/models")
        return
    ok = any(n in spec_names(spec) for m in live.value if isinstance(m, str) for n in _last(m))
    yield verdict(
        pointer, declared, live.value, ok, Severity.ERROR, "vllm-http", f"{s.label}: /v1/models lists {live.value}"
    )


def _launch_names(s: ServerFacts) -> list[str]:
    """The model argument, then the served names, as written (for messages; matching normalises)."""
    out: list[str] = []
    for key in ("model", "served-model-name"):
        fact = s.launch.get(key)
        values = (fact.value if isinstance(fact.value, list) else [fact.value]) if fact and fact.known else []
        out += [v for v in values if isinstance(v, str) and v not in out]
    return out


def _last(name: str) -> set[str]:
    low = name.lower()
    return {low, low.rsplit("/", 1)[-1]}


def _metrics(spec: ModelSpec, s: ServerFacts) -> Iterator[DriftFinding]:
    pointer = "/spec/operations/observability/metrics/enabled"
    fact = s.http.get("metrics")
    if fact is None:
        yield DriftFinding(
            pointer,
            True,
            None,
            Status.UNKNOWN,
            Severity.INFO,
            "vllm-http",
            f"{s.label}: /metrics not probed (use --probe-http)",
        )
    elif fact.known:
        yield verdict(
            pointer, True, True, True, Severity.INFO, "vllm-http", f"{s.label}: /metrics answers on the server port"
        )
    elif "answered HTTP 404" in (fact.reason or ""):
        yield verdict(pointer, True, False, False, Severity.WARNING, "vllm-http", f"{s.label}: {fact.reason}")
    else:
        yield _unknown(pointer, True, fact, f"{s.label}: /metrics unreachable")


def _has_batch(attr: str) -> Callable[[ModelSpec], bool]:
    return lambda spec: spec.spec.runtime.batch is not None and getattr(spec.spec.runtime.batch, attr) is not None


def _metrics_declared(spec: ModelSpec) -> bool:
    obs = spec.spec.operations.observability if spec.spec.operations else None
    return bool(obs and obs.metrics and obs.metrics.enabled)


RULES: tuple[ServerRule, ...] = (
    ServerRule(
        "MS-NODE-SERVER-GPUS",
        "/spec/runtime/accelerator/count",
        "A server's tensor × pipeline × data parallel size and the GPUs it holds equal the declared count.",
        "Restart the server with parallel sizes whose product is the declared count, or fix the spec.",
        lambda spec: True,
        _count,
    ),
    ServerRule(
        "MS-NODE-SERVER-MAXLEN",
        "/spec/runtime/batch/maxSequenceLengthTokens",
        "The server's max model length (live /v1/models, else --max-model-len) equals the declared one.",
        "Set --max-model-len to the declared maxSequenceLengthTokens.",
        _has_batch("max_sequence_length_tokens"),
        _max_len,
    ),
    ServerRule(
        "MS-NODE-SERVER-BATCH",
        "/spec/runtime/batch/maxBatchSize",
        "The server's --max-num-seqs equals the declared maxBatchSize.",
        "Set --max-num-seqs to the declared maxBatchSize.",
        _has_batch("max_batch_size"),
        _batch,
    ),
    ServerRule(
        "MS-NODE-SERVER-PRECISION",
        "/spec/identity/model/precision",
        "The precision the server's --dtype / --quantization imply equals the declared precision.",
        "Launch with the matching --dtype or --quantization.",
        lambda spec: spec.spec.identity.model.precision is not None,
        _precision,
    ),
    ServerRule(
        "MS-NODE-SERVER-PORT",
        "/spec/operations/serving/port",
        "The server listens on the declared port (--port).",
        "Start the server with --port set to the declared port.",
        lambda spec: bool(spec.spec.operations and spec.spec.operations.serving and spec.spec.operations.serving.port),
        _port,
    ),
    ServerRule(
        "MS-NODE-SERVER-MODEL",
        "/spec/identity/model/id",
        "The server serves the spec's model (launch flags; live /v1/models with --probe-http).",
        "Serve the declared model, or point the scan at the spec of the model that runs.",
        lambda spec: True,
        _models,
    ),
    ServerRule(
        "MS-NODE-SERVER-METRICS",
        "/spec/operations/observability/metrics/enabled",
        "With --probe-http, the server's /metrics answers on loopback when metrics are declared.",
        "Check that the server exposes /metrics (vLLM does on its API port).",
        _metrics_declared,
        _metrics,
    ),
)


def server_findings(spec: ModelSpec, server: ServerFacts) -> Iterator[DriftFinding]:
    for rule in RULES:
        if rule.applies(spec):
            yield from rule.check(spec, server)


def no_server_findings(spec: ModelSpec, searched: str, required: bool) -> Iterator[DriftFinding]:
    """One finding per applicable rule: unknown, or missing when ``--require-server`` is set."""
    status, severity = (Status.MISSING, Severity.ERROR) if required else (Status.UNKNOWN, Severity.INFO)
    seen: set[str] = set()
    for rule in RULES:
        if rule.applies(spec) and rule.pointer not in seen:
            seen.add(rule.pointer)
            yield DriftFinding(
                rule.pointer, None, None, status, severity, "psutil", f"no model server found ({searched})"
            )


def _tag(findings: Iterator[DriftFinding], workload: str | None) -> Iterator[DriftFinding]:
    for f in findings:
        yield f if workload is None or f.workload else replace(f, workload=workload)


def _one_spec(
    spec: ModelSpec, path: str | None, mine: list[ServerFacts], facts: NodeFacts, require_server: bool
) -> list[DriftFinding]:
    own = frozenset(s.pid for s in mine)
    out = list(drift(spec, facts, spec_path=path, own_servers=own).findings)
    if not mine:
        searched = facts.server_search + (f"; none serves {sorted(spec_names(spec))}" if facts.servers else "")
        out += no_server_findings(spec, searched, require_server)
    for server in mine:
        out += _tag(server_findings(spec, server), server.label)
    return out


def _one_of_many(
    spec: ModelSpec, path: str | None, mine: list[ServerFacts], facts: NodeFacts
) -> Iterator[DriftFinding]:
    """A spec from ``--spec-dir``: checked only where one of its servers runs (another node's
    model must not drift against this node's GPUs)."""
    if not mine:
        yield DriftFinding(
            "/spec/identity/model/id",
            spec.spec.identity.model.id,
            None,
            Status.UNKNOWN,
            Severity.INFO,
            "psutil",
            f"no server for this spec on this node ({facts.server_search})",
        )
        return
    own = frozenset(s.pid for s in mine)
    yield from drift(spec, facts, spec_path=path, own_servers=own).findings
    for server in mine:
        yield from _tag(server_findings(spec, server), f"{spec.metadata.name} {server.label}")


def node_drift(
    specs: list[tuple[ModelSpec, str | None]],
    facts: NodeFacts,
    *,
    require_server: bool = False,
    spec_dir: str | None = None,
) -> DriftReport:
    """One node report for one spec (``--spec``) or several (``--spec-dir``).

    Hardware rules run per spec; server rules per (spec, server it claims). With one spec and one
    server that serves another model, the server is still checked against it (the model rule then
    says which model runs). With several specs, every finding's ``workload`` names its spec, and a
    server no spec claims or a spec with no server is a finding of its own.
    """
    models = [s for s, _ in specs]
    claims = claim(models, facts.servers)
    if len(specs) == 1 and not claims.by_spec[0] and len(facts.servers) == 1:
        claims.by_spec[0], claims.unclaimed = list(facts.servers), []
    multi = spec_dir is not None
    findings: list[DriftFinding] = []
    for i, (spec, path) in enumerate(specs):
        mine = claims.by_spec[i]
        if multi:
            findings += _tag(_one_of_many(spec, path, mine, facts), spec.metadata.name)
        else:
            findings += _one_spec(spec, path, mine, facts, require_server)
    if multi and require_server and not any(claims.by_spec.values()):
        findings.append(
            DriftFinding(
                "/spec/identity/model",
                None,
                None,
                Status.MISSING,
                Severity.ERROR,
                "psutil",
                f"no server of any spec in {spec_dir} runs here ({facts.server_search})",
            )
        )
    for server in claims.unclaimed:
        names = _launch_names(server) or ["an unnamed model"]
        findings.append(
            DriftFinding(
                "/spec/identity/model/id",
                None,
                ", ".join(names),
                Status.DRIFT,
                Severity.WARNING,
                "psutil",
                f"{server.label} serves {', '.join(names)}, which no spec claims",
                server.label,
            )
        )
    target: dict[str, object] = {"scope": "node", "host": facts.hostname}
    if multi:
        target.update(spec=spec_dir, specName=None, specs=[s.metadata.name for s in models])
    else:
        target.update(spec=specs[0][1], specName=models[0].metadata.name)
    return DriftReport("node", target, facts.to_dict(), findings)
