"""The shared URL credential redactor: generated credentials never survive, other text does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from modelspec._redact import REDACTED, redact_text, redact_url, url_credential_kind
from modelspec.validate.secrets import looks_like_secret

# Credentials drawn from characters that never occur in the fixed rest of the URL, so a
# surviving credential is detectable as a substring.
_SECRET = st.text(alphabet="QZXJK!$%^()=+~;,|[]{}", min_size=3, max_size=20)
_USER = st.text(alphabet="QZXJKqzxjk._-", min_size=0, max_size=12)
_SCHEME = st.sampled_from(["https", "http", "s3", "redis", "postgresql+psycopg", "oci", "hf"])
_PARAM = st.sampled_from(["token", "access_token", "api_key", "apiKey", "X-Amz-Signature", "sig",
                          "password", "X-Amz-Security-Token", "hf_token", "client_secret"])
SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(_SCHEME, _USER, _SECRET)
def test_userinfo_password_never_survives(scheme: str, user: str, secret: str) -> None:
    url = f"{scheme}://{user}:{secret}@host.example/org/model"
    out = redact_url(url)
    assert out == f"{scheme}://{REDACTED}@host.example/org/model"
    assert url_credential_kind(url) is not None or secret.startswith("$")


@SETTINGS
@given(_SECRET, st.sampled_from(["", "@", "@@"]))
def test_password_holding_at_signs_is_redacted_whole(secret: str, extra: str) -> None:
    out = redact_text(f"https://u:{secret}{extra}x@host/p")
    assert secret not in out and out.endswith("@host/p")


@SETTINGS
@given(_PARAM, _SECRET, st.sampled_from(["?", "&", "#"]))
def test_secret_query_and_fragment_parameters_redacted(name: str, secret: str, sep: str) -> None:
    head = "https://host/model?rev=main" if sep != "?" else "https://host/model"
    text = f"vllm serve --model {head}{sep}{name}={secret}&page=2 --port 8000"
    out = redact_text(text)
    assert secret not in out
    assert f"{name}={REDACTED}" in out
    assert out.startswith("vllm serve --model https://host/model") and out.endswith("&page=2 --port 8000")
    assert url_credential_kind(text) == "a token in a URL query"


@SETTINGS
@given(st.text(max_size=200))
def test_total_and_idempotent_on_any_text(text: str) -> None:
    once = redact_text(text)
    assert redact_text(once) == once
    url_credential_kind(text)


@SETTINGS
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-./_", min_size=1, max_size=30))
def test_urls_without_credentials_are_unchanged(path: str) -> None:
    for url in (f"https://huggingface.co/{path}", f"s3://bucket/{path}?versionId=3&partNumber=1",
                f"oci://ghcr.io/org/img:tag@sha256:{'a' * 64}", f"no url at all {path}"):
        assert redact_text(url) == url
        assert url_credential_kind(url) is None


def test_known_examples() -> None:
    assert redact_text("https://user:pass@host/model") == "https://***@host/model"
    assert redact_text("https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r") == \
        "https://***@github.com/o/r"
    assert redact_text("see https://h/x?token=abc and s3://b/k?X-Amz-Credential=AK/2024&x=1") == \
        "see https://h/x?token=*** and s3://b/k?X-Amz-Credential=***&x=1"
    assert redact_text("https://h/x?q=hf_abcdefghijklmnopqrstuvwxyz") == "https://h/x?q=***"


def test_validator_reports_url_credentials_without_false_positives() -> None:
    assert looks_like_secret("https://user:hunter22@db.internal:5432/x") == "a password in a URL"
    assert looks_like_secret("https://host/m?access_token=abc123") == "a token in a URL query"
    assert looks_like_secret("postgres://app:${DB_PASSWORD}@db:5432/x") is None
    assert looks_like_secret("https://huggingface.co/meta-llama/Llama-3.1-8B") is None
