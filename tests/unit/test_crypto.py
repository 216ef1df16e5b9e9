"""Secrets at rest: sealed for one user and one purpose, under a key that can rotate."""

from __future__ import annotations

import pytest

from nextens_guard.crypto import DecryptionError, Envelope, generate_key
from nextens_guard.errors import GuardError

OLD_KEY = bytes(range(32))
NEW_KEY = bytes(range(32, 64))
SECRET = b"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SECRET_PURPOSE = "totp_secret"
RESET_PURPOSE = "reset_code"


@pytest.fixture
def envelope() -> Envelope:
    return Envelope({"k1": OLD_KEY})


def seal(envelope: Envelope, plaintext: bytes = SECRET) -> bytes:
    return envelope.seal(plaintext, user_id="anna", purpose=SECRET_PURPOSE)


# Round trip


def test_a_sealed_value_opens_for_its_user_and_purpose(envelope: Envelope) -> None:
    token = seal(envelope)

    assert envelope.open(token, user_id="anna", purpose=SECRET_PURPOSE) == SECRET


def test_an_empty_value_round_trips(envelope: Envelope) -> None:
    token = seal(envelope, b"")

    assert envelope.open(token, user_id="anna", purpose=SECRET_PURPOSE) == b""


def test_sealing_twice_gives_different_ciphertexts(envelope: Envelope) -> None:
    assert seal(envelope) != seal(envelope)


def test_the_ciphertext_holds_no_plaintext(envelope: Envelope) -> None:
    token = seal(envelope)

    assert SECRET not in token
    assert all(SECRET[i : i + 6] not in token for i in range(len(SECRET) - 5))


def test_a_sealed_value_names_its_key(envelope: Envelope) -> None:
    token = seal(envelope)

    assert token.startswith(b"k1:")
    assert envelope.key_id_of(token) == "k1"


# Bound to one user and one purpose


def test_a_ciphertext_moved_to_another_user_does_not_open(envelope: Envelope) -> None:
    token = seal(envelope)

    with pytest.raises(DecryptionError):
        envelope.open(token, user_id="bram", purpose=SECRET_PURPOSE)


def test_a_ciphertext_moved_to_another_purpose_does_not_open(envelope: Envelope) -> None:
    token = seal(envelope)

    with pytest.raises(DecryptionError):
        envelope.open(token, user_id="anna", purpose=RESET_PURPOSE)


def test_user_id_and_purpose_cannot_be_shifted_into_each_other(envelope: Envelope) -> None:
    token = envelope.seal(SECRET, user_id="anna", purpose="totp")

    with pytest.raises(DecryptionError):
        envelope.open(token, user_id="totp", purpose="anna")


# Tampering


def test_tampering_with_any_byte_is_detected(envelope: Envelope) -> None:
    token = seal(envelope)

    for position in range(len(token)):
        tampered = bytearray(token)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionError):
            envelope.open(bytes(tampered), user_id="anna", purpose=SECRET_PURPOSE)


def test_a_truncated_ciphertext_is_detected(envelope: Envelope) -> None:
    token = seal(envelope)

    for length in range(len(token)):
        with pytest.raises(DecryptionError):
            envelope.open(token[:length], user_id="anna", purpose=SECRET_PURPOSE)


def test_a_lengthened_ciphertext_is_detected(envelope: Envelope) -> None:
    token = seal(envelope)

    with pytest.raises(DecryptionError):
        envelope.open(token + b"\x00", user_id="anna", purpose=SECRET_PURPOSE)


@pytest.mark.parametrize("garbage", [b"", b":", b"k1", b"k1:", b"\xff\xfe:" + bytes(40)])
def test_garbage_fails_as_a_decryption_error(envelope: Envelope, garbage: bytes) -> None:
    with pytest.raises(DecryptionError):
        envelope.open(garbage, user_id="anna", purpose=SECRET_PURPOSE)


def test_a_decryption_error_is_a_guard_error() -> None:
    assert issubclass(DecryptionError, GuardError)


def test_a_decryption_error_never_shows_the_plaintext_or_key(envelope: Envelope) -> None:
    token = seal(envelope)

    with pytest.raises(DecryptionError) as caught:
        envelope.open(token, user_id="bram", purpose=SECRET_PURPOSE)

    text = str(caught.value)
    assert SECRET.decode() not in text
    assert OLD_KEY.hex() not in text


# Keys


def test_an_unknown_key_id_does_not_open() -> None:
    token = seal(Envelope({"k1": OLD_KEY}))

    with pytest.raises(DecryptionError):
        Envelope({"k2": OLD_KEY}).open(token, user_id="anna", purpose=SECRET_PURPOSE)


def test_another_key_under_the_same_id_does_not_open() -> None:
    token = seal(Envelope({"k1": OLD_KEY}))

    with pytest.raises(DecryptionError):
        Envelope({"k1": NEW_KEY}).open(token, user_id="anna", purpose=SECRET_PURPOSE)


def test_after_rotation_old_values_still_open_and_new_values_use_the_new_key() -> None:
    old_token = seal(Envelope({"2024": OLD_KEY}))
    rotated = Envelope({"2025": NEW_KEY, "2024": OLD_KEY})

    assert rotated.current_key_id == "2025"
    assert rotated.open(old_token, user_id="anna", purpose=SECRET_PURPOSE) == SECRET
    assert rotated.key_id_of(old_token) == "2024"

    new_token = seal(rotated)
    assert rotated.key_id_of(new_token) == "2025"
    assert rotated.open(new_token, user_id="anna", purpose=SECRET_PURPOSE) == SECRET


def test_the_current_key_can_be_named_explicitly() -> None:
    envelope = Envelope({"2024": OLD_KEY, "2025": NEW_KEY}, current_key_id="2025")

    assert envelope.current_key_id == "2025"
    assert envelope.key_id_of(seal(envelope)) == "2025"


def test_a_value_sealed_under_the_new_key_does_not_open_without_it() -> None:
    new_token = seal(Envelope({"2025": NEW_KEY, "2024": OLD_KEY}))

    with pytest.raises(DecryptionError):
        Envelope({"2024": OLD_KEY}).open(new_token, user_id="anna", purpose=SECRET_PURPOSE)


def test_once_the_old_key_is_dropped_old_values_no_longer_open() -> None:
    old_token = seal(Envelope({"2024": OLD_KEY}))

    with pytest.raises(DecryptionError):
        Envelope({"2025": NEW_KEY}).open(old_token, user_id="anna", purpose=SECRET_PURPOSE)


def test_an_envelope_needs_at_least_one_key() -> None:
    with pytest.raises(GuardError):
        Envelope({})


def test_the_current_key_id_must_name_a_key() -> None:
    with pytest.raises(GuardError):
        Envelope({"2024": OLD_KEY}, current_key_id="2025")


def test_a_generated_key_is_256_random_bits() -> None:
    key = generate_key()

    assert len(key) == 32
    assert generate_key() != key
    token = seal(Envelope({"fresh": key}))
    assert Envelope({"fresh": key}).open(token, user_id="anna", purpose=SECRET_PURPOSE) == SECRET
