"""Project configuration: ``[tool.modelspec]`` in pyproject.toml or a ``.modelspec.yaml`` file.

Found like ruff and yamllint find theirs: the nearest directory, from the working directory up,
holding ``.modelspec.yaml`` (or ``.modelspec.yml``) or a ``pyproject.toml`` with a
``[tool.modelspec]`` table. Keys (all optional)::

    [tool.modelspec]
    select = ["MS1", "MS2"]     # rule ids or prefixes to report (default: all)
    ignore = ["MS223"]          # rule ids or prefixes never to report
    strict = true               # warnings fail the run
    max-bytes = 10485760        # file size limit

Command-line options win: ``--select`` replaces ``select``, ``--ignore`` adds to ``ignore``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .suppress import parse_selectors

_KEYS = {"select", "ignore", "strict", "max-bytes"}


class ConfigError(ValueError):
    """The project configuration file is unreadable or holds an unknown key or a wrong type."""


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    path: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool = False
    max_bytes: int | None = None


def find(start: Path | None = None) -> ProjectConfig:
    """The configuration in effect for ``start`` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        for name in (".modelspec.yaml", ".modelspec.yml"):
            candidate = directory / name
            if candidate.is_file():
                return _parse(candidate, _read_yaml(candidate))
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            table = _read_pyproject(pyproject)
            if table is not None:
                return _parse(pyproject, table)
    return ProjectConfig()


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    return data


def _read_pyproject(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if "tool.modelspec" not in text:  # skip the TOML parser for the common case
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        table = tomllib.loads(text).get("tool", {}).get("modelspec")
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.modelspec] must be a table")
    return table


def _parse(path: Path, data: dict[str, Any]) -> ProjectConfig:
    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown setting {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})")

    def ids(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{path}: {key} must be a list of rule ids")
        try:
            return parse_selectors(values)
        except ValueError as exc:
            raise ConfigError(f"{path}: {key}: {exc}") from None

    strict = data.get("strict", False)
    max_bytes = data.get("max-bytes")
    if not isinstance(strict, bool):
        raise ConfigError(f"{path}: strict must be true or false")
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1):
        raise ConfigError(f"{path}: max-bytes must be a positive integer")
    return ProjectConfig(Path(os.fspath(path)), ids("select"), ids("ignore"), strict, max_bytes)
