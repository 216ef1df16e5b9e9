"""At the default limits fuzzing may lock the person out. Then the lockout is reported with
Retry-After and holds for the right value too; else the right value still works."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx
from hypothesis import assume, given
from hypothesis import strategies as st

from example_app.demo_data import DEMO_PASSWORD
from nextens_guard.web.i18n import Translator
from tests.fuzz.inputs import (
    FUZZ,
    FormEncoding,
    NearMiss,
    OtherStep,
    Right,
    Text,
    Typed,
    form_encodings,
    typed_codes,
    typed_values,
)
from tests.fuzz.people import (
    Person,
    assert_clean_answer,
    is_a_current_code,
    is_the_reset_code,
    post_field,
    rosa_at_the_code_prompt,
    ruben_and_rosa,
    tokens_for,
)
from tests.support import Parts

DIGITS = "0123456789"
RESET_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def mostly(
    often: st.SearchStrategy[Typed], sometimes: st.SearchStrategy[Typed]
) -> st.SearchStrategy[Typed]:
    """``often`` three times in four, else ``sometimes``."""
    return st.integers(0, 3).flatmap(lambda n: sometimes if n == 0 else often)


def assert_reported_lockout(answer: httpx.Response) -> None:
    assert answer.status_code == 429
    seconds = int(answer.headers["retry-after"])
    assert seconds >= 1
    # The wait as people say it: minutes, or seconds under a minute.
    assert Translator("nl").wait(seconds) in answer.text


def fuzz_until_maybe_locked(
    parts: Parts,
    person: Person,
    path: str,
    *,
    field: str,
    typed: st.SearchStrategy[Typed],
    right: Right,
    is_right: Callable[[str], bool],
) -> bool:
    """Post wrong values to ``field`` at ``path``; whether a lockout was reached."""
    tokens = tokens_for(parts, person.browser, path)
    lockouts: list[httpx.Response] = []

    @FUZZ
    @given(typed=typed, encoding=form_encodings)
    def a_wrong_value_is_refused_or_locked_out(typed: Typed, encoding: FormEncoding) -> None:
        value = typed.text_for(right)
        assume(not is_right(value))

        _, answer = post_field(
            person.browser, path, tokens, encoding=encoding, field=field, value=value
        )

        assert_clean_answer(answer, {400, 413, 429})
        if answer.status_code == 429:
            assert_reported_lockout(answer)
            lockouts.append(answer)

    a_wrong_value_is_refused_or_locked_out()
    return bool(lockouts)


def test_wrong_codes_lock_out_with_retry_after_or_leave_the_right_code_working(
    parts: Parts,
) -> None:
    with rosa_at_the_code_prompt(parts, roomy=False) as rosa:
        right = rosa.right_code()
        # Codes that count as failures: six ASCII digits, just not the right ones now.
        counted = st.one_of(
            st.text(st.sampled_from(DIGITS), min_size=6, max_size=6).map(Text),
            st.builds(NearMiss, st.just("replace"), st.integers(0, 5), st.sampled_from(DIGITS)),
            st.builds(OtherStep, st.integers(2, 20)),
        )

        locked = fuzz_until_maybe_locked(
            parts,
            rosa,
            "/2fa/verify",
            field="code",
            typed=mostly(counted, typed_codes),
            right=right,
            is_right=lambda code: is_a_current_code(code, right),
        )

        answer = rosa.browser.verify(rosa.secret)
        if locked:
            assert_reported_lockout(answer)
        else:
            assert answer.status_code == 303


def test_wrong_reset_codes_lock_out_with_retry_after_or_leave_the_right_one_working(
    parts: Parts,
) -> None:
    with rosa_at_the_code_prompt(parts, roomy=False) as rosa:
        # Reset codes that count as failures: twenty characters of the alphabet.
        counted = st.one_of(
            st.text(st.sampled_from(RESET_CODE_ALPHABET), min_size=20, max_size=20).map(Text),
            st.builds(
                NearMiss,
                st.just("replace"),
                st.integers(0, 19),
                st.sampled_from(RESET_CODE_ALPHABET),
            ),
        )

        locked = fuzz_until_maybe_locked(
            parts,
            rosa,
            "/2fa/recover",
            field="reset_code",
            typed=mostly(counted, typed_values()),
            right=Right(rosa.reset_code),
            is_right=lambda typed: is_the_reset_code(typed, rosa.reset_code),
        )

        answer = rosa.browser.submit("/2fa/recover", reset_code=rosa.reset_code)
        if locked:
            assert_reported_lockout(answer)
        else:
            assert answer.status_code == 303


def test_wrong_passwords_lock_out_with_retry_after_or_leave_the_right_one_working(
    parts: Parts,
) -> None:
    with ruben_and_rosa(parts, roomy=False) as (ruben, _):
        # Printable near misses: every one counts as a failure. (Odd passwords have their
        # own tests in test_password_fields.py.)
        printable = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
        counted = st.one_of(
            st.builds(
                NearMiss, st.sampled_from(["replace", "insert"]), st.integers(0, 12), printable
            ),
            st.text(printable, min_size=1, max_size=30).map(Text),
        )
        locked = fuzz_until_maybe_locked(
            parts,
            ruben,
            "/2fa/office/reset-code",
            field="password",
            typed=counted,
            right=Right(DEMO_PASSWORD),
            is_right=lambda typed: typed == DEMO_PASSWORD,
        )

        answer = ruben.browser.submit("/2fa/office/reset-code", password=DEMO_PASSWORD)
        if locked:
            assert_reported_lockout(answer)
        else:
            assert answer.status_code == 200
            assert f'data-reset-code="{ruben.reset_code}"' in answer.text
