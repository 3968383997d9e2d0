"""Credential redaction for anything that may reach an output: URLs and free text holding URLs.

Why here: the validator (MS217 names a password in a URL) and the scanners (facts copied from
command lines, env values, container args, ``/v1/models`` answers) must agree on what a
credential in a URL is, and neither package may import the other. This module imports nothing
from the package, so both can use it without an import cycle.

What is redacted, in any ``scheme://`` URL:

* the whole user-info part (``https://user:pass@host`` → ``https://***@host``): a lone user name
  is often a token itself (``https://ghp_…@github.com``);
* the value of every query or fragment parameter whose name says credential (``token``,
  ``access_token``, ``api_key``, ``X-Amz-Signature``, ``sig``, ``password``, …);
* any parameter value that has a well-known token shape (``hf_…``, ``sk-…``, ``ghp_…``, JWT).

Pure string work with regular expressions (no ``urllib.parse``, which raises on some hostile
input): total over every ``str``, idempotent, and it never makes a string longer than needed.
"""

from __future__ import annotations

import re

REDACTED = "***"

# scheme://[userinfo@]rest — the user-info is everything up to the last '@' before the first
# '/', '?' or '#', so a password with an unencoded '@' is still covered as a whole.
_URL = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?:(?P<userinfo>[^/?#\s\"'<>]*)@)?"
                  r"(?P<rest>[^\s\"'<>]*)")
_SECRET_PARAM = re.compile(
    r"token|secret|passw|pwd|^pass$|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|^key$|"
    r"sig$|signature|credential|^auth$|^authorization$|session|^code$",
    re.IGNORECASE,
)
_TOKEN_VALUE = re.compile(
    r"^(?:hf_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_\-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|"
    r"xox[abprs]-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z_\-]{35}|(?:AKIA|ASIA)[0-9A-Z]{16}|"
    r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})"
)
_PARAM = re.compile(r"(?P<sep>[?&#])(?P<name>[^=&#?\s]+)=(?P<value>[^&#\s]*)")

#: A URL carrying a password in its user-info (``scheme://user:secret@``): shared with the validator.
URL_PASSWORD = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\s@:]*:(?!\$\{?[A-Za-z_]|\$\()[^/?#\s]+@")


def _secret_param(name: str, value: str) -> bool:
    if not value or value == REDACTED:
        return False
    return bool(_SECRET_PARAM.search(name) or _TOKEN_VALUE.match(value))


def _redact_params(rest: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if _secret_param(m.group("name"), m.group("value")):
            return f"{m.group('sep')}{m.group('name')}={REDACTED}"
        return m.group(0)

    return _PARAM.sub(repl, rest)


def _redact_match(m: re.Match[str]) -> str:
    userinfo = m.group("userinfo")
    auth = f"{REDACTED}@" if userinfo is not None else ""
    return m.group("scheme") + auth + _redact_params(m.group("rest"))


def redact_text(text: str) -> str:
    """``text`` with every credential inside a ``scheme://`` URL replaced by ``***``."""
    if "://" not in text:
        return text
    return _URL.sub(_redact_match, text)


def redact_url(url: str) -> str:
    """One URL (or any text holding URLs) with its credentials replaced by ``***``."""
    return redact_text(url)


def has_url_credentials(text: str) -> bool:
    """Whether :func:`redact_text` would change ``text`` (a credential sits in a URL)."""
    return redact_text(text) != text


def url_credential_kind(text: str) -> str | None:
    """What credential a URL in ``text`` carries, for messages that must not show it.

    A user name alone (``ssh://git@host``) is not reported here, although :func:`redact_text`
    hides it in outputs.
    """
    if "://" not in text:
        return None
    if URL_PASSWORD.search(text):
        return "a password in a URL"
    for m in _URL.finditer(text):
        for p in _PARAM.finditer(m.group("rest")):
            if _secret_param(p.group("name"), p.group("value")):
                return "a token in a URL query"
    return None
