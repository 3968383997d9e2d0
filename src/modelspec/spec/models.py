"""Typed pydantic v2 models for the whole ModelSpec schema (piqc.ai/v1alpha1).

These models are the single source of truth: ``schema/modelspec.v1alpha1.json`` is generated
from them (see :mod:`modelspec.spec.schema`) and a test fails when the committed file drifts.

Conventions:

* Python attributes are snake_case, the wire format (YAML/JSON) is camelCase; both are accepted
  on input (``populate_by_name``), dumps always use the camelCase wire names.
* Every object forbids unknown keys, exactly like the public v0.1 schema
  (``additionalProperties: false``).
* Optional fields default to ``None`` but an explicit ``null`` in a document is rejected, because
  the JSON Schema does not accept ``null`` either: the models and the schema must agree.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from ._names import MODEL_NAMES
from ._numbers import number_problem

__all__ = ["API_VERSION", "KIND", *MODEL_NAMES]

API_VERSION = "piqc.ai/v1alpha1"
KIND = "ModelSpec"


class _Model(BaseModel):
    """Base for every ModelSpec object: camelCase aliases, unknown keys forbidden."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        alias_generator=to_camel,
        validate_assignment=True,  # `spec.x.count = -5` raises, as loading `count: -5` does
        ser_json_inf_nan="null",
    )

    @model_validator(mode="before")
    @classmethod
    def _json_values(cls, data: Any) -> Any:
        # The models accept exactly what the schema accepts: no explicit null (the schema has
        # no nullable field), no NaN/Infinity or numbers past 2**63, and JSON types for
        # scalars (pydantic's lax mode would take "3" or true for a number, "yes" for a bool).
        if isinstance(data, dict):
            kinds = _scalar_kinds(cls)
            for key, value in data.items():
                if value is None:
                    raise ValueError(f"'{key}' must not be null")
                problem = number_problem(value)
                if problem is not None:
                    raise ValueError(f"'{key}' {problem[1]}")
                kind = kinds.get(key)
                if kind is not None and not _is_json_kind(value, kind):
                    raise ValueError(f"'{key}' must be {'an' if kind == 'integer' else 'a'} {kind}")
        return data


def _is_json_kind(value: Any, kind: str) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return kind == "number" or isinstance(value, int) or value.is_integer()


_KINDS: dict[type, dict[str, str]] = {}


def _scalar_kinds(cls: type[BaseModel]) -> dict[str, str]:
    """Field name and alias → "integer", "number" or "boolean", for the scalar fields of ``cls``."""
    kinds = _KINDS.get(cls)
    if kinds is None:
        kinds = {}
        for name, info in cls.model_fields.items():
            args = [a for a in get_args(info.annotation) if a is not type(None)] or [info.annotation]
            kind = {int: "integer", float: "number", bool: "boolean"}.get(args[0]) if len(args) == 1 else None
            if kind is not None:
                kinds[name] = kind
                kinds[info.alias or name] = kind
        _KINDS[cls] = kinds
    return kinds


# --------------------------------------------------------------------------------------------
# metadata
# --------------------------------------------------------------------------------------------


class Metadata(_Model):
    """Who the spec is: the name is the join key for the cluster scanner."""

    name: str = Field(description="Unique model spec name; Kubernetes object-name syntax.")
    version: str | None = Field(default=None, description="Version string of this spec.")
    description: str | None = Field(default=None, description="Human-readable description.")
    labels: dict[str, str] | None = Field(default=None, description="Kubernetes-style labels.")
    annotations: dict[str, str] | None = Field(default=None, description="Free-form annotations.")


# --------------------------------------------------------------------------------------------
# spec.identity
# --------------------------------------------------------------------------------------------


class Artifacts(_Model):
    """Where the weights live (llm-d style URIs: hf://, pvc://, oci://, s3://, …)."""

    model_uri: str | None = Field(default=None, description="URI of the model weights.")
    tokenizer_uri: str | None = Field(default=None, description="URI of the tokenizer.")
    config_uri: str | None = Field(
        default=None,
        description="Extension: URI or path of a Hugging Face config.json the resolver reads.",
    )


