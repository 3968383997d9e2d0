"""modelspec: SDK and CLI for the ModelSpec standard (``apiVersion: piqc.ai/v1alpha1``).

>>> import modelspec
>>> spec = modelspec.load("examples/08-full-production.modelspec.yaml")
>>> report = modelspec.validate("examples/08-full-production.modelspec.yaml")
>>> report.valid
True

The public surface is what ``__all__`` lists; every other module is private and may change.
The typed models (pydantic) are imported on first use, so ``modelspec validate`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import ModelSpecError, SpecLoadError
from .validate import DocumentReport, Finding, Report, Severity, validate

if TYPE_CHECKING:
    from .spec.api import load, load_all, loads
    from .spec.models import ModelSpec

__all__ = [
    "DocumentReport",
    "Finding",
    "ModelSpec",
    "ModelSpecError",
    "Report",
    "Severity",
    "SpecLoadError",
    "__version__",
    "load",
    "load_all",
    "loads",
    "validate",
]

_LAZY = {
    "ModelSpec": ("spec.models", "ModelSpec"),
    "load": ("spec.api", "load"),
    "load_all": ("spec.api", "load_all"),
    "loads": ("spec.api", "loads"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'modelspec' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
