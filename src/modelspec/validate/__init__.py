"""Validator: schema and semantic rules over ModelSpec documents (see docs/rules.md)."""

from .findings import DocumentReport, Finding, Report, Severity
from .runner import Validator, validate

__all__ = ["DocumentReport", "Finding", "Report", "Severity", "Validator", "validate"]
