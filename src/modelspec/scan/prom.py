"""A small Prometheus text-format reader and histogram quantiles from two scrapes.

Counters and histograms are cumulative since the server started, so a latency percentile is only
meaningful over a window: the bucket counts of a second scrape minus those of the first.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?[0-9.eE+-]+)?$")
MAX_LINE = 64 * 1024  # longer lines are not samples any exporter writes: skipped, not parsed
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


def parse(text: str) -> list[Sample]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or len(line) > MAX_LINE:
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in _LABEL.findall(m.group(3) or "")}
        try:
            value = float(m.group(4))
        except ValueError:
            continue
        out.append(Sample(m.group(1), labels, value))
    return out


def first(samples: list[Sample], *names: str) -> tuple[str, Sample] | None:
    """The first sample of the first name present (current names before deprecated ones)."""
    for name in names:
        for s in samples:
            if s.name == name:
                return name, s
    return None


def buckets(samples: list[Sample], histogram: str) -> dict[float, float]:
    """Cumulative bucket counts by upper bound, summed over label sets (models, pods)."""
    out: dict[float, float] = {}
    for s in samples:
        if s.name == f"{histogram}_bucket" and "le" in s.labels:
            le = math.inf if s.labels["le"] in ("+Inf", "Inf") else float(s.labels["le"])
            out[le] = out.get(le, 0.0) + s.value
    return out


def quantile_from_delta(before: dict[float, float], after: dict[float, float], q: float) -> tuple[float | None, float]:
    """(q-quantile in the histogram's unit, requests in the window) from two cumulative scrapes.

    Linear interpolation inside the bucket, like PromQL's histogram_quantile; ``None`` when the
    window saw no request or the quantile lies in the +Inf bucket.
    """
    bounds = sorted(after)
    delta = [(b, after[b] - before.get(b, 0.0)) for b in bounds]
    if not delta:
        return None, 0.0
    total = delta[-1][1]
    if total <= 0:
        return None, 0.0
    rank = q * total
    prev_bound, prev_count = 0.0, 0.0
    for bound, count in delta:
        if count >= rank:
            if math.isinf(bound):
                return None, total
            if count == prev_count:
                return bound, total
            return prev_bound + (bound - prev_bound) * (rank - prev_count) / (count - prev_count), total
        prev_bound, prev_count = bound, count
    return None, total


def total(samples: list[Sample], name: str) -> float | None:
    """Sum of every series of ``name`` (all label sets), ``None`` when absent or not finite."""
    values = [s.value for s in samples if s.name == name]
    if not values or not all(math.isfinite(v) for v in values):
        return None
    return sum(values)


def counter_rate(before: list[Sample], after: list[Sample], name: str, window_s: float) -> float | None:
    """Per-second increase of a counter between two scrapes; ``None`` when absent or reset."""
    a, b = total(before, name), total(after, name)
    if a is None or b is None or b < a or window_s <= 0:
        return None
    return (b - a) / window_s
