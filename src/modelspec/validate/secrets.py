"""Does a string look like a credential? Used by the validator (MS217) and the scanners' redaction.

Patterns are of well-known token formats; the generic check asks for a long run of base64/hex
characters with high entropy and mixed character classes, so ordinary words, paths, model ids
and URLs are not flagged.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("a Hugging Face token (hf_…)", re.compile(r"\bhf_[A-Za-z0-9]{20,}")),
    ("an OpenAI-style key (sk-…)", re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}")),
    ("an AWS access key id (AKIA…)", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token (ghp_…)", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})")),
    ("a Slack token (xox…)", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("a Google API key (AIza…)", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("a password in a URL", re.compile(r"://[^/\s:@]+:[^/\s@]{3,}@")),
]

_TOKEN_RUN = re.compile(r"[A-Za-z0-9+/=]{32,}|[A-Za-z0-9_\-]{40,}")
_SECRET_NAME = re.compile(
    r"(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)$", re.IGNORECASE
)
_REFERENCE = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$|^\$\(.+\)$|^<.*>$|^(changeme|redacted|\*+)$", re.IGNORECASE)


def _entropy(s: str) -> float:
    counts = Counter(s)
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_like_secret(value: str) -> str | None:
    """What kind of credential ``value`` looks like, or ``None``. Never returns the value."""
    for label, pattern in _PATTERNS:
        if pattern.search(value):
            return label
    for run in _TOKEN_RUN.findall(value):
        pieces = re.split(r"[/_\-]", run)
        if max(len(p) for p in pieces) < 16:
            continue  # a path or a dashed name, not one random run
        classes = sum(bool(re.search(p, run)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
        if classes >= 2 and _entropy(run) >= 4.0 and not run.isdigit():
            return "a long random token"
    return None


def secret_like_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def is_reference(value: str) -> bool:
    """``${VAR}``, ``$(cmd)``, ``<placeholder>``, empty or masked: not a literal secret."""
    return not value.strip() or bool(_REFERENCE.match(value.strip()))
