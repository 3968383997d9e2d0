"""Exceptions raised by the public API.

The validator never raises for bad documents (it returns findings); these are for the SDK calls
that must hand back a typed object, such as :func:`modelspec.load`.
"""

from __future__ import annotations


class ModelSpecError(Exception):
    """Base class of every modelspec error."""


class SpecLoadError(ModelSpecError):
    """A document could not be loaded or is not a valid ModelSpec.

    ``findings`` holds the reasons, each with file, line and column.
    """

    def __init__(self, message: str, findings: list[object] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []
