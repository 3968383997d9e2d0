"""File names with newlines, control characters or undecodable bytes, and messages quoting
hostile keys, stay one escaped line per finding in every format; the output always encodes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote_to_bytes

from hypothesis import given, settings
from hypothesis import strategies as st

from modelspec.report import FORMATS, renderer
from modelspec.report._escape import printable
from modelspec.validate.findings import Report
from modelspec.validate.runner import Validator

from .conftest import INVALID, ROOT

_NAME_BYTES = st.binary(min_size=1, max_size=12).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_"))
_SPEC = (INVALID / "min-above-max.yaml").read_bytes()


def _render_all(report: Report) -> dict[str, str]:
    out = {fmt: renderer(fmt)(report, quiet=False, strict=False) for fmt in FORMATS}
    for fmt, text in out.items():
        text.encode("utf-8")  # strict: no lone surrogate reaches stdout
        assert "\u2028" not in text and "\x1b" not in text, fmt
    return out


@settings(max_examples=60, deadline=None)
@given(_NAME_BYTES)
def test_hostile_file_names_are_escaped_in_every_format(name: bytes) -> None:
    if name in (b".", b".."):
        return
    with tempfile.TemporaryDirectory() as tmp:
        raw_path = os.fsencode(tmp) + b"/" + name + b".modelspec.yaml"
        with open(raw_path, "wb") as fh:
            fh.write(_SPEC)
        path = os.fsdecode(raw_path)
        report = Report(Validator().validate_file(path))
        findings = sum(len(d.findings) for d in report.files)
        assert findings >= 1
        out = _render_all(report)
    shown = printable(path)
    text_lines = [ln for ln in out["text"].splitlines() if ln.startswith(shown + ":")]
    assert len(text_lines) == findings
    assert all(ln.startswith("::") or ln.startswith("modelspec:") for ln in out["github"].splitlines())
    assert json.loads(out["json"])["files"][0]["path"] == shown
    uri = json.loads(out["sarif"])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert unquote_to_bytes(uri["uri"]) == raw_path


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8))
def test_messages_quoting_hostile_keys_stay_on_one_line(key: str) -> None:
    text = (INVALID / "min-above-max.yaml").read_text().replace("kind: ModelSpec\n",
                                                                  f"kind: ModelSpec\n{json.dumps(key)}: 1\n")
    report = Report(Validator().validate_text(text, "x.yaml"))
    out = _render_all(report)
    findings = sum(len(d.findings) for d in report.files)
    assert len([ln for ln in out["text"].splitlines() if ln.startswith("x.yaml")]) == findings


def test_cli_with_newline_and_undecodable_name(tmp_path: Path) -> None:
    raw = os.fsencode(str(tmp_path)) + b"/evil\n::error file=x::forged\xff.modelspec.yaml"
    with open(raw, "wb") as fh:
        fh.write(_SPEC)
    for fmt in FORMATS:
        proc = subprocess.run([sys.executable, "-m", "modelspec", "validate", "--format", fmt, os.fsdecode(raw)],
                              cwd=ROOT, capture_output=True, timeout=60)
        assert proc.returncode == 1, proc.stderr
        out = proc.stdout.decode("utf-8")
        assert "Traceback" not in proc.stderr.decode("utf-8", "replace")
        assert not any(ln.startswith("::error file=x") for ln in out.splitlines()), fmt
        if fmt in ("text", "github"):
            assert "evil\\n::error" in out or "evil%0A" in out, out
