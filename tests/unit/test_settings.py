"""GuardSettings refuses a weak or broken set-up and never shows a secret."""

from __future__ import annotations

from typing import Any

import pytest

from nextens_guard import GuardError, GuardSettings

SECRET_KEY = "s3cr3t-signing-key-for-the-tests-0123456789"
KEY = bytes(range(32))
OTHER_KEY = bytes(range(100, 132))


def settings(**overrides: Any) -> GuardSettings:
    options: dict[str, Any] = {"secret_key": SECRET_KEY, "encryption_keys": {"k1": KEY}}
    options.update(overrides)
    return GuardSettings(**options)


def test_a_sound_set_up_is_accepted_with_defaults() -> None:
    guard_settings = settings()

    assert guard_settings.prefix == "/2fa"
    assert guard_settings.home_path == "/"
    assert guard_settings.login_path == "/login"
    assert guard_settings.default_language == "nl"
    assert guard_settings.locale_dirs == ()


def test_out_of_the_box_no_product_is_named() -> None:
    guard_settings = settings()

    assert guard_settings.product_name is None
    assert guard_settings.issuer is None
    assert guard_settings.issuer_name == "2FA"


def test_the_authenticator_app_shows_the_product_name_when_no_issuer_is_set() -> None:
    assert settings(product_name="Nextens").issuer_name == "Nextens"


def test_an_issuer_of_its_own_wins_over_the_product_name() -> None:
    assert settings(product_name="Nextens", issuer="Nextens Online").issuer_name == (
        "Nextens Online"
    )


@pytest.mark.parametrize("option", ["product_name", "issuer"])
@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_product_name_or_issuer_is_refused(option: str, value: str) -> None:
    with pytest.raises(GuardError, match=option):
        settings(**{option: value})


@pytest.mark.parametrize("option", ["home_path", "login_path", "logout_path"])
@pytest.mark.parametrize("path", ["", "home", "https://example.com/", "//example.com/login"])
def test_a_host_path_that_is_not_a_path_of_the_app_is_refused(option: str, path: str) -> None:
    with pytest.raises(GuardError, match=option):
        settings(**{option: path})


def test_host_paths_below_the_root_are_accepted() -> None:
    guard_settings = settings(home_path="/dashboard", login_path="/account/login")

    assert (guard_settings.home_path, guard_settings.login_path) == (
        "/dashboard",
        "/account/login",
    )


def test_a_single_locale_folder_given_without_a_list_is_refused() -> None:
    with pytest.raises(GuardError, match="locale_dirs"):
        settings(locale_dirs="locale")


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        GuardSettings(SECRET_KEY, {"k1": KEY})  # type: ignore[call-arg]


def test_a_secret_key_of_32_characters_is_enough() -> None:
    assert settings(secret_key="x" * 32).secret_key == "x" * 32


@pytest.mark.parametrize("secret_key", ["", "short", "x" * 31])
def test_a_short_secret_key_is_refused(secret_key: str) -> None:
    with pytest.raises(GuardError, match="secret_key"):
        settings(secret_key=secret_key)


def test_a_set_up_without_encryption_keys_is_refused() -> None:
    with pytest.raises(GuardError, match="encryption_keys"):
        settings(encryption_keys={})


@pytest.mark.parametrize("length", [0, 16, 24, 31, 33, 64])
def test_an_encryption_key_of_the_wrong_length_is_refused(length: int) -> None:
    with pytest.raises(GuardError, match="32 bytes"):
        settings(encryption_keys={"k1": KEY, "k2": bytes(length)})


@pytest.mark.parametrize("key_id", ["k:1", ":", "k1:", "", "sleutel-\u00e9"])
def test_a_bad_key_id_is_refused(key_id: str) -> None:
    with pytest.raises(GuardError, match="key id"):
        settings(encryption_keys={key_id: KEY})


@pytest.mark.parametrize("prefix", ["2fa", "/2fa/", "/", "", "//"])
def test_a_bad_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(GuardError, match="prefix"):
        settings(prefix=prefix)


def test_a_nested_prefix_is_accepted() -> None:
    assert settings(prefix="/security/2fa").prefix == "/security/2fa"


@pytest.mark.parametrize("option", ["max_failures", "address_max_failures"])
def test_a_failure_limit_below_one_is_refused(option: str) -> None:
    with pytest.raises(GuardError, match="failure limits"):
        settings(**{option: 0})


def test_the_repr_never_shows_the_secret_key_or_encryption_keys() -> None:
    guard_settings = settings(
        encryption_keys={"2025": KEY, "2024": OTHER_KEY},
        database_url="postgresql://guard:db-password@db/nextens",
        redis_url="redis://:redis-password@cache:6379/0",
    )

    for text in (repr(guard_settings), str(guard_settings), f"{guard_settings!r}"):
        assert SECRET_KEY not in text
        for key in (KEY, OTHER_KEY):
            assert repr(key) not in text
            assert key.hex() not in text
            assert str(list(key)) not in text
        assert "db-password" not in text
        assert "redis-password" not in text


def test_the_repr_names_the_key_ids() -> None:
    text = repr(settings(encryption_keys={"2025": KEY, "2024": OTHER_KEY}))

    assert "2025" in text
    assert "2024" in text


def test_an_error_about_a_key_never_shows_the_key() -> None:
    bad_key = b"\x01\x02\x03 secret key material"
    with pytest.raises(GuardError) as caught:
        settings(encryption_keys={"k1": bad_key})

    assert repr(bad_key) not in str(caught.value)
    assert "secret key material" not in str(caught.value)
