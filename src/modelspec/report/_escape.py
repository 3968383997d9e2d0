"""Make untrusted text safe to print on one line in any report format.

File names come from the file system and messages quote document content: either may hold a
newline (which would forge a second ``file:line:col`` line or workflow command), other control
characters (terminal escapes), line separators, or bytes that are not UTF-8 (Python carries
them as lone surrogates, which cannot be encoded on output at all). :func:`printable` writes
each of those as a visible backslash escape, the way Python's ``repr`` would, and leaves every
other character, including non-ASCII letters, as it is.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    char = m.group(0)
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control characters, line separators and undecodable bytes escaped."""
    return _UNSAFE.sub(_escape, text)


def file_uri(path: str) -> str:
    """A relative or absolute URI reference for ``path``: its raw bytes percent-encoded."""
    raw = os.fsencode(path.replace(os.sep, "/") if os.sep != "/" else path)
    return quote(raw, safe="/:@!$&'()*+,;=-._~")
