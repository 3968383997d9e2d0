"""Tables that fit the terminal: drop the least useful columns, wrap the long one, or ``--wide``.

Width comes from ``COLUMNS`` or the terminal; output that goes to a pipe or a file with no
``COLUMNS`` set is never cut (scripts get every column). Each table names its columns in the order
they may be dropped and the one column (a message) that may wrap instead. The ``--wide`` option
of every table-printing command sets :func:`set_wide` for the process.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

_WIDE: ContextVar[bool] = ContextVar("modelspec_wide_tables", default=False)
_MIN_WRAP = 24


def set_wide(value: bool) -> None:
    """Show every column at full width for the rest of this run (``--wide``)."""
    _WIDE.set(value)


def is_wide() -> bool:
    """Whether ``--wide`` asked for every column (renderers that pick their own columns read it)."""
    return _WIDE.get()


def terminal_width() -> int | None:
    """``COLUMNS`` if set, else the terminal's width when stdout is one, else ``None`` (no limit)."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        if sys.stdout.isatty():
            return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        pass
    return None


def _render(rows: list[list[str]], headers: list[str]) -> str:
    from tabulate import tabulate

    return str(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))


def _width(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def fit_table(rows: Sequence[Sequence[Any]], headers: Sequence[str], *, drop: Sequence[str] = (),
              wrap: str | None = None, width: int | None = None) -> str:
    """``rows`` as a table no wider than ``width`` (default :func:`terminal_width`).

    Columns named in ``drop`` are removed in that order until the table fits; then the ``wrap``
    column is wrapped onto several lines. A last line says which columns were hidden.
    """
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    names = list(headers)
    limit = width if width is not None else terminal_width()
    text = _render(cells, names)
    if _WIDE.get() or limit is None or _width(text) <= limit:
        return text
    hidden: list[str] = []
    for name in drop:
        if _width(text) <= limit:
            break
        if name in names and name != wrap:
            i = names.index(name)
            names.pop(i)
            cells = [row[:i] + row[i + 1:] for row in cells]
            hidden.append(name)
            text = _render(cells, names)
    if wrap in names and _width(text) > limit:
        i = names.index(wrap)
        longest = max([len(names[i]), *(len(r[i]) for r in cells)])
        room = max(_MIN_WRAP, longest - (_width(text) - limit))
        cells = [[*row[:i], "\n".join(textwrap.wrap(row[i], room)), *row[i + 1:]] for row in cells]
        text = _render(cells, names)
    if hidden:
        note = f"(hidden to fit {limit} columns: {', '.join(hidden)}; --wide shows all)"
        text += "\n" + textwrap.fill(note, limit)
    return text
