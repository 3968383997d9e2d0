"""modelspec: SDK and CLI for the ModelSpec standard (``apiVersion: piqc.ai/v1alpha1``).

>>> import modelspec
>>> spec = modelspec.load("examples/08-full-production.modelspec.yaml")
>>> report = modelspec.validate("examples/08-full-production.modelspec.yaml")
>>> report.valid
True

Assignments are validated like loading is: ``spec.spec.runtime.accelerator.count = -5`` raises
``pydantic.ValidationError``, so ``to_yaml()`` never writes an invalid spec.

The public surface is what ``__all__`` lists; every other module is private and may change:

* ``load``/``load_all``/``loads``, ``validate``, ``json_schema`` and the typed models
  (``ModelSpec``, ``Metadata``, ``Runtime``, ``Accelerator``, … one per schema object), so a spec
  can be built in code without private imports;
* ``modelspec.resolve`` (call it, or use ``modelspec.resolve.resolve``) and ``modelspec.scan``
  (``modelspec.scan.node()``, ``modelspec.scan.drift(...)``), which need the ``[resolve]`` and
  ``[scan]`` extras' dependencies.

Everything is imported on first use, so ``modelspec --help`` and ``modelspec validate`` stay fast.
"""

from __future__ import annotations

from ._version import __version__
from .errors import ModelSpecError, SpecLoadError

# Not `from typing import TYPE_CHECKING`: `modelspec --version` would pay for importing typing.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from . import resolve, scan
    from .spec.api import json_schema, load, load_all, loads
    from .spec.models import (
        Accelerator,
        Architecture,
        Artifacts,
        Batch,
        ChangeGovernance,
        Compliance,
        Cost,
        Dependency,
        Environment,
        Governance,
        Identity,
        Interface,
        Logging,
        Metadata,
        Metrics,
        ModelIdentity,
        ModelSpec,
        Observability,
        Operations,
        Pii,
        Pipeline,
        PricingHints,
        Probe,
        Resources,
        Retention,
        Runtime,
        Scaling,
        Serving,
        Spec,
        Stage,
        Step,
        Tracing,
        Variant,
        WarmPool,
    )
    from .validate import DocumentReport, Finding, Report, Severity, validate


__all__ = [
    "Accelerator",
    "Architecture",
    "Artifacts",
    "Batch",
    "ChangeGovernance",
    "Compliance",
    "Cost",
    "Dependency",
    "DocumentReport",
    "Environment",
    "Finding",
    "Governance",
    "Identity",
    "Interface",
    "Logging",
    "Metadata",
    "Metrics",
    "ModelIdentity",
    "ModelSpec",
    "ModelSpecError",
    "Observability",
    "Operations",
    "Pii",
    "Pipeline",
    "PricingHints",
    "Probe",
    "Report",
    "Resources",
    "Retention",
    "Runtime",
    "Scaling",
    "Serving",
    "Severity",
    "Spec",
    "SpecLoadError",
    "Stage",
    "Step",
    "Tracing",
    "Variant",
    "WarmPool",
    "__version__",
    "json_schema",
    "load",
    "load_all",
    "loads",
    "resolve",
    "scan",
    "validate",
]

_LAZY: dict[str, tuple[str, str | None]] = {
    **{name: ("validate", name) for name in ("DocumentReport", "Finding", "Report", "Severity")},
    "validate": ("validate", None),  # the subpackage, callable as the function (see _callable.py)
    "json_schema": ("spec.api", "json_schema"),
    "load": ("spec.api", "load"),
    "load_all": ("spec.api", "load_all"),
    "loads": ("spec.api", "loads"),
    "resolve": ("resolve", None),
    "scan": ("scan", None),
}  # every other public name (the typed models, see spec/_names.py) comes from spec.models


def __getattr__(name: str) -> Any:
    if name in _LAZY or name in __all__:
        import importlib

        module, attr = _LAZY.get(name, ("spec.models", name))
        mod = importlib.import_module(f".{module}", __name__)
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'modelspec' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
