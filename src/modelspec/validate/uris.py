"""Artifact URI syntax (llm-d ModelService style plus object stores and OCI)."""

from __future__ import annotations

import re

_NAME = r"[A-Za-z0-9][A-Za-z0-9._\-]*"
SCHEMES: dict[str, tuple[re.Pattern[str], str]] = {
    "hf": (
        re.compile(rf"^hf://(?:{_NAME}/)?{_NAME}(?:@[A-Za-z0-9._/\-]+)?(?:/[^\s@]*)?$"),
        "hf://org/model[@revision]",
    ),
    "s3": (re.compile(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](?:/\S*)?$"), "s3://bucket/key"),
    "gs": (re.compile(r"^gs://[a-z0-9][a-z0-9._\-]{1,220}[a-z0-9](?:/\S*)?$"), "gs://bucket/path"),
    "az": (re.compile(r"^az://[A-Za-z0-9][A-Za-z0-9\-.]*(?:/\S+)+$"), "az://container/path"),
    "pvc": (re.compile(r"^pvc://[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(?:/\S*)?$"), "pvc://claim-name/path"),
    "oci": (
        re.compile(r"^oci://[A-Za-z0-9.\-]+(?::\d+)?(?:/[a-z0-9._\-]+)+(?::[\w][\w.\-]{0,127}|@sha256:[a-f0-9]{64})?$"),
        "oci://registry/repository[:tag|@sha256:digest]",
    ),
    "file": (re.compile(r"^file://(?:localhost)?/\S*$|^file://\S+$"), "file:///absolute/path"),
    "https": (re.compile(r"^https://[A-Za-z0-9.\-]+(?::\d+)?(?:/\S*)?$"), "https://host/path"),
    "http": (re.compile(r"^http://[A-Za-z0-9.\-]+(?::\d+)?(?:/\S*)?$"), "http://host/path"),
}


def check_uri(uri: str) -> tuple[str, str] | None:
    """``None`` when fine, else ``(rule, message)`` with rule MS212 (malformed) or MS213 (scheme)."""
    if "://" not in uri:
        if uri.startswith("/"):
            return ("MS213", f"`{uri}` has no scheme; write file://{uri} or pvc://claim{uri}")
        return ("MS213", f"`{uri}` has no scheme; for a Hugging Face id write hf://{uri}")
    scheme = uri.split("://", 1)[0].lower()
    entry = SCHEMES.get(scheme)
    if entry is None:
        known = ", ".join(f"{s}://" for s in SCHEMES)
        return ("MS213", f"unknown URI scheme `{scheme}://` (known: {known})")
    pattern, form = entry
    if not pattern.match(uri):
        return ("MS212", f"malformed {scheme}:// URI `{uri}`; expected {form}")
    return None
