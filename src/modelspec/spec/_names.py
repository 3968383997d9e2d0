"""The names of the typed spec models, without importing them (pydantic is heavy).

``spec.models`` exports exactly these; ``modelspec`` resolves them lazily on first use, so the
validate path and ``--version`` never load pydantic to learn what exists.
"""

MODEL_NAMES: tuple[str, ...] = (
    "Accelerator",
    "Architecture",
    "Artifacts",
    "Batch",
    "ChangeGovernance",
    "Compliance",
    "Cost",
    "Dependency",
    "Environment",
    "Governance",
    "Identity",
    "Interface",
    "Logging",
    "Metadata",
    "Metrics",
    "ModelIdentity",
    "ModelSpec",
    "Observability",
    "Operations",
    "Pii",
    "Pipeline",
    "PricingHints",
    "Probe",
    "Resources",
    "Retention",
    "Runtime",
    "Scaling",
    "Serving",
    "Spec",
    "Stage",
    "Step",
    "Tracing",
    "Variant",
    "WarmPool",
)
