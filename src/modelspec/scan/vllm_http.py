"""vLLM's HTTP endpoints (``--probe-http``): ``/v1/models`` and two ``/metrics`` scrapes.

httpx is imported here only. Every request has a timeout and a response-size cap; a failure is an
unknown fact with its reason. p95 latency comes from ``vllm:e2e_request_latency_seconds`` bucket
deltas between the two scrapes and is labelled with its window — a single scrape has no p95.
"""

from __future__ import annotations

import json
import time
from typing import Any

from . import prom
from .facts import Fact, Source

MAX_BYTES = 4 * 1024 * 1024
KV_USAGE = ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")  # current, then deprecated


def _get(client: Any, url: str) -> tuple[bytes | None, str | None]:
    import httpx

    try:
        with client.stream("GET", url) as resp:
            if resp.status_code != 200:
                return None, f"GET {url} answered HTTP {resp.status_code}"
            body = b""
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    return None, f"GET {url}: response larger than {MAX_BYTES} bytes"
            return body, None
    except httpx.HTTPError as exc:
        return None, f"GET {url}: {type(exc).__name__}"


def probe(base_url: str, *, window_s: float = 10.0, timeout: float = 5.0) -> dict[str, Fact]:
    """Facts from one vLLM server at ``base_url`` (``http://ip:port``)."""
    import httpx

    out: dict[str, Fact] = {}
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        body, err = _get(client, f"{base_url}/v1/models")
        if body is None:
            out["models"] = out["max_model_len"] = Fact.unknown(Source.VLLM_HTTP, err or "")
        else:
            try:
                data = json.loads(body).get("data") or []
                out["models"] = Fact([m.get("id") for m in data], Source.VLLM_HTTP)
                lens = [m.get("max_model_len") for m in data if isinstance(m.get("max_model_len"), int)]
                out["max_model_len"] = (
                    Fact(lens[0], Source.VLLM_HTTP, "tokens")
                    if lens
                    else Fact.unknown(Source.VLLM_HTTP, "/v1/models has no max_model_len (older vLLM)")
                )
            except (ValueError, AttributeError):
                out["models"] = out["max_model_len"] = Fact.unknown(Source.VLLM_HTTP, "/v1/models is not JSON")
        first, err = _get(client, f"{base_url}/metrics")
        if first is None:
            reason = err or ""
            for key in ("metrics", "kv_cache_usage", "requests_running", "requests_waiting", "latency_p95"):
                out[key] = Fact.unknown(Source.VLLM_HTTP, reason)
            return out
        t0 = time.monotonic()
        s1 = prom.parse(first.decode("utf-8", "replace"))
        out["metrics"] = Fact(True, Source.VLLM_HTTP)
        kv = prom.first(s1, *KV_USAGE)
        out["kv_cache_usage"] = (
            Fact(kv[1].value, Source.VLLM_HTTP, f"ratio ({kv[0]})")
            if kv
            else Fact.unknown(Source.VLLM_HTTP, "no KV-cache usage metric")
        )
        for key, name in (
            ("requests_running", "vllm:num_requests_running"),
            ("requests_waiting", "vllm:num_requests_waiting"),
        ):
            found = prom.first(s1, name)
            out[key] = (
                Fact(found[1].value, Source.VLLM_HTTP, "requests")
                if found
                else Fact.unknown(Source.VLLM_HTTP, f"no {name}")
            )
        info = prom.first(s1, "vllm:cache_config_info")
        if info:
            out["cache_config"] = Fact(info[1].labels, Source.VLLM_HTTP)
        time.sleep(max(0.0, window_s - (time.monotonic() - t0)))
        second, err = _get(client, f"{base_url}/metrics")
        if second is None:
            out["latency_p95"] = Fact.unknown(Source.VLLM_HTTP, f"second scrape failed: {err}")
            return out
        window = time.monotonic() - t0
        before = prom.buckets(s1, "vllm:e2e_request_latency_seconds")
        after = prom.buckets(prom.parse(second.decode("utf-8", "replace")), "vllm:e2e_request_latency_seconds")
        if not after:
            out["latency_p95"] = Fact.unknown(Source.VLLM_HTTP, "no vllm:e2e_request_latency_seconds histogram")
            return out
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
    return out
