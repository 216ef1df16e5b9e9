"""The two functions that read what people type, for any text at all.

``clean_code`` gives six ASCII digits or nothing; ``normalise_reset_code`` gives 24
characters of the reset-code alphabet (20, for a code made before codes grew) or
nothing; neither ever raises.
"""

from __future__ import annotations

import base64

import pyotp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nextens_guard import otp
from nextens_guard.reset_codes import normalise_reset_code
from tests.fuzz.inputs import (
    LOOKALIKE_DIGITS,
    Right,
    Typed,
    odd_texts,
    typed_codes,
    with_surrogates,
)
from tests.fuzz.people import is_the_reset_code

ASCII_DIGITS = frozenset("0123456789")
RESET_CODE_ALPHABET = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
EVERY_LOOKALIKE_DIGIT = "".join(LOOKALIKE_DIGITS.values())

any_text = st.one_of(
    st.text(),
    odd_texts,
    with_surrogates,
    st.text(st.sampled_from("0123456789 -\u00a0" + EVERY_LOOKALIKE_DIGIT), max_size=12),
    st.text(st.sampled_from("0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefgiloILO -_.\u00a0\t\u017f")),
)
many = settings(max_examples=150, deadline=None)


@many
@given(typed=any_text)
@example(typed="\u0661\u0662\u0663\u0664\u0665\u0666")
@example(typed="\uff11\uff12\uff13\uff14\uff15\uff16")
@example(typed="\u00b9\u00b2\u00b3\u2074\u2075\u2076")
@example(typed="123 456")
@example(typed="123\x00456")
@example(typed="\ud800" * 6)
def test_clean_code_gives_six_ascii_digits_or_nothing(typed: str) -> None:
    code = otp.clean_code(typed)

    assert code is None or (len(code) == 6 and set(code) <= ASCII_DIGITS)


@many
@given(typed=any_text)
@example(typed="\uff11\uff12\uff13\uff14\uff15\uff16")
@example(typed="\U0001d7cf\U0001d7d0\U0001d7d1\U0001d7d2\U0001d7d3\U0001d7d4")
@example(typed="12\u00b3456")
def test_a_clean_code_is_what_was_typed_without_separators(typed: str) -> None:
    code = otp.clean_code(typed)

    if code is not None:
        assert typed.replace(" ", "").replace("-", "").replace("\u00a0", "") == code
        assert otp.clean_code(code) == code


@many
@given(typed=any_text)
@example(typed="\u017f" * 20)  # a long s, which upper-cases to an ASCII S
@example(typed="\uff2b" * 20)  # a full-width K
@example(typed="K7QF2-M9XDA-3HV8T-PZ4NE\x00")
@example(typed="K7QF-2M9X-DA3H-V8TP-Z4NE-6RWB\x00")
@example(typed="o" * 20)
@example(typed="o" * 24)
@example(typed="\ud800" * 24)
@example(typed="-" * 10_000)
def test_normalise_reset_code_gives_24_or_20_alphabet_characters_or_nothing(typed: str) -> None:
    code = normalise_reset_code(typed)

    assert code is None or (len(code) in {20, 24} and set(code) <= RESET_CODE_ALPHABET)


@many
@given(typed=any_text)
@example(typed="\uff2b" * 20)
def test_a_normalised_reset_code_is_what_was_typed_as_the_design_allows(typed: str) -> None:
    code = normalise_reset_code(typed)

    if code is not None:
        assert is_the_reset_code(typed, code)
        assert normalise_reset_code(code) == code


@many
@given(
    seed=st.binary(min_size=20, max_size=20),
    now=st.integers(min_value=30 * 20, max_value=2**33),
    typed=typed_codes,
)
def test_check_code_accepts_only_a_code_of_the_window_exactly(
    seed: bytes, now: int, typed: Typed
) -> None:
    secret = base64.b32encode(seed).decode("ascii")
    right = Right(pyotp.TOTP(secret).at(now), secret=secret, now=now)
    code = typed.text_for(right)

    check = otp.check_code(secret, code, now=now)

    window = {right.code_at(offset) for offset in (-1, 0, 1)}
    assert not check.accepted or code in window
