"""Fetch a model's ``config.json`` from the Hugging Face Hub (or a mirror) with httpx.

``hf://org/model[@revision]`` → ``{HF_ENDPOINT}/org/model/resolve/{revision}/config.json``;
``HF_ENDPOINT`` defaults to https://huggingface.co and ``HF_TOKEN`` is sent as a bearer token.
httpx is imported here only, so the validator never pays for it.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from .architecture import ArchitectureError

MAX_CONFIG_BYTES = 2 * 1024 * 1024
_HF = re.compile(
    r"^hf://(?P<repo>[A-Za-z0-9][A-Za-z0-9._\-]*(?:/[A-Za-z0-9][A-Za-z0-9._\-]*)?)(?:@(?P<rev>[^/\s]+))?/?$"
)


def parse_hf_uri(uri: str) -> tuple[str, str]:
    m = _HF.match(uri)
    if not m:
        raise ArchitectureError(f"not an hf:// model URI: {uri!r} (expected hf://org/model[@revision])")
    return m.group("repo"), m.group("rev") or "main"


def fetch_config(uri: str, *, timeout: float = 15.0) -> dict[str, Any]:
    import httpx

    repo, rev = parse_hf_uri(uri)
    base = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    url = f"{base}/{repo}/resolve/{rev}/config.json"
    headers = {"User-Agent": "modelspec-resolver"}
    token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client,
            client.stream("GET", url) as resp,
        ):
            if resp.status_code in (401, 403):
                raise ArchitectureError(f"{uri}: access denied ({resp.status_code}); gated model? set HF_TOKEN")
            if resp.status_code == 404:
                raise ArchitectureError(f"{uri}: no config.json at revision {rev!r} (404)")
            if resp.status_code >= 400:
                raise ArchitectureError(f"{uri}: hub answered HTTP {resp.status_code}")
            body = b""
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > MAX_CONFIG_BYTES:
                    raise ArchitectureError(f"{uri}: config.json larger than {MAX_CONFIG_BYTES} bytes")
    except httpx.HTTPError as exc:
        raise ArchitectureError(f"{uri}: cannot reach {base} ({exc.__class__.__name__}: {exc})") from None
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchitectureError(f"{uri}: config.json is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ArchitectureError(f"{uri}: config.json is not a JSON object")
    return data
