"""Whatever stands in a form's ``csrf_token``, only this session's own token lets it through.

The token is sent url-encoded or as multipart in any character set; beside it goes the
right code, so a token taken wrongly would show at once.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.inputs import (
    CHARSETS,
    FUZZ,
    Multipart,
    Pair,
    Token,
    Urlencoded,
    form_tokens,
)
from tests.fuzz.people import (
    assert_clean_answer,
    body_statuses,
    rosa_at_the_code_prompt,
    rosa_enrolling,
    send,
    tokens_for,
)
from tests.support import Parts, location

charsets = st.sampled_from([None, *CHARSETS])


def test_no_form_token_but_the_sessions_own_lets_the_right_code_in(parts: Parts) -> None:
    with rosa_at_the_code_prompt(parts) as rosa:
        person = rosa.browser
        tokens = tokens_for(parts, person, "/2fa/verify")
        code = rosa.right_code().value

        @FUZZ
        @given(token=form_tokens, multipart=st.booleans(), charset=charsets)
        @example(token=Token.FOREIGN, multipart=False, charset=None)
        @example(token=Token.OWN_PREFIXED, multipart=False, charset=None)
        @example(token="\ud800", multipart=False, charset=None)
        @example(token="\ud800", multipart=True, charset="utf-7")
        def a_wrong_token_is_refused(
            token: str | Token, multipart: bool, charset: str | None
        ) -> None:
            pairs = (Pair("csrf_token", token), Pair("code", code))
            body = Multipart(pairs, charset=charset) if multipart else Urlencoded(pairs)

            answer = send(person, "/2fa/verify", body, tokens)

            assert_clean_answer(answer, body_statuses(body, tokens))
            assert location(person.get("/")).startswith("/2fa/verify")

        a_wrong_token_is_refused()

        assert person.verify(rosa.secret).status_code == 303


def test_no_form_token_but_the_sessions_own_finishes_enrollment(parts: Parts) -> None:
    with rosa_enrolling(parts) as rosa:
        person = rosa.browser
        tokens = tokens_for(parts, person, "/2fa/enroll/code")
        assert person.submit("/2fa/enroll/code", code=rosa.right_code().value).status_code == 303

        @FUZZ
        @given(token=form_tokens, multipart=st.booleans(), charset=charsets)
        @example(token=Token.OWN_CUT, multipart=True, charset=None)
        @example(token="\ud800", multipart=True, charset="utf-7")
        def a_wrong_token_is_refused(
            token: str | Token, multipart: bool, charset: str | None
        ) -> None:
            pairs = (Pair("csrf_token", token),)
            body = Multipart(pairs, charset=charset) if multipart else Urlencoded(pairs)

            answer = send(person, "/2fa/enroll/finish", body, tokens)

            assert_clean_answer(answer, body_statuses(body, tokens))
            assert location(person.get("/")).startswith("/2fa/enroll")

        a_wrong_token_is_refused()

        # Finished: a confirmation page first, then on to the app.
        assert location(person.submit("/2fa/enroll/finish")).startswith("/2fa/done")
