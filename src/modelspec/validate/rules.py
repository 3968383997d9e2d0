"""The rule catalogue: every finding the validator can emit, with a stable id.

``docs/rules.md`` is generated from this table (``python -m modelspec.validate.rules``) and a
test fails when the two differ, so the documentation cannot drift from the code.

Ranges: MS1xx schema, MS2xx semantics, MS3xx loader and input.
"""

from __future__ import annotations

from dataclasses import dataclass

from .findings import Severity


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    title: str
    why: str


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

RULES: dict[str, Rule] = {
    r.id: r
    for r in [
        # -- schema --------------------------------------------------------------------------
        Rule("MS100", _E, "schema violation", "The document breaks a JSON Schema keyword not covered below."),
        Rule(
            "MS101",
            _E,
            "unknown key",
            "Every object is closed (additionalProperties: false); a typo would "
            "otherwise be ignored silently. The hint names the closest allowed key.",
        ),
        Rule("MS102", _E, "missing required key", "The schema requires this key."),
        Rule(
            "MS103",
            _E,
            "wrong type",
            "The value has the wrong JSON type; YAML 1.1 readings (`no`, `010`, `1:30`, dates) are named in the hint.",
        ),
        Rule("MS104", _E, "value not allowed", "The value is not one of the allowed words (enum or const)."),
        Rule("MS105", _E, "value out of range", "A number is below its minimum or above its maximum."),
        # -- semantics -----------------------------------------------------------------------
        Rule("MS201", _E, "minReplicas > maxReplicas", "An autoscaler cannot satisfy min above max."),
        Rule("MS202", _E, "warm pool larger than maxReplicas", "Warm replicas count against maxReplicas."),
        Rule(
            "MS203",
            _E,
            "vLLM needs maxSequenceLengthTokens",
            "vLLM sizes its KV cache from --max-model-len; leaving it implicit uses the model's full "
            "context and may not fit.",
        ),
        Rule("MS204", _E, "serving port equals metrics port", "Two listeners cannot share one port."),
        Rule("MS205", _E, "probe path must start with '/'", "Kubernetes HTTP probes take an absolute path."),
        Rule(
            "MS206",
            _W,
            "probe timeout above request timeout",
            "A probe that may wait longer than a request is allowed to take hides a stuck server.",
        ),
        Rule(
            "MS207",
            _E,
            "request timeout below the p95 latency target",
            "timeoutSeconds × 1000 < targetLatencyMsP95 kills requests the target allows.",
        ),
        Rule(
            "MS208",
            _W,
            "throughput target unreachable (Little's law)",
            "targetRps × p95 latency is the concurrency needed; above maxConcurrency × maxReplicas "
            "the targets cannot all be met.",
        ),
        Rule(
            "MS209",
            _W,
            "unknown precision",
            "Not in the known precision vocabulary (fp32, bf16, fp16, "
            "fp8, int8, int4, …); the hint suggests the closest.",
        ),
        Rule(
            "MS210",
            _W,
            "unknown accelerator type",
            "Not a known accelerator type; scanners and the resolver cannot match it. The hint suggests the closest.",
        ),
        Rule("MS211", _W, "accelerator vendor does not match type", "e.g. vendor amd with type h100."),
        Rule(
            "MS212",
            _E,
            "malformed artifact URI",
            "A known scheme with a malformed remainder "
            "(hf://org/name[@rev], s3://bucket/key, pvc://claim/path, oci://registry/repo[:tag], …).",
        ),
        Rule("MS213", _W, "artifact URI scheme unknown or missing", "Loaders dispatch on the scheme."),
        Rule(
            "MS214",
            _E,
            "metadata.name is not a Kubernetes name",
            "The name becomes a label value and object name: lower-case DNS-1123, at most 253 chars.",
        ),
        Rule(
            "MS215",
            _E,
            "invalid label key or value",
            "Kubernetes label syntax: [prefix/]name ≤ 63 chars, values ≤ 63 chars of [A-Za-z0-9._-].",
        ),
        Rule("MS216", _E, "invalid environment variable name", "Names must match [A-Za-z_][A-Za-z0-9_]*."),
        Rule(
            "MS217",
            _E,
            "secret value in environment",
            "A value looks like a credential (hf_…, sk-…, "
            "AKIA…, ghp_…, private key, JWT, long random token). Specs are committed and scanned into "
            "reports: reference a Kubernetes Secret instead.",
        ),
        Rule("MS218", _W, "PII not allowed but debug logging", "Debug/trace logs tend to contain prompts."),
        Rule("MS219", _E, "duplicate dependency id", "Dependency ids must be unique within a spec."),
        Rule(
            "MS220",
            _E,
            "specRef does not resolve",
            "The referenced file (relative to this spec) is missing or unreadable.",
        ),
        Rule("MS221", _E, "specRef target is not a valid ModelSpec", "The dependency's own spec fails validation."),
        Rule("MS222", _E, "dependency cycle", "specRefs form a cycle; a pipeline cannot start."),
        Rule(
            "MS223",
            _W,
            "secret-like variable name with a literal value",
            "Variables named *TOKEN, *SECRET, *PASSWORD, *API_KEY should come from a Secret.",
        ),
        Rule(
            "MS224",
            _W,
            "accelerator cannot hold the model",
            "Weights plus one full-length sequence of "
            "KV cache do not fit the declared accelerators (needs architecture or parameter count).",
        ),
        Rule("MS225", _W, "unknown log level", "Not one of trace, debug, info, warn, error, …"),
        Rule("MS226", _W, "unknown quantization", "A variant's quantization is not a known method."),
        # -- loader and input ----------------------------------------------------------------
        Rule(
            "MS300",
            _E,
            "path not readable",
            "Missing file, a directory where a file was expected, or no permission. Exit code 2.",
        ),
        Rule("MS301", _E, "syntax error", "The file is not well-formed YAML or JSON."),
        Rule("MS302", _E, "duplicate key", "YAML would silently keep the last value; both lines are named."),
        Rule(
            "MS303",
            _E,
            "alias limit exceeded",
            'Too many alias uses, a self-referencing alias, or an expansion past the node bound ("billion laughs").',
        ),
        Rule("MS304", _E, "file too large", "Over the size limit (default 5 MiB, --max-bytes raises it)."),
        Rule("MS305", _E, "nesting too deep", "Deeper than the nesting limit (default 64)."),
        Rule("MS306", _E, "not UTF-8 text", "Binary content or bytes that are not UTF-8."),
        Rule("MS307", _E, "empty file or document", "Nothing to validate."),
        Rule(
            "MS308",
            _E,
            "top level is not a mapping",
            "A ModelSpec is a mapping with apiVersion, kind, metadata and spec.",
        ),
        Rule("MS309", _E, "unsupported YAML tag", "Only plain data is accepted (no !!python/… tags)."),
        Rule(
            "MS310",
            _W,
            "YAML 1.1 number trap",
            "A plain `010` is read as octal 8 and `1:30` as 90; write the number you mean or quote the text.",
        ),
    ]
}


def severity_of(rule_id: str) -> Severity:
    return RULES[rule_id].severity


def render_markdown() -> str:
    lines = [
        "# Validation rules",
        "",
        "Generated from `src/modelspec/validate/rules.py` by `python -m modelspec.validate.rules`;",
        "a test fails when this page and the code differ. Ids are stable: MS1xx schema, MS2xx",
        "semantics, MS3xx loader and input. `--strict` makes warnings fail the run.",
        "",
        "| id | severity | rule | why |",
        "|---|---|---|---|",
    ]
    for r in RULES.values():
        lines.append(f"| {r.id} | {r.severity.value} | {r.title} | {r.why} |")
    return "\n".join(lines) + "\n"