class Architecture(_Model):
    """Extension: the numbers the resolver needs to size memory (Hugging Face config names)."""

    parameter_count: int | None = Field(default=None, ge=1, description="Total parameters.")
    num_layers: int | None = Field(default=None, ge=1, description="Transformer layers.")
    hidden_size: int | None = Field(default=None, ge=1, description="Model (embedding) width.")
    num_attention_heads: int | None = Field(default=None, ge=1, description="Query heads.")
    num_key_value_heads: int | None = Field(
        default=None, ge=1, description="KV heads (GQA); equals attention heads when absent."
    )
    head_dim: int | None = Field(
        default=None, ge=1, description="Per-head width; hiddenSize / numAttentionHeads when absent."
    )
    intermediate_size: int | None = Field(default=None, ge=1, description="MLP width.")
    vocab_size: int | None = Field(default=None, ge=1, description="Vocabulary size.")
    tie_word_embeddings: bool | None = Field(default=None, description="Input and output embeddings share weights.")
    num_experts: int | None = Field(default=None, ge=1, description="MoE: routed experts per layer.")
    num_experts_per_token: int | None = Field(default=None, ge=1, description="MoE: experts active per token.")
    kv_lora_rank: int | None = Field(default=None, ge=1, description="MLA (DeepSeek-V2/V3): compressed KV rank.")
    qk_rope_head_dim: int | None = Field(
        default=None, ge=0, description="MLA: decoupled RoPE key width cached per token."
    )
    sliding_window: int | None = Field(default=None, ge=1, description="Sliding-window attention span in tokens.")
    max_position_embeddings: int | None = Field(
        default=None, ge=1, description="Longest context the model was trained for."
    )


VariantFormat = Literal["safetensors", "gguf", "onnx", "pt", "tensorrt"]


class Variant(_Model):
    """Extension: one downloadable form of the weights (format × precision × quantization)."""

    name: str = Field(description="Variant name, e.g. `fp16`, `awq-int4`, `q4_k_m`.")
    format: VariantFormat | None = Field(default=None, description="Weight file format.")
    precision: str | None = Field(default=None, description="Numerical precision of the weights.")
    quantization: str | None = Field(default=None, description="Quantization method: awq, gptq, fp8, int8, q4_k_m, …")
    uri: str | None = Field(default=None, description="Where this variant's weights live.")
    size_bytes: int | None = Field(default=None, ge=0, description="Total size of the weights.")
    min_memory_gb: float | None = Field(
        default=None, ge=0, description="Minimum accelerator memory (GB) the variant needs."
    )


class ModelIdentity(_Model):
    """What the model is."""

    id: str = Field(description="Model id, e.g. `llama-3-8b-instruct`.")
    family: str = Field(description="Model family, e.g. `llama-3`.")
    task: str = Field(description="Primary task, e.g. `chat`, `embedding`.")
    framework: str = Field(description="Serving framework, e.g. `vllm`, `tgi`, `triton`.")
    precision: str | None = Field(default=None, description="Numerical precision: fp16, bf16, fp8, int4…")
    artifacts: Artifacts | None = None
    architecture: Architecture | None = None
    variants: list[Variant] | None = Field(default=None, description="Extension: weight variants.")


class Identity(_Model):
    model: ModelIdentity


# --------------------------------------------------------------------------------------------
# spec.runtime
# --------------------------------------------------------------------------------------------


class Accelerator(_Model):
    """What hardware the model needs."""

    vendor: str = Field(description="Accelerator vendor: nvidia, amd, intel, google, aws…")
    type: str = Field(description="Accelerator type, e.g. `h100`, `a100-80gb`, `l4`.")
    count: int = Field(ge=1, description="Accelerators per replica.")
    memory_gb: float | None = Field(default=None, gt=0, description="Extension: minimum memory per accelerator in GB.")
    alternatives: list[str] | None = Field(default=None, description="Extension: other acceptable accelerator types.")


class Batch(_Model):
    max_batch_size: int | None = Field(default=None, ge=1, description="Concurrent sequences.")
    max_sequence_length_tokens: int | None = Field(default=None, ge=1, description="Longest prompt + output in tokens.")


class Resources(_Model):
    cpu_cores: int | None = Field(default=None, ge=0, description="CPU cores per replica.")
    memory_gb: float | None = Field(default=None, ge=0, description="Host memory per replica (GB).")
    ephemeral_storage_gb: float | None = Field(default=None, ge=0, description="Ephemeral storage per replica (GB).")


class Environment(_Model):
    variables: dict[str, str] | None = Field(
        default=None, description="Environment variables; never put secret values here."
    )


class Runtime(_Model):
    accelerator: Accelerator
    batch: Batch | None = None
    resources: Resources | None = None
    environment: Environment | None = None


# --------------------------------------------------------------------------------------------
# spec.operations
# --------------------------------------------------------------------------------------------


class Probe(_Model):
    path: str | None = Field(default=None, description="HTTP path, starting with `/`.")
    timeout_seconds: int | None = Field(default=None, ge=0)


class Serving(_Model):
    protocol: Literal["http", "grpc"] | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    readiness_probe: Probe | None = None
    liveness_probe: Probe | None = None
    max_concurrency: int | None = Field(default=None, ge=1, description="In-flight requests per replica.")
    timeout_seconds: int | None = Field(default=None, ge=0, description="Request timeout.")


