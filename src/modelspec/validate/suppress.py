"""Which findings a run keeps: ``--select``/``--ignore`` rule ids and inline comments.

Rule selectors work like ruff's: a full id (``MS223``) or a prefix (``MS2`` for every semantic
rule). Inline comments work like yamllint's and ruff's ``noqa``:

* ``key: value  # modelspec: disable=MS223`` silences MS223 on that line;
* ``# modelspec: disable=MS223,MS217`` alone on a line silences them on the next line;
* ``# modelspec: disable-file=MS310`` anywhere silences them in the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .findings import Finding

_COMMENT = re.compile(r"#\s*modelspec:\s*disable(?P<file>-file)?\s*=\s*(?P<ids>[A-Za-z0-9_, ]+)")
_ID = re.compile(r"^MS\d{0,3}$")


def parse_selectors(values: Iterable[str]) -> tuple[str, ...]:
    """Split ``MS2,MS310`` style values; raises ValueError on anything that is not an id or prefix."""
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            token = part.strip().upper()
            if not token:
                continue
            if not _ID.match(token):
                raise ValueError(f"not a rule id or prefix: {part.strip()!r} (expected e.g. MS223 or MS2)")
            out.append(token)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class RuleFilter:
    """Keep a finding when it is selected (all are, when ``select`` is empty) and not ignored."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def keeps(self, rule: str) -> bool:
        if self.select and not rule.startswith(self.select):
            return False
        return not (self.ignore and rule.startswith(self.ignore))


@dataclass(slots=True)
class InlineSuppressions:
    """Rule ids silenced per line (1-based) and for the whole file, read from the text's comments."""

    lines: dict[int, set[str]] = field(default_factory=dict)
    whole_file: set[str] = field(default_factory=set)

    @classmethod
    def scan(cls, text: str) -> InlineSuppressions:
        out = cls()
        if "modelspec:" not in text:
            return out
        for number, line in enumerate(text.splitlines(), start=1):
            m = _COMMENT.search(line)
            if m is None:
                continue
            ids = {i.strip().upper() for i in m.group("ids").split(",") if i.strip()}
            if m.group("file"):
                out.whole_file |= ids
            else:
                target = number + 1 if line.lstrip().startswith("#") else number
                out.lines.setdefault(target, set()).update(ids)
        return out

    def silences(self, finding: Finding) -> bool:
        ids = self.whole_file | self.lines.get(finding.line or 0, set())
        return any(finding.rule.startswith(i) for i in ids)
