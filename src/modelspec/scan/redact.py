"""Redaction for scanner output: no credential may reach a report, a log line or an error.

URLs go through the package's one URL redactor (:mod:`modelspec._redact`: user-info, credential
query parameters, token-shaped values), and whole values through the validator's secret
detectors (:mod:`modelspec.validate.secrets`), so the scanners and the validator agree on what a
credential looks like.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .._redact import redact_text as redact_urls
from ..validate.secrets import looks_like_secret

REDACTED = "<redacted>"
_SECRET_FLAG = re.compile(r"(api[-_]?key|token|secret|password|passwd|credential|auth)", re.IGNORECASE)


@lru_cache(maxsize=4096)
def secret_flag(name: str) -> bool:
    """Does a flag or variable name hold a credential (``--api-key``, ``--hf-token``, ``HF_TOKEN``)?"""
    return bool(_SECRET_FLAG.search(name.lstrip("-")))


@lru_cache(maxsize=8192)
def redact_text(text: str) -> str:
    """``text`` with credentials in URLs replaced and a token-like value replaced whole."""
    text = redact_urls(text)
    if looks_like_secret(text):
        return REDACTED
    return text
