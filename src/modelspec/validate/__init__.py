"""Validator: schema and semantic rules over ModelSpec documents (see docs/rules.md).

``modelspec.validate(...)`` calls :func:`modelspec.validate.runner.validate` (this package is
callable, see ``modelspec._callable``).
"""

from .._callable import make_callable
from .findings import DocumentReport, Finding, Report, Severity
from .runner import Validator, validate

__all__ = ["DocumentReport", "Finding", "Report", "Severity", "Validator", "validate"]

make_callable(__name__, validate)
