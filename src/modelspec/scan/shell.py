"""Just enough POSIX shell to find the commands of a ``sh -c`` script and expand variables.

Containers start model servers through scripts: ``pip install …; exec vllm serve …``,
``A=1 B=2 python -m sglang.launch_server …``, several lines with ``&&``/``||``, comments and
backslash continuations. This splits a script into simple commands (lists of words) the way the
shell would, without running anything: quoting ('…', "…", backslash), separators ``;``, ``&&``,
``||``, ``|``, ``&``, newlines, comments, and ``$(…)``/backticks kept whole inside a word.

Kubernetes' own ``$(VAR)`` expansion of command/args (from the container's literal ``env``
values only; ``$$`` escapes) is here too, as is the shell's ``$VAR``/``${VAR}``/``${VAR:-x}``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

_K8S_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_SH_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
MAX_SCRIPT = 256 * 1024  # longer scripts are cut: a container command is never that long


def expand_k8s(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` expansion: known names replaced, unknown ones left as written."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1)
        return env[name] if name in env else m.group(0)

    return _K8S_REF.sub(sub, text)


def expand_shell(word: str, env: Mapping[str, str]) -> str:
    """``$VAR``, ``${VAR}``, ``${VAR:-default}`` from ``env``; unknown names stay as written."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        if name in env:
            return env[name]
        if m.group(2) is not None and m.group(1):
            return m.group(2)
        return m.group(0)

    return _SH_REF.sub(sub, word)


def assignment(word: str) -> tuple[str, str] | None:
    """``NAME=value`` → (name, value); anything else → None."""
    m = _ASSIGN.match(word)
    return (m.group(1), m.group(2)) if m else None


def split_commands(script: str) -> list[list[str]]:
    """The simple commands of ``script``, each a list of words with quotes removed."""
    out: list[list[str]] = []
    for chunk in _chunks(script[:MAX_SCRIPT]):
        try:
            words = shlex.split(chunk, comments=False, posix=True)
        except ValueError:  # an unbalanced quote: the shell would fail too; keep the plain words
            words = chunk.split()
        words = _drop_redirections(words)
        if words:
            out.append(words)
    return out


_REDIRECT = re.compile(r"^(\d*|&)(>>?|<)(&\d+|&-)?(.*)$")


def _drop_redirections(words: list[str]) -> list[str]:
    """``> log``, ``2>&1``, ``>>/tmp/x``, ``< in`` are not arguments of the command."""
    out: list[str] = []
    skip = False
    for w in words:
        if skip:
            skip = False
            continue
        m = _REDIRECT.match(w)
        if m and not w.startswith("-"):
            skip = not m.group(3) and not m.group(4)  # the target is the next word
            continue
        out.append(w)
    return out


def _chunks(script: str) -> list[str]:
    """Cut at unquoted separators, drop comments, join backslash-newline continuations."""
    chunks: list[str] = []
    buf: list[str] = []
    i, n = 0, len(script)
    quote: str | None = None
    depth = 0  # inside $( … ) or ` … `
    while i < n:
        c = script[i]
        if quote == "'":
            buf.append(c)
            quote = None if c == "'" else quote
        elif c == "\\" and i + 1 < n:
            if script[i + 1] == "\n":
                i += 2
                continue
            buf.append(script[i : i + 2])
            i += 2
            continue
        elif quote == '"':
            buf.append(c)
            if c == '"':
                quote = None
        elif c in "'\"":
            quote = c
            buf.append(c)
        elif c == "$" and script[i + 1 : i + 2] == "(":
            depth += 1
            buf.append("$(")
            i += 2
            continue
        elif c == ")" and depth:
            depth -= 1
            buf.append(c)
        elif depth:
            buf.append(c)
        elif c == "#" and (not buf or buf[-1] in " \t\n;&|"):
            while i < n and script[i] != "\n":
                i += 1
            continue
        elif c == "&" and ((buf and buf[-1].endswith((">", "<"))) or script[i + 1 : i + 2] == ">"):
            buf.append(c)  # 2>&1, &>file: a redirection, not a separator
        elif c in ";\n&|":
            chunks.append("".join(buf))
            buf = []
            while i + 1 < n and script[i + 1] in "&|" and c in "&|":
                i += 1
        else:
            buf.append(c)
        i += 1
    chunks.append("".join(buf))
    return [c.strip() for c in chunks if c.strip()]
