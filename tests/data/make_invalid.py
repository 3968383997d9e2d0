"""Writes tests/data/invalid/: each broken file with the rule and line it must produce.

Run once after editing the table; the files and expectations.json are committed. The expected
rule and line are written here by hand, not taken from the validator's output.
"""

from __future__ import annotations

import json
from pathlib import Path

HEAD = """apiVersion: piqc.ai/v1alpha1
kind: ModelSpec
metadata:
  name: demo
spec:
  identity:
    model:
      id: demo-7b
      family: demo
      task: chat
      framework: vllm
      precision: bf16
  runtime:
    accelerator:
      vendor: nvidia
      type: l4
      count: 1
    batch:
      maxSequenceLengthTokens: 4096
"""  # 19 lines


JSON_HEAD = """{
  "apiVersion": "piqc.ai/v1alpha1",
  "kind": "ModelSpec",
  "metadata": {"name": "demo"},
  "spec": {
    "identity": {
      "model": {
        "id": "demo-7b",
        "family": "demo",
        "task": "chat",
        "framework": "tgi"
      }
    },
    "runtime": {"accelerator": {"vendor": "nvidia", "type": "l4", "count": 1}}
  }
}
"""


def with_ops(block: str) -> str:
    return HEAD + "  operations:\n" + block  # block starts at line 21


