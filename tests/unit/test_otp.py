"""Verification codes: RFC 6238 arithmetic, what counts as a typed code, the QR code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import struct
from urllib.parse import parse_qs, urlsplit

import cairosvg
import PIL.Image
import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st

from nextens_guard import otp
from nextens_guard.attempts import Attempt, Verdict

# RFC 6238 Appendix B: the SHA1 seed is the ASCII string "12345678901234567890".
RFC_SEED = b"12345678901234567890"
RFC_SECRET = base64.b32encode(RFC_SEED).decode("ascii")
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
# A fixed clock for window and drift tests, far from any step boundary's edge cases.
NOW = 1_750_000_000.0
STEP = int(NOW) // 30
BASE32_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def reference_code(seed: bytes, step: int) -> str:
    """RFC 4226 HOTP written out, so the module is checked against more than its own library."""
    digest = hmac.new(seed, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def code_at_offset(steps: int) -> str:
    return reference_code(RFC_SEED, STEP + steps)


def decode_qr(svg: str) -> list[str]:
    png = cairosvg.svg2png(
        bytestring=svg.encode("utf-8"),
        output_width=400,
        output_height=400,
        background_color="white",
    )
    image = PIL.Image.open(io.BytesIO(png))
    return [result.text for result in zxingcpp.read_barcodes(image)]


# The RFC 6238 test vectors


def test_the_reference_arithmetic_matches_the_rfc() -> None:
    for moment, eight_digits in RFC_VECTORS:
        assert reference_code(RFC_SEED, moment // 30) == eight_digits[-6:]


@pytest.mark.parametrize(("moment", "eight_digits"), RFC_VECTORS)
def test_the_rfc_6238_code_is_accepted_at_its_time(moment: int, eight_digits: str) -> None:
    check = otp.check_code(RFC_SECRET, eight_digits[-6:], now=moment)

    assert check.accepted
    assert check.step == moment // 30
    assert check.drift_steps is None


@pytest.mark.parametrize("moment", [moment for moment, _ in RFC_VECTORS])
def test_the_time_step_counts_thirty_seconds_since_the_epoch(moment: int) -> None:
    assert otp.time_step(moment) == moment // 30
    assert otp.time_step(moment + 0.5) == moment // 30


def test_codes_are_six_digits_every_thirty_seconds() -> None:
    assert otp.DIGITS == 6
    assert otp.INTERVAL == 30


# The accepted window


def test_the_current_code_is_accepted_for_the_current_step() -> None:
    check = otp.check_code(RFC_SECRET, code_at_offset(0), now=NOW)

    assert check.accepted
    assert check.step == STEP


@pytest.mark.parametrize("offset", [-1, 1])
def test_a_code_is_accepted_one_step_either_side(offset: int) -> None:
    check = otp.check_code(RFC_SECRET, code_at_offset(offset), now=NOW)

    assert check.accepted
    assert check.step == STEP + offset
    assert check.drift_steps is None


@pytest.mark.parametrize("offset", [-2, 2])
def test_a_code_two_steps_away_is_refused(offset: int) -> None:
    check = otp.check_code(RFC_SECRET, code_at_offset(offset), now=NOW)

    assert not check.accepted
    assert check.step is None


def test_a_code_is_accepted_from_the_step_before_its_own_to_the_step_after() -> None:
    issued_at = STEP * 30  # the first second of the step
    code = reference_code(RFC_SEED, STEP)

    assert otp.check_code(RFC_SECRET, code, now=issued_at + 59.9).step == STEP
    assert not otp.check_code(RFC_SECRET, code, now=issued_at + 60).accepted
    assert otp.check_code(RFC_SECRET, code, now=issued_at - 30).step == STEP
    assert not otp.check_code(RFC_SECRET, code, now=issued_at - 30.1).accepted


def test_a_wrong_code_is_refused() -> None:
    window = {code_at_offset(offset) for offset in (-1, 0, 1)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in window)

    check = otp.check_code(RFC_SECRET, wrong, now=NOW)

    assert not check.accepted
    assert check.step is None
    assert check.drift_steps is None


def test_a_code_for_another_secret_is_refused() -> None:
    other_secret = base64.b32encode(b"abcdefghijabcdefghij").decode("ascii")
    code = reference_code(b"abcdefghijabcdefghij", STEP)
    assert code not in {code_at_offset(offset) for offset in (-1, 0, 1)}

    assert otp.check_code(other_secret, code, now=NOW).accepted
    assert not otp.check_code(RFC_SECRET, code, now=NOW).accepted


# The drift hint


@pytest.mark.parametrize("offset", [-5, 5])
def test_a_code_five_steps_off_is_a_drift_hint_and_never_correct(offset: int) -> None:
    check = otp.check_code(RFC_SECRET, code_at_offset(offset), now=NOW, drift_hint_steps=10)

    assert check.drift_steps == offset
    assert check.step is None
    assert not check.accepted


@pytest.mark.parametrize("offset", [-10, 10])
def test_the_drift_hint_reaches_exactly_drift_hint_steps(offset: int) -> None:
    check = otp.check_code(RFC_SECRET, code_at_offset(offset), now=NOW, drift_hint_steps=10)

    assert check.drift_steps == offset
    assert not check.accepted


@pytest.mark.parametrize("offset", [-11, 11, -20, 20])
def test_a_code_beyond_drift_hint_steps_says_nothing(offset: int) -> None:
    check = otp.check_code(RFC_SECRET, code_at_offset(offset), now=NOW, drift_hint_steps=10)

    assert check == Attempt(Verdict.REJECTED)


def test_without_a_drift_hint_a_code_five_steps_off_says_nothing() -> None:
    check = otp.check_code(RFC_SECRET, code_at_offset(5), now=NOW)

    assert check == Attempt(Verdict.REJECTED)


def test_a_code_inside_the_window_is_never_reported_as_drift() -> None:
    check = otp.check_code(RFC_SECRET, code_at_offset(1), now=NOW, drift_hint_steps=10)

    assert check == Attempt(Verdict.ACCEPTED, step=STEP + 1)


@pytest.mark.parametrize("moment", [0, 10, 59, 299])
def test_checking_a_code_in_the_first_minutes_after_the_epoch_never_raises(moment: int) -> None:
    # A fixed clock near zero is a common test set-up; steps before zero are simply not codes.
    wrong = next(
        f"{n:06d}"
        for n in range(1_000_000)
        if all(f"{n:06d}" != reference_code(RFC_SEED, step) for step in range(moment // 30 + 12))
    )

    check = otp.check_code(RFC_SECRET, wrong, now=moment, drift_hint_steps=10)

    assert check == Attempt(Verdict.REJECTED)


# What counts as a typed code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("123456", "123456"),
        ("123 456", "123456"),
        ("123-456", "123456"),
        (" 123456 ", "123456"),
        ("12 34 56", "123456"),
        ("123\u00a0456", "123456"),
        ("000000", "000000"),
    ],
)
def test_a_code_may_be_typed_with_spaces_or_a_hyphen(typed: str, code: str) -> None:
    assert otp.clean_code(typed) == code


def test_arabic_indic_digits_are_never_a_code() -> None:
    assert otp.clean_code("\u0661\u0662\u0663\u0664\u0665\u0666") is None  # ١٢٣٤٥٦
    assert otp.clean_code("\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6") is None  # ۱۲۳۴۵۶


def test_full_width_digits_are_never_a_code() -> None:
    assert otp.clean_code("\uff11\uff12\uff13\uff14\uff15\uff16") is None  # full-width one to six


@pytest.mark.parametrize(
    "typed",
    [
        "\u00b9\u00b2\u00b3\u2074\u2075\u2076",  # superscripts ¹²³⁴⁵⁶
        "\u2081\u2082\u2083\u2084\u2085\u2086",  # subscripts ₁₂₃₄₅₆
        "\U0001d7cf\U0001d7d0\U0001d7d1\U0001d7d2\U0001d7d3\U0001d7d4",  # mathematical bold
        "\u0967\u0968\u0969\u096a\u096b\u096c",  # Devanagari
        "12345\u0666",  # five ASCII digits and one Arabic-Indic
    ],
)
def test_digits_of_other_scripts_are_never_a_code(typed: str) -> None:
    assert otp.clean_code(typed) is None


@pytest.mark.parametrize(
    "typed",
    ["12345", "1234567", "123 45", "12345a", "abcdef", "12E456", "+12345", "1.2345", "", "   "],
)
def test_anything_but_six_digits_is_not_a_code(typed: str) -> None:
    assert otp.clean_code(typed) is None


@given(st.text())
def test_any_text_is_either_six_ascii_digits_or_not_a_code(typed: str) -> None:
    code = otp.clean_code(typed)

    assert code is None or (len(code) == 6 and set(code) <= set("0123456789"))


# New secrets


def test_a_new_secret_is_160_bits_in_32_base32_characters() -> None:
    secret = otp.new_secret()

    assert len(secret) == 32
    assert set(secret) <= BASE32_ALPHABET
    assert len(base64.b32decode(secret)) == 20


def test_every_new_secret_is_different() -> None:
    secrets = {otp.new_secret() for _ in range(50)}

    assert len(secrets) == 50


def test_a_new_secret_gives_codes_the_reference_arithmetic_agrees_with() -> None:
    secret = otp.new_secret()
    code = reference_code(base64.b32decode(secret), STEP)

    assert otp.check_code(secret, code, now=NOW).step == STEP


# The provisioning URI and the QR code


def test_the_provisioning_uri_names_the_issuer_and_the_user() -> None:
    secret = otp.new_secret()

    uri = otp.provisioning_uri(secret, username="anna", issuer="Nextens")

    assert uri == f"otpauth://totp/Nextens:anna?secret={secret}&issuer=Nextens"


def test_the_provisioning_uri_carries_a_configured_issuer() -> None:
    secret = otp.new_secret()

    uri = otp.provisioning_uri(secret, username="bram", issuer="Kantoor")

    assert uri == f"otpauth://totp/Kantoor:bram?secret={secret}&issuer=Kantoor"


def test_the_provisioning_uri_quotes_a_username_with_spaces() -> None:
    secret = otp.new_secret()

    parts = urlsplit(otp.provisioning_uri(secret, username="anna de vries", issuer="Nextens"))

    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert parts.path == "/Nextens:anna%20de%20vries"
    assert parse_qs(parts.query) == {"secret": [secret], "issuer": ["Nextens"]}


def test_the_qr_code_is_an_inline_svg_element() -> None:
    svg = otp.qr_svg("otpauth://totp/Nextens:anna?secret=JBSWY3DPEHPK3PXP&issuer=Nextens")

    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert svg.rstrip().endswith("</svg>")
    assert "<script" not in svg.lower()


def test_the_qr_code_decodes_to_the_provisioning_uri() -> None:
    uri = otp.provisioning_uri(otp.new_secret(), username="anna", issuer="Nextens")

    assert decode_qr(otp.qr_svg(uri)) == [uri]