class WarmPool(_Model):
    size: int | None = Field(default=None, ge=0)
    strategy: str | None = None


class Scaling(_Model):
    min_replicas: int | None = Field(default=None, ge=0)
    max_replicas: int | None = Field(default=None, ge=0)
    strategy: Literal["reactive", "predictive", "manual"] | None = None
    target_latency_ms_p95: float | None = Field(default=None, ge=0)
    target_rps: float | None = Field(default=None, ge=0)
    warm_pool: WarmPool | None = None


class Metrics(_Model):
    enabled: bool | None = None
    provider: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)


class Logging(_Model):
    level: str | None = None


class Tracing(_Model):
    enabled: bool | None = None


class Observability(_Model):
    metrics: Metrics | None = None
    logging: Logging | None = None
    tracing: Tracing | None = None


class Operations(_Model):
    serving: Serving | None = None
    scaling: Scaling | None = None
    observability: Observability | None = None


# --------------------------------------------------------------------------------------------
# spec.pipeline
# --------------------------------------------------------------------------------------------


class Step(_Model):
    name: str
    type: str
    enabled: bool | None = None


class Stage(_Model):
    steps: list[Step] | None = None


class Interface(_Model):
    input_type: str | None = None
    output_type: str | None = None
    max_latency_ms: float | None = Field(default=None, ge=0)


DependencyRole = Literal["input", "guardrail", "reranker", "postprocess", "custom"]


class Dependency(_Model):
    id: str
    role: DependencyRole
    spec_ref: str | None = Field(default=None, description="Path of the dependency's ModelSpec, relative to this file.")
    required: bool | None = Field(default=None, description="Defaults to true when absent.")
    interface: Interface | None = None


class Pipeline(_Model):
    preprocess: Stage | None = None
    postprocess: Stage | None = None
    dependencies: list[Dependency] | None = None


# --------------------------------------------------------------------------------------------
# spec.governance
# --------------------------------------------------------------------------------------------


class Pii(_Model):
    allowed: bool | None = None
    policy: str | None = None


class Retention(_Model):
    logs_days: int | None = Field(default=None, ge=0)
    artifacts_days: int | None = Field(default=None, ge=0)


class ChangeGovernance(_Model):
    change_approval: str | None = None
    owner: str | None = None


class Compliance(_Model):
    pii: Pii | None = None
    retention: Retention | None = None
    governance: ChangeGovernance | None = None


class PricingHints(_Model):
    cloud_provider: str | None = None
    instance_type: str | None = None
    spot_allowed: bool | None = None


class Cost(_Model):
    target_cost_per_1k_tokens_usd: float | None = Field(default=None, ge=0, alias="targetCostPer1kTokensUsd")
    pricing_hints: PricingHints | None = None


class Governance(_Model):
    compliance: Compliance | None = None
    cost: Cost | None = None


# --------------------------------------------------------------------------------------------
# top level
# --------------------------------------------------------------------------------------------


class Spec(_Model):
    identity: Identity
    runtime: Runtime
    operations: Operations | None = None
    pipeline: Pipeline | None = None
    governance: Governance | None = None


class ModelSpec(_Model):
    """A whole ModelSpec document.

    >>> spec = ModelSpec.model_validate(doc)
    >>> spec.spec.runtime.accelerator.type
    'h100'
    """

    api_version: Literal["piqc.ai/v1alpha1"]
    kind: Literal["ModelSpec"]
    metadata: Metadata
    spec: Spec

    def to_dict(self) -> dict[str, Any]:
        """The wire form: camelCase keys, unset fields left out."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")

    def to_yaml(self) -> str:
        """YAML in wire form, keys in schema order, safe to feed back to :func:`modelspec.load`.

        ``loads(spec.to_yaml()) == spec`` for every string: see :func:`_yaml_dumper`.
        """
        import yaml

        return yaml.dump(self.to_dict(), Dumper=_yaml_dumper(), sort_keys=False, allow_unicode=True)

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True, indent=indent)


_DUMPER: list[type] = []
_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def _yaml_dumper() -> type:
    """PyYAML's safe dumper, except that strings holding NEL, U+2028 or U+2029 are written
    double-quoted (as ``\\N``, ``\\L``, ``\\P``). With ``allow_unicode`` PyYAML writes them raw in
    plain or single-quoted scalars, where YAML folds them into spaces on the way back."""
    if not _DUMPER:
        import yaml

        class _Dumper(yaml.SafeDumper):
            pass

        def represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
            style = '"' if any(c in data for c in _LINE_BREAKS) else None
            return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

        _Dumper.add_representer(str, represent_str)
        _DUMPER.append(_Dumper)
    return _DUMPER[0]
