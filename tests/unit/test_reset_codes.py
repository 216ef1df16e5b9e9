"""Personal reset codes: strong, readable, and forgiving in how they are typed."""

from __future__ import annotations

import hmac
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nextens_guard.reset_codes import (
    format_reset_code,
    new_reset_code,
    normalise_reset_code,
    reset_codes_match,
)

# Crockford's base32: digits and capitals without I, L, O and U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE = "K7QF2M9XDA3HV8TPZ4NE6RWB"
SHOWN = "K7QF-2M9X-DA3H-V8TP-Z4NE-6RWB"
# A code made before codes grew to 120 bits: 20 characters, shown in four groups of five.
OLD_CODE = "K7QF2M9XDA3HV8TPZ4NE"
OLD_SHOWN = "K7QF2-M9XDA-3HV8T-PZ4NE"
# A code with every digit that has a look-alike letter.
CODE_WITH_ZERO_AND_ONE = "10K7Q1F2M09XDA3HV8T06RWB"

codes = st.text(alphabet=ALPHABET, min_size=24, max_size=24)
old_codes = st.text(alphabet=ALPHABET, min_size=20, max_size=20)


# Strength


def test_a_reset_code_carries_at_least_112_random_bits() -> None:
    # OWASP ASVS 5.0 V6.5.2: a lookup secret kept encrypted rather than hashed (the user
    # may view it again) carries at least 112 bits.
    code = new_reset_code()

    assert len(code) == 24
    assert set(code) <= set(ALPHABET)
    assert len(set(ALPHABET)) == 32
    assert len(code) * math.log2(len(ALPHABET)) >= 112


def test_every_new_reset_code_is_different() -> None:
    assert len({new_reset_code() for _ in range(100)}) == 100


def test_new_reset_codes_use_the_whole_alphabet() -> None:
    seen = set("".join(new_reset_code() for _ in range(200)))

    assert seen == set(ALPHABET)


def test_a_new_reset_code_is_in_its_canonical_form() -> None:
    code = new_reset_code()

    assert normalise_reset_code(code) == code


# How a reset code is shown


def test_a_reset_code_is_shown_in_six_groups_of_four() -> None:
    assert format_reset_code(CODE) == SHOWN


def test_every_new_reset_code_is_shown_grouped_with_hyphens() -> None:
    shown = format_reset_code(new_reset_code())

    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){5}", shown)


def test_an_old_reset_code_is_shown_in_the_four_groups_of_five_its_owner_wrote_down() -> None:
    assert format_reset_code(OLD_CODE) == OLD_SHOWN


# How a reset code may be typed


@pytest.mark.parametrize(
    "typed",
    [
        SHOWN,
        CODE,
        SHOWN.lower(),
        CODE.lower(),
        "k7qf-2M9X-da3h-V8TP-z4ne-6RWB",
        "K7QF 2M9X DA3H V8TP Z4NE 6RWB",
        "  K7QF-2M9X-DA3H-V8TP-Z4NE-6RWB  ",
        "K7QF - 2M9X - DA3H - V8TP - Z4NE - 6RWB",
        "K7QF2M9XDA3H-V8TPZ4NE6RWB",
        "K7QF_2M9X.DA3H\tV8TP-Z4NE 6RWB",
        "K7QF\u00a02M9X\u00a0DA3H\u00a0V8TP\u00a0Z4NE\u00a06RWB",
        "K7QF2-M9XDA-3HV8T-PZ4NE-6RWB",  # grouped in fives, as old codes were
    ],
)
def test_a_reset_code_is_accepted_in_any_case_with_or_without_separators(typed: str) -> None:
    assert normalise_reset_code(typed) == CODE


@pytest.mark.parametrize(
    "typed",
    [
        OLD_SHOWN,
        OLD_CODE,
        OLD_SHOWN.lower(),
        "k7qf2-M9XDA-3hv8t-PZ4NE",
        "K7QF2 M9XDA 3HV8T PZ4NE",
        "  K7QF2-M9XDA-3HV8T-PZ4NE  ",
        "K7QF2 - M9XDA - 3HV8T - PZ4NE",
        "K7QF2_M9XDA.3HV8T\tPZ4NE",
        "K7QF2\u00a0M9XDA\u00a03HV8T\u00a0PZ4NE",
    ],
)
def test_an_old_twenty_character_reset_code_is_still_accepted_however_it_is_typed(
    typed: str,
) -> None:
    assert normalise_reset_code(typed) == OLD_CODE


