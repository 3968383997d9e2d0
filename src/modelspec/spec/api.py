"""``load``/``loads``: from a file or text to typed :class:`ModelSpec` objects, or a clear error."""

from __future__ import annotations

import os
from typing import Any

from ..errors import SpecLoadError
from .loader import Limits
from .models import ModelSpec


def _to_specs(reports: list[object]) -> list[ModelSpec]:
    from ..validate.findings import DocumentReport

    specs: list[ModelSpec] = []
    for rep in reports:
        assert isinstance(rep, DocumentReport)
        errors = [f for f in rep.findings if f.severity.value == "error"]
        if errors:
            first = errors[0]
            where = f"{rep.path}:{first.line or 1}:{first.column or 1}"
            doc = f" (document {rep.document})" if rep.document else ""
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            raise SpecLoadError(f"{where}: {first.rule} {first.message}{doc}{more}", list(errors))
        spec = rep.spec
        assert spec is not None
        specs.append(spec)
    return specs


def load_all(path: str | os.PathLike[str], *, limits: Limits | None = None) -> list[ModelSpec]:
    """Every document of a YAML/JSON file as a :class:`ModelSpec`.

    Loader and schema errors raise :class:`SpecLoadError` (message ``file:line:col: MSxxx …``);
    semantic rules are not applied here: use :func:`modelspec.validate` for the full check.
    """
    from ..validate.runner import Validator

    v = Validator(semantic=False, limits=limits)
    return _to_specs(list(v.validate_file(path)))


def load(path: str | os.PathLike[str], *, limits: Limits | None = None) -> ModelSpec:
    """The single ModelSpec in ``path`` (its first document when there are several)."""
    return load_all(path, limits=limits)[0]


def loads(text: str, *, source: str = "<string>", limits: Limits | None = None) -> ModelSpec:
    """A ModelSpec from YAML or JSON text."""
    from ..validate.runner import Validator

    v = Validator(semantic=False, limits=limits)
    return _to_specs(list(v.validate_text(text, source)))[0]


def json_schema() -> dict[str, Any]:
    """The ModelSpec JSON Schema (draft 2020-12) the validator uses: the one shipped in ``schema/``.

    Prefer this to ``ModelSpec.model_json_schema()``, which is pydantic's raw rendering (titles,
    ``null`` branches for optional fields) and differs from the published schema. A fresh copy
    each call.
    """
    from .schema import bundled

    return bundled()
