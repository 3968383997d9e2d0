"""vLLM's HTTP endpoints (``--probe-http``): ``/v1/models`` and two ``/metrics`` scrapes.

httpx is imported here only. The whole probe of one server runs under one total deadline (a
server that trickles one byte every few seconds never holds the scan past it), every response
has a size cap, and anything that is not what vLLM answers — a refused connection, an HTML
page, JSON of the wrong shape, NaN gauges — becomes an ``unknown`` fact with its reason, never a
traceback and never a "disabled". p95 latency and tokens/s come from the deltas between the two
scrapes and are labelled with their window: a single scrape of a counter says nothing.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Any

from . import prom
from .facts import Fact, Source

MAX_BYTES = 4 * 1024 * 1024
KV_USAGE = ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")  # current, then deprecated
TOKENS = ("vllm:generation_tokens_total", "vllm:prompt_tokens_total")
METRIC_KEYS = ("metrics", "kv_cache_usage", "requests_running", "requests_waiting", "latency_p95", "tokens_per_s")


def base_url(ip: str, port: int | str, scheme: str = "http") -> str:
    """``http://ip:port`` with an IPv6 address in brackets (``http://[fd00::5]:8000``)."""
    host = str(ip).strip().strip("[]")
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


@dataclass(slots=True)
class Deadline:
    """A total time budget shared by every request of one probe."""

    end: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())


def _get(client: Any, url: str, deadline: Deadline, timeout: float) -> tuple[bytes | None, str | None]:
    import httpx

    budget = min(timeout, deadline.remaining())
    if budget <= 0:
        return None, f"GET {url}: probe deadline reached before the request"
    try:
        with client.stream("GET", url, timeout=httpx.Timeout(budget)) as resp:
            if resp.status_code != 200:
                return None, f"GET {url} answered HTTP {resp.status_code}"
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BYTES:
                    return None, f"GET {url}: response larger than {MAX_BYTES} bytes"
                if deadline.remaining() <= 0:
                    return None, f"GET {url}: body still arriving at the probe deadline (slow server)"
            return b"".join(chunks), None
    except httpx.HTTPError as exc:
        detail = str(exc).strip()[:120]
        return None, f"GET {url}: unreachable ({type(exc).__name__}{': ' + detail if detail else ''})"


def _both_unknown(reason: str) -> dict[str, Fact]:
    return {"models": Fact.unknown(Source.VLLM_HTTP, reason), "max_model_len": Fact.unknown(Source.VLLM_HTTP, reason)}