@pytest.mark.parametrize(
    "typed",
    [
        "IOK7QLF2MO9XDA3HV8TO6RWB",
        "iok7qlf2mo9xda3hv8to6rwb",
        "LOK7QIF2M09XDA3HV8TO6RWB",
        "IOK7-QLF2-MO9X-DA3H-V8TO-6RWB",
        "lo k7qi f2mo 9xda 3hv8 t06r wb",
    ],
)
def test_the_letters_o_i_and_l_are_read_as_the_digits_they_look_like(typed: str) -> None:
    assert normalise_reset_code(typed) == CODE_WITH_ZERO_AND_ONE


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "-----",
        "    ",
        CODE[:-1],
        SHOWN[:-1],
        CODE + "A",
        SHOWN + "-A",
        OLD_CODE[:-1],
        OLD_CODE + "A",
        CODE[:-2],  # 22: neither length
        CODE[:21],
        CODE + OLD_CODE,
        CODE[:-1] + "U",  # U is not in the alphabet
        CODE[:-1] + "!",
        CODE[:-1] + "*",
        CODE[:-1] + "/",
        CODE[:-1] + "\u0661",  # Arabic-Indic one
        CODE[:-1] + "\uff21",  # full-width A
        CODE[:-1] + "\u00c4",  # A with diaeresis
        CODE[:-1] + "\u0410",  # Cyrillic capital A
        CODE + " " * 100,
        SHOWN * 4,
        "x" * 10_000,
    ],
)
def test_a_reset_code_is_refused_when_too_short_too_long_or_foreign(typed: str) -> None:
    assert normalise_reset_code(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        CODE[:23] + "\u017f",  # long s: upper-cases to S
        CODE[:23] + "\u0131",  # dotless i: upper-cases to I, then read as 1
        CODE[:22] + "\ufb00",  # ff ligature: upper-cases to FF, so 23 characters become 24
        OLD_CODE[:18] + "\ufb00",  # the same for an old code's 20
    ],
)
def test_letters_that_are_not_ascii_are_refused_even_when_they_upper_case_to_ascii(
    typed: str,
) -> None:
    assert normalise_reset_code(typed) is None


@given(st.one_of(codes, old_codes))
def test_a_shown_reset_code_reads_back_as_the_code(code: str) -> None:
    assert normalise_reset_code(format_reset_code(code)) == code
    assert normalise_reset_code(format_reset_code(code).lower()) == code


@given(st.text())
def test_any_text_is_either_a_canonical_reset_code_or_refused(typed: str) -> None:
    code = normalise_reset_code(typed)

    assert code is None or (len(code) in {20, 24} and set(code) <= set(ALPHABET))


# Comparing


def test_the_same_reset_code_matches() -> None:
    assert reset_codes_match(CODE, CODE)


@pytest.mark.parametrize(
    "typed",
    ["K7QF2M9XDA3HV8TPZ4NE6RWC", "A7QF2M9XDA3HV8TPZ4NE6RWB", CODE[:-1], CODE + "0", "", OLD_CODE],
)
def test_a_different_reset_code_does_not_match(typed: str) -> None:
    assert not reset_codes_match(CODE, typed)


def test_an_old_reset_code_matches_itself_and_no_new_code_that_begins_with_it() -> None:
    assert reset_codes_match(OLD_CODE, OLD_CODE)
    assert not reset_codes_match(OLD_CODE, CODE)
    assert not reset_codes_match(OLD_CODE, OLD_CODE[:-1] + "F")


def test_a_typed_reset_code_matches_once_normalised() -> None:
    typed = normalise_reset_code(SHOWN.lower())

    assert typed is not None
    assert reset_codes_match(CODE, typed)


def test_reset_codes_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, object]] = []
    real_compare = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)

    assert reset_codes_match(CODE, CODE)
    assert not reset_codes_match(CODE, CODE[::-1])
    assert len(calls) == 2
