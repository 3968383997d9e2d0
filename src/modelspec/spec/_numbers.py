"""The one rule for numbers every stage applies: finite, and within the 64-bit integer range.

Why: YAML reads ``.nan``, ``.inf`` and 400-digit integers happily, JSON Schema accepts them
(``.nan >= 0`` is simply false, so ``minimum`` never fires), pydantic refuses some of them
(an integer-valued ``1.0e+20`` exceeds its i64) and arithmetic on the rest overflows. No
count, size, port, latency or price in a ModelSpec comes near 2**63, and Kubernetes, Go and
protobuf readers stop there too; so the schema stage (MS103/MS105) and the models both refuse
numbers outside that range, and every later stage can compute without overflow.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

LIMIT = 2**63 - 1


def number_problem(value: Any) -> tuple[str, str] | None:
    """``(rule, reason)`` when ``value`` is a number no stage accepts; ``None`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "MS103", "is not a finite number (JSON has no NaN or Infinity)"
    if abs(value) > LIMIT:
        return "MS105", "is beyond the 64-bit range (±9.2e18)"
    return None


def bad_numbers(data: Any, pointer: str = "") -> Iterator[tuple[str, Any, tuple[str, str]]]:
    """Every ``(pointer, value, problem)`` below ``data``, walked without recursion."""
    stack: list[tuple[str, Any]] = [(pointer, data)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((f"{where}/{str(k).replace('~', '~0').replace('/', '~1')}", v)
                         for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((f"{where}/{i}", v) for i, v in reversed(list(enumerate(node))))
        else:
            problem = number_problem(node)
            if problem is not None:
                yield where, node, problem
