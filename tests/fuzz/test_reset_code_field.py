"""Whatever is typed as a reset code, only the user's own starts a new enrollment."""

from __future__ import annotations

from hypothesis import assume, example, given

from tests.fuzz.inputs import (
    FUZZ,
    Dressed,
    FormEncoding,
    LookAlike,
    NearMiss,
    Right,
    Text,
    Typed,
    form_encodings,
    typed_values,
)
from tests.fuzz.people import (
    assert_clean_answer,
    body_statuses,
    is_the_reset_code,
    post_field,
    rosa_at_the_code_prompt,
    tokens_for,
)
from tests.support import Parts, location


def test_no_reset_code_but_the_users_own_starts_a_new_enrollment(parts: Parts) -> None:
    with rosa_at_the_code_prompt(parts) as rosa:
        tokens = tokens_for(parts, rosa.browser, "/2fa/recover")
        right = Right(rosa.reset_code)

        @FUZZ
        @given(typed=typed_values(), encoding=form_encodings)
        @example(typed=LookAlike("full-width"), encoding="url-encoded")
        @example(typed=LookAlike("cyrillic"), encoding="url-encoded")
        @example(typed=LookAlike("mathematical-bold"), encoding="url-encoded")
        @example(typed=LookAlike("full-width", at=7), encoding="url-encoded")
        @example(typed=NearMiss("drop", at=19), encoding="url-encoded")
        @example(typed=NearMiss("insert", at=20, char="0"), encoding="url-encoded")
        @example(typed=NearMiss("replace", at=3, char="U"), encoding="url-encoded")
        @example(typed=Dressed("", "\x00"), encoding="url-encoded")
        @example(typed=Dressed("\u200b", ""), encoding="url-encoded")
        @example(typed=Text("0" * 20), encoding="url-encoded")
        # A long s upper-cases to an ASCII S.
        @example(typed=Text("\u017f" * 20), encoding="url-encoded")
        @example(typed=Text("\ud800"), encoding="utf-7")
        def a_wrong_reset_code_is_refused(typed: Typed, encoding: FormEncoding) -> None:
            reset_code = typed.text_for(right)
            assume(not is_the_reset_code(reset_code, rosa.reset_code))

            body, answer = post_field(
                rosa.browser,
                "/2fa/recover",
                tokens,
                encoding=encoding,
                field="reset_code",
                value=reset_code,
            )

            assert_clean_answer(answer, body_statuses(body, tokens, refused={400}))
            # Her enrollment stands: the app still asks for her code, not for a new one.
            assert location(rosa.browser.get("/")).startswith("/2fa/verify")

        a_wrong_reset_code_is_refused()

        answer = rosa.browser.submit("/2fa/recover", reset_code=rosa.reset_code)
        assert answer.status_code == 303
        assert location(answer) == "/2fa/enroll"
