"""Passkey settings: off by default, and never on with origins the guard would guess."""

from __future__ import annotations

from typing import Any

import pytest

from nextens_guard import GuardError, GuardSettings

KEYS = {"k1": bytes(32)}
SECRET = "s" * 32


def settings(**options: Any) -> GuardSettings:
    return GuardSettings(secret_key=SECRET, encryption_keys=KEYS, **options)


def test_passkeys_are_off_unless_an_rp_id_is_set() -> None:
    assert not settings().webauthn_enabled
    on = settings(webauthn_rp_id="example.nl", webauthn_origins=["https://example.nl"])
    assert on.webauthn_enabled


def test_an_rp_id_without_origins_is_refused_rather_than_read_from_the_request() -> None:
    with pytest.raises(GuardError, match="webauthn_origins"):
        settings(webauthn_rp_id="example.nl")


@pytest.mark.parametrize(
    "origin",
    [
        "http://example.nl",
        "https://example.nl/path",
        "https://evil.test",
        "https://notexample.nl",
        "example.nl",
        "https://",
    ],
)
def test_an_origin_that_is_not_https_on_the_rp_id_is_refused(origin: str) -> None:
    with pytest.raises(GuardError, match="webauthn origin"):
        settings(webauthn_rp_id="example.nl", webauthn_origins=[origin])


@pytest.mark.parametrize(
    "origin", ["https://example.nl", "https://app.example.nl", "https://app.example.nl:8443"]
)
def test_origins_on_the_rp_id_or_below_it_are_accepted(origin: str) -> None:
    settings(webauthn_rp_id="example.nl", webauthn_origins=[origin])


def test_plain_http_is_taken_for_localhost_only() -> None:
    settings(webauthn_rp_id="localhost", webauthn_origins=["http://localhost:8000"])


def test_origins_given_as_one_string_are_refused() -> None:
    with pytest.raises(GuardError, match="list of origins"):
        settings(webauthn_rp_id="example.nl", webauthn_origins="https://example.nl")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("webauthn_user_verification", "discouraged"),
        ("webauthn_attestation", "direct"),
        ("webauthn_timeout_seconds", 5),
        ("webauthn_rp_name", " "),
        ("webauthn_rp_id", "Example.NL"),
        ("webauthn_rp_id", "https://example.nl"),
    ],
)
def test_unsupported_passkey_options_are_refused(option: str, value: Any) -> None:
    valid: dict[str, Any] = {
        "webauthn_rp_id": "example.nl",
        "webauthn_origins": ["https://example.nl"],
    }
    with pytest.raises(GuardError, match=option):
        settings(**{**valid, option: value})


def test_the_prompt_names_the_product_unless_told_otherwise() -> None:
    assert settings().webauthn_name == "Two-step verification"
    assert settings(product_name="Nextens").webauthn_name == "Nextens"
    assert settings(product_name="Nextens", webauthn_rp_name="Kantoor").webauthn_name == "Kantoor"