CASES: dict[str, tuple[str | bytes, str, int]] = {
    # -- loader ------------------------------------------------------------------------------
    "empty.yaml": ("", "MS307", 1),
    "only-comments.yaml": ("# nothing here\n# still nothing\n", "MS307", 1),
    "syntax-error.yaml": (HEAD.replace("      count: 1\n", "      count: [1\n"), "MS301", 18),
    "tab-indent.yaml": (HEAD.replace("      type: l4\n", "\ttype: l4\n"), "MS301", 16),
    "duplicate-key.yaml": (HEAD.replace("      type: l4\n", "      type: l4\n      type: h100\n"), "MS302", 17),
    "duplicate-top-key.yaml": (HEAD + "kind: ModelSpec\n", "MS302", 20),
    "billion-laughs.yaml": (
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
        , "MS303", 6),  # the expansion passes the node bound on line 6
    "recursive-alias.yaml": ("apiVersion: piqc.ai/v1alpha1\nloop: &x [1, *x]\n", "MS303", 2),
    "deep-nesting.yaml": ("apiVersion: piqc.ai/v1alpha1\nx: " + "[" * 70 + "]" * 70 + "\n", "MS305", 2),
    "binary.yaml": (b"apiVersion: piqc.ai/v1alpha1\n\x00\x01\x02\x03", "MS306", 2),
    "latin1.yaml": (HEAD.replace("name: demo", "name: d\xe9mo").encode("latin-1"), "MS306", 4),
    "top-level-list.yaml": ("- apiVersion: piqc.ai/v1alpha1\n- kind: ModelSpec\n", "MS308", 1),
    "top-level-scalar.yaml": ("just a string\n", "MS308", 1),
    "python-tag.yaml": (HEAD.replace("name: demo", "name: !!python/object/apply:os.system [ls]"), "MS309", 4),
    "bad-json.modelspec.json": ('{\n  "apiVersion": "piqc.ai/v1alpha1",\n  "kind": "ModelSpec",\n}\n', "MS301", 4),
    "json-duplicate.modelspec.json": ('{\n  "apiVersion": "piqc.ai/v1alpha1",\n  "apiVersion": "x"\n}\n', "MS302", 3),
    # -- hostile input (issue 13) -------------------------------------------------------------
    "control-char.yaml": (HEAD.replace("name: demo", "name: de\x1bmo"), "MS306", 4),
    "utf16-no-bom.yaml": (HEAD.encode("utf-16-le"), "MS306", 1),
    "typed-keys-collide.yaml": (HEAD.replace("name: demo", "name: demo\n  labels:\n    1: a\n    '1': b"),
                                "MS302", 7),
    "json-lone-surrogate.modelspec.json": ('{\n  "apiVersion": "piqc.ai/v1alpha1",\n  "kind": "\\ud800"\n}\n',
                                           "MS301", 3),
    "json-exponent-as-string.modelspec.json": (JSON_HEAD.replace('"family": "demo"', '"family": 1e5'), "MS103", 9),
    "count-nan.yaml": (HEAD.replace("count: 1", "count: .nan"), "MS103", 17),
    "count-huge.yaml": (HEAD.replace("count: 1", "count: 1" + "0" * 400), "MS105", 17),
    "count-1e20.yaml": (HEAD.replace("count: 1", "count: 1.0e+20"), "MS105", 17),
    # -- schema ------------------------------------------------------------------------------
    "missing-spec.yaml": ("apiVersion: piqc.ai/v1alpha1\nkind: ModelSpec\nmetadata:\n  name: demo\n", "MS102", 1),
    "missing-accelerator-count.yaml": (HEAD.replace("      count: 1\n", ""), "MS102", 14),
    "unknown-key-typo.yaml": (HEAD.replace("    accelerator:", "    acelerator:"), "MS101", 14),
    "wrong-api-version.yaml": (HEAD.replace("piqc.ai/v1alpha1", "piqc.ai/v1"), "MS104", 1),
    "wrong-kind.yaml": (HEAD.replace("kind: ModelSpec", "kind: Deployment"), "MS320", 2),
    "count-zero.yaml": (HEAD.replace("count: 1", "count: 0"), "MS105", 17),
    "count-string.yaml": (HEAD.replace("count: 1", 'count: "one"'), "MS103", 17),
    "port-too-big.yaml": (with_ops("    serving:\n      port: 70000\n"), "MS105", 22),
    "protocol-enum.yaml": (with_ops("    serving:\n      protocol: https\n"), "MS104", 22),
    "yaml11-no-as-bool.yaml": (HEAD.replace("name: demo", "name: demo\n  labels:\n    canary: no"), "MS103", 6),
    "yaml11-date.yaml": (HEAD.replace("name: demo", "name: demo\n  version: 2024-01-01"), "MS103", 5),
    "null-value.yaml": (HEAD.replace("      precision: bf16", "      precision:"), "MS103", 12),
    # -- semantic ----------------------------------------------------------------------------
    "min-above-max.yaml": (with_ops("    scaling:\n      minReplicas: 5\n      maxReplicas: 2\n"), "MS201", 22),
    "warm-pool-too-big.yaml": (with_ops("    scaling:\n      maxReplicas: 2\n      warmPool:\n        size: 3\n"),
                               "MS202", 24),
    "vllm-no-max-len.yaml": (HEAD.replace("    batch:\n      maxSequenceLengthTokens: 4096\n", ""), "MS203", 11),
    "same-ports.yaml": (with_ops("    serving:\n      port: 8000\n    observability:\n      metrics:\n"
                                 "        port: 8000\n"), "MS204", 25),
    "probe-path.yaml": (with_ops("    serving:\n      readinessProbe:\n        path: health\n"), "MS205", 23),
    "timeout-below-p95.yaml": (with_ops("    serving:\n      timeoutSeconds: 2\n    scaling:\n"
                                        "      targetLatencyMsP95: 5000\n"), "MS207", 22),
    "bad-k8s-name.yaml": (HEAD.replace("name: demo", "name: Demo_Model"), "MS214", 4),
    "bad-label.yaml": (HEAD.replace("name: demo", "name: demo\n  labels:\n    team: 'two words'"), "MS215", 6),
    "bad-env-name.yaml": (HEAD + "    environment:\n      variables:\n        1BAD-NAME: x\n", "MS216", 22),
    "secret-hf-token.yaml": (HEAD + "    environment:\n      variables:\n"
                             "        HF_TOKEN: hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789\n", "MS217", 22),
    "secret-aws-key.yaml": (HEAD + "    environment:\n      variables:\n        AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE\n",
                            "MS217", 22),
    "bad-hf-uri.yaml": (HEAD.replace("      precision: bf16\n", "      precision: bf16\n      artifacts:\n"
                                     "        modelUri: hf://org/name/with spaces\n"), "MS212", 14),
    "duplicate-dependency.yaml": (HEAD + "  pipeline:\n    dependencies:\n      - id: guard\n        role: guardrail\n"
                                  "      - id: guard\n        role: guardrail\n", "MS219", 24),
    "missing-spec-ref.yaml": (HEAD + "  pipeline:\n    dependencies:\n      - id: guard\n        role: guardrail\n"
                              "        specRef: does-not-exist.modelspec.yaml\n", "MS220", 24),
}


def main() -> None:
    from modelspec.validate.findings import Severity
    from modelspec.validate.rules import severity_of

    out = Path(__file__).parent / "invalid"
    out.mkdir(exist_ok=True)
    expectations = {}
    for name, (content, rule, line) in CASES.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (out / name).write_bytes(data)
        expectations[name] = {"rule": rule, "line": line}
        if severity_of(rule) is Severity.WARNING:  # fails the run only under --strict
            expectations[name]["strict"] = True
    (out / "expectations.json").write_text(json.dumps(expectations, indent=2) + "\n")
    print(f"{len(CASES)} files")


if __name__ == "__main__":
    main()
