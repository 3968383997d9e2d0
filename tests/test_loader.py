"""The positional loader: positions, limits, and YAML 1.1 traps."""

from __future__ import annotations

from pathlib import Path

from modelspec.spec.loader import Limits, load_bytes, load_file, load_text


def test_positions_are_one_based_and_point_at_keys() -> None:
    doc = load_text("a:\n  b: 1\n  c:\n    - x\n    - y\n")[0]
    assert doc.position("/a") == (1, 1)
    assert doc.position("/a/b") == (2, 3)
    assert doc.position("/a/c/1") == (5, 7)
    assert doc.position("/a/c/9/deeper") == (3, 3)  # falls back to the nearest known ancestor


def test_merge_keys_and_overrides_are_not_duplicates() -> None:
    doc = load_text("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n")[0]
    assert doc.ok and doc.data["use"] == {"x": 1, "y": 3}


def test_duplicate_key_names_both_lines() -> None:
    doc = load_text("a: 1\nb: 2\na: 3\n")[0]
    assert doc.problems[0].rule == "MS302"
    assert "line 1" in doc.problems[0].message and doc.problems[0].line == 3


def test_billion_laughs_refused_without_expanding() -> None:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for c in "bcdefghi":
        text += f"{c}: &{c} [{','.join(['*' + prev] * 9)}]\n"
        prev = c
    assert len(text) < 1024
    doc = load_text(text)[0]
    assert doc.problems and doc.problems[0].rule == "MS303"


def test_alias_use_limit() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 20) + "]\n"
    assert load_text(text, limits=Limits(max_aliases=10))[0].problems[0].rule == "MS303"
    assert load_text(text)[0].ok


def test_size_limit(tmp_path: Path) -> None:
    f = tmp_path / "big.yaml"
    f.write_text("a: " + "x" * 2000 + "\n")
    docs = load_file(f, Limits(max_bytes=1000))
    assert docs[0].problems[0].rule == "MS304"
    assert load_file(f)[0].ok


def test_nesting_limit_configurable() -> None:
    text = "a: " + "[" * 10 + "]" * 10
    assert load_text(text, limits=Limits(max_depth=5))[0].problems[0].rule == "MS305"
    assert load_text(text)[0].ok


def test_utf8_bom_accepted_utf16_with_bom_read_without_bom_refused() -> None:
    assert load_bytes(b"\xef\xbb\xbfa: 1\n", "x.yaml")[0].ok
    for codec in ("utf-16", "utf-32", "utf-16-be", "utf-32-be"):
        raw = "a: 1\n".encode(codec)
        if not codec.endswith("be"):
            assert load_bytes(raw, "x.yaml")[0].data == {"a": 1}
        else:
            problem = load_bytes(raw, "x.yaml")[0].problems[0]
            assert problem.rule == "MS306" and problem.hint == "save the file as UTF-8"


def test_multi_document_each_reported_with_index() -> None:
    docs = load_text("a: 1\n---\n- 2\n---\nc: 3\n")
    assert [d.index for d in docs] == [0, 1, 2]
    assert docs[0].ok and docs[2].ok
    assert docs[1].problems[0].rule == "MS308"


def test_yaml11_traps_recorded() -> None:
    doc = load_text("a: no\nb: 010\nc: 1:30\nd: 2024-01-01\ne: 'no'\nf: true\n")[0]
    assert doc.traps["/a"].kind == "boolean"
    assert doc.traps["/b"].kind == "octal" and doc.data["b"] == 8
    assert doc.traps["/c"].kind == "sexagesimal" and doc.data["c"] == 90
    assert doc.traps["/d"].kind == "date"
    assert "/e" not in doc.traps and "/f" not in doc.traps


def test_json_is_checked_strictly(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text('{"a": 1, // comment\n}')
    assert load_file(f)[0].problems[0].rule == "MS301"


def test_unknown_tags_refused() -> None:
    assert load_text("a: !custom 1\n")[0].problems[0].rule == "MS309"
    assert load_text("a: !!str 1\n")[0].data == {"a": "1"}