def models_facts(body: bytes) -> dict[str, Fact]:
    """``models`` and ``max_model_len`` from a ``/v1/models`` body of any shape."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return _both_unknown("/v1/models is not JSON")
    data = parsed.get("data") if isinstance(parsed, dict) else None
    if not isinstance(data, list):
        return _both_unknown("/v1/models has no `data` list (not an OpenAI-compatible server?)")
    entries = [m for m in data if isinstance(m, dict)]
    ids = [m["id"] for m in entries if isinstance(m.get("id"), str)]
    lens = [n for n in (m.get("max_model_len") for m in entries) if type(n) is int and n > 0]
    out = {
        "models": Fact(ids, Source.VLLM_HTTP) if ids else Fact.unknown(Source.VLLM_HTTP, "/v1/models lists no model id")
    }
    out["max_model_len"] = (
        Fact(lens[0], Source.VLLM_HTTP, "tokens")
        if lens
        else Fact.unknown(Source.VLLM_HTTP, "/v1/models has no max_model_len (older vLLM)")
    )
    return out


def _gauge(samples: list[prom.Sample], unit: str, *names: str) -> Fact:
    found = prom.first(samples, *names)
    if found is None:
        return Fact.unknown(Source.VLLM_HTTP, f"no {names[0]} in /metrics")
    if not math.isfinite(found[1].value):
        return Fact.unknown(Source.VLLM_HTTP, f"{found[0]} is {found[1].value}")
    return Fact(found[1].value, Source.VLLM_HTTP, unit if len(names) == 1 else f"{unit} ({found[0]})")


def _first_scrape(samples: list[prom.Sample]) -> dict[str, Fact]:
    out = {
        "metrics": Fact(True, Source.VLLM_HTTP),
        "kv_cache_usage": _gauge(samples, "ratio", *KV_USAGE),
        "requests_running": _gauge(samples, "requests", "vllm:num_requests_running"),
        "requests_waiting": _gauge(samples, "requests", "vllm:num_requests_waiting"),
    }
    info = prom.first(samples, "vllm:cache_config_info")
    if info:
        out["cache_config"] = Fact(info[1].labels, Source.VLLM_HTTP)
    return out


def _window_facts(s1: list[prom.Sample], s2: list[prom.Sample], window: float) -> dict[str, Fact]:
    out: dict[str, Fact] = {}
    before = prom.buckets(s1, "vllm:e2e_request_latency_seconds")
    after = prom.buckets(s2, "vllm:e2e_request_latency_seconds")
    if not after:
        out["latency_p95"] = Fact.unknown(Source.VLLM_HTTP, "no vllm:e2e_request_latency_seconds histogram")
    else:
        p95, count = prom.quantile_from_delta(before, after, 0.95)
        unit = f"ms, p95 over a {window:.1f} s window, {count:.0f} requests"
        out["latency_p95"] = (
            Fact(round(p95 * 1000, 1), Source.VLLM_HTTP, unit)
            if p95 is not None
            else Fact.unknown(
                Source.VLLM_HTTP,
                f"no completed request in the {window:.1f} s window" if count == 0 else "p95 falls in the +Inf bucket",
            )
        )
    rate = prom.counter_rate(s1, s2, TOKENS[0], window)
    out["tokens_per_s"] = (
        Fact(round(rate, 2), Source.VLLM_HTTP, f"generated tokens/s over a {window:.1f} s window")
        if rate is not None
        else Fact.unknown(Source.VLLM_HTTP, f"no {TOKENS[0]} counter, or it went backwards (restart)")
    )
    return out


def probe(
    base: str,
    *,
    window_s: float = 10.0,
    timeout: float = 5.0,
    deadline_s: float | None = None,
    metrics_url: str | None = None,
) -> dict[str, Fact]:
    """Facts from one vLLM server at ``base`` (``http://ip:port``, see :func:`base_url`).

    ``metrics_url`` overrides where ``/metrics`` is read (``observability.metrics.port``). The
    whole probe ends by ``deadline_s`` (default: the window plus three timeouts); whatever is
    not read by then is ``unknown`` with the reason.
    """
    import httpx

    deadline = Deadline.after(deadline_s if deadline_s is not None else window_s + 3 * timeout)
    metrics_at = metrics_url or f"{base}/metrics"
    out: dict[str, Fact] = {}
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        body, err = _get(client, f"{base}/v1/models", deadline, timeout)
        if body is None:
            reason = err or "no answer"
            out["models"] = out["max_model_len"] = Fact.unknown(Source.VLLM_HTTP, reason)
        else:
            out.update(models_facts(body))
        first, err = _get(client, metrics_at, deadline, timeout)
        s1 = prom.parse(first.decode("utf-8", "replace")) if first is not None else []
        if first is None or not s1:
            reason = err or f"GET {metrics_at}: the body holds no Prometheus samples"
            out.update({k: Fact.unknown(Source.VLLM_HTTP, reason) for k in METRIC_KEYS})
            return out
        t0 = time.monotonic()
        out.update(_first_scrape(s1))
        wait = window_s - (time.monotonic() - t0)
        if wait > deadline.remaining():
            reason = f"the {window_s:.1f} s window does not fit in the probe deadline"
            out.update({k: Fact.unknown(Source.VLLM_HTTP, reason) for k in ("latency_p95", "tokens_per_s")})
            return out
        time.sleep(max(0.0, wait))
        second, err = _get(client, metrics_at, deadline, timeout)
        s2 = prom.parse(second.decode("utf-8", "replace")) if second is not None else []
        if not s2:
            reason = f"second scrape failed: {err or 'no samples'}"
            out.update({k: Fact.unknown(Source.VLLM_HTTP, reason) for k in ("latency_p95", "tokens_per_s")})
            return out
        out.update(_window_facts(s1, s2, time.monotonic() - t0))
    return out
