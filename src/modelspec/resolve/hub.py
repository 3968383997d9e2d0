"""Fetch a model's ``config.json`` from the Hugging Face Hub (or a mirror) with httpx.

``hf://org/model[@revision]`` → ``{HF_ENDPOINT}/org/model/resolve/{revision}/config.json``;
``HF_ENDPOINT`` defaults to https://huggingface.co and ``HF_TOKEN`` is sent as a bearer token.
httpx is imported here only, so the validator never pays for it.

The whole download runs under one deadline: httpx's timeouts are per network operation, so a
server that sends one byte every few seconds would otherwise hold the caller for ever. The
transfer runs in a daemon thread that the caller stops waiting for at the deadline.
"""

from __future__ import annotations

import os
import re
import threading
import time
from typing import Any

from .architecture import ArchitectureError

MAX_CONFIG_BYTES = 2 * 1024 * 1024
_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._\-]{0,94}[A-Za-z0-9])?"
_HF = re.compile(rf"^hf://(?P<repo>{_PART}(?:/{_PART})?)(?:@(?P<rev>[A-Za-z0-9][A-Za-z0-9._\-/]{{0,127}}))?/?$")


def parse_hf_uri(uri: str) -> tuple[str, str]:
    """``hf://org/model[@rev]`` → (repo, revision); anything else raises before any request."""
    m = _HF.match(uri)
    if not m or ".." in uri or "//" in uri[5:]:
        raise ArchitectureError(f"not an hf:// model URI: {uri[:200]!r} (expected hf://org/model[@revision])")
    return m.group("repo"), m.group("rev") or "main"


def fetch_config(uri: str, *, timeout: float = 15.0) -> dict[str, Any]:
    """The repository's config.json, within ``timeout`` seconds in total."""
    from .engine import parse_config_bytes

    repo, rev = parse_hf_uri(uri)
    result: list[bytes | BaseException] = []

    def work() -> None:
        try:
            result.append(_download(uri, repo, rev, timeout))
        except BaseException as exc:  # handed to the waiting caller
            result.append(exc)

    worker = threading.Thread(target=work, name="modelspec-hub", daemon=True)
    worker.start()
    worker.join(timeout)
    if not result:
        raise ArchitectureError(f"{uri}: no complete config.json within {timeout:g} s (slow or stalled hub)")
    outcome = result[0]
    if isinstance(outcome, BaseException):
        raise outcome
    return parse_config_bytes(outcome, uri)


def _download(uri: str, repo: str, rev: str, timeout: float) -> bytes:
    import httpx

    base = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    url = f"{base}/{repo}/resolve/{rev}/config.json"
    headers = {"User-Agent": "modelspec-resolver"}
    token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    deadline = time.monotonic() + timeout
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client, \
                client.stream("GET", url) as resp:
            if resp.status_code in (401, 403):
                raise ArchitectureError(f"{uri}: access denied ({resp.status_code}); gated model? set HF_TOKEN")
            if resp.status_code == 404:
                raise ArchitectureError(f"{uri}: no config.json at revision {rev!r} (404)")
            if resp.status_code >= 400:
                raise ArchitectureError(f"{uri}: hub answered HTTP {resp.status_code}")
            body = bytearray()
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > MAX_CONFIG_BYTES:
                    raise ArchitectureError(f"{uri}: config.json larger than {MAX_CONFIG_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise ArchitectureError(f"{uri}: no complete config.json within {timeout:g} s")
    except httpx.HTTPError as exc:
        shown = re.sub(r"//[^/@]*@", "//", base)  # never echo user:pass@ from HF_ENDPOINT
        raise ArchitectureError(f"{uri}: cannot reach {shown} ({exc.__class__.__name__})") from None
    return bytes(body)
