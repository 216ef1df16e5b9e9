"""Whatever body is posted to a guard form, it is read or refused cleanly and opens nothing.

Bodies: url-encoded forms with broken escapes and raw bytes, repeated and unknown fields,
multipart in odd character sets and with files, JSON (read by the same rules as a form,
for single-page apps), other content types, and bodies around and far beyond the 16 KiB
limit, sent whole or in chunks.
"""

from __future__ import annotations

from hypothesis import assume, example, given
from hypothesis import strategies as st

from example_app.demo_data import DEMO_PASSWORD
from tests.fuzz.inputs import (
    BODY_LIMIT,
    FUZZ,
    Body,
    Huge,
    Json,
    Multipart,
    Pair,
    Raw,
    Token,
    Urlencoded,
    bodies,
    typed_in,
)
from tests.fuzz.people import (
    anna_activating,
    assert_clean_answer,
    body_statuses,
    is_a_current_code,
    is_the_reset_code,
    office_status,
    rosa_at_the_code_prompt,
    rosa_enrolling,
    ruben_and_rosa,
    send,
    tokens_for,
)
from tests.support import Parts, location


def is_a_proper_json_submission(body: Body) -> bool:
    """Whether ``body`` is a JSON object whose token is this session's.

    A JSON object keeps only the last of repeated names, so this session's token sent
    twice arrives once: for a form that needs only the token, a proper submission.
    """
    if not isinstance(body, Json):
        return False
    members = {pair.name: pair.value for pair in body.pairs}
    return members.get("csrf_token") is Token.OWN


def test_no_body_gets_past_the_code_prompt(parts: Parts) -> None:
    with rosa_at_the_code_prompt(parts) as rosa:
        person = rosa.browser
        right = rosa.right_code()
        tokens = tokens_for(parts, person, "/2fa/verify")

        @FUZZ
        @given(
            path=st.sampled_from(["/2fa/verify", "/2fa/recover"]),
            body=bodies(("code", "reset_code")),
        )
        @example(path="/2fa/verify", body=Huge("code", 200_000, Token.OWN))
        @example(path="/2fa/verify", body=Huge("code", 200_000, Token.OWN, chunked=True))
        @example(path="/2fa/verify", body=Huge("code", BODY_LIMIT, Token.OWN))
        @example(
            path="/2fa/verify",
            body=Urlencoded((Pair("csrf_token", Token.OWN), Pair("code", "000000"), b"code=%zz")),
        )
        @example(
            path="/2fa/recover",
            body=Urlencoded((Pair("csrf_token", Token.OWN), b"reset_code=%C3%28\xff")),
        )
        @example(
            path="/2fa/verify",
            body=Json((Pair("csrf_token", Token.OWN), Pair("code", "000000"))),
        )
        @example(path="/2fa/verify", body=Raw(b"--x\r\nbroken", "multipart/form-data; boundary=x"))
        def the_body_is_refused(path: str, body: Body) -> None:
            for value in typed_in(body):
                assume(not is_a_current_code(value, right))
                assume(not is_the_reset_code(value, rosa.reset_code))

            answer = send(person, path, body, tokens)

            assert_clean_answer(answer, body_statuses(body, tokens))
            assert location(person.get("/")).startswith("/2fa/verify")

        the_body_is_refused()

        assert person.verify(rosa.secret).status_code == 303


def test_no_body_gets_past_enrollment(parts: Parts) -> None:
    with rosa_enrolling(parts) as rosa:
        person = rosa.browser
        right = rosa.right_code()
        tokens = tokens_for(parts, person, "/2fa/enroll/code")

        @FUZZ
        @given(body=bodies(("code",)))
        def no_body_passes_the_code_step(body: Body) -> None:
            for value in typed_in(body):
                assume(not is_a_current_code(value, right))

            answer = send(person, "/2fa/enroll/code", body, tokens)

            assert_clean_answer(answer, body_statuses(body, tokens))
            assert location(person.get("/2fa/enroll/finish")).startswith("/2fa/enroll/code")

        no_body_passes_the_code_step()
        assert location(person.submit("/2fa/enroll/code", code=right.value)) == (
            "/2fa/enroll/finish"
        )

        @FUZZ
        @given(body=bodies((), needs_only_the_token=True))
        def no_body_finishes(body: Body) -> None:
            assume(not is_a_proper_json_submission(body))
            answer = send(person, "/2fa/enroll/finish", body, tokens)

            assert_clean_answer(answer, body_statuses(body, tokens))
            assert location(person.get("/")).startswith("/2fa/enroll")

        no_body_finishes()

        # Finished: a confirmation page first, then on to the app.
        assert location(person.submit("/2fa/enroll/finish")).startswith("/2fa/done")
        assert person.get("/").status_code == 200


def test_no_body_gets_through_the_activation_wizard(parts: Parts) -> None:
    with anna_activating(parts) as anna:
        person = anna.browser
        tokens = tokens_for(parts, person, "/2fa/office/activate/password")

        @FUZZ
        @given(body=bodies(("password",)))
        def no_body_passes_the_password_step(body: Body) -> None:
            assume(DEMO_PASSWORD not in typed_in(body))

            answer = send(person, "/2fa/office/activate/password", body, tokens)

            assert_clean_answer(answer, body_statuses(body, tokens))
            code_step = person.get("/2fa/office/activate/code")
            assert location(code_step).startswith("/2fa/office/activate/password")

        no_body_passes_the_password_step()
        person.submit("/2fa/office/activate/password", password=DEMO_PASSWORD)
        right = anna.right_code()

        @FUZZ
        @given(body=bodies(("code",)))
        def no_body_passes_the_code_step(body: Body) -> None:
            for value in typed_in(body):
                assume(not is_a_current_code(value, right))

            answer = send(person, "/2fa/office/activate/code", body, tokens)

            assert_clean_answer(answer, body_statuses(body, tokens))
            finish = person.get("/2fa/office/activate/finish")
            assert location(finish).startswith("/2fa/office/activate/code")

        no_body_passes_the_code_step()
        person.submit("/2fa/office/activate/code", code=right.value)

        @FUZZ
        @given(body=bodies((), needs_only_the_token=True))
        def no_body_activates(body: Body) -> None:
            assume(not is_a_proper_json_submission(body))
            answer = send(person, "/2fa/office/activate/finish", body, tokens)

            assert_clean_answer(answer, body_statuses(body, tokens))
            assert office_status(person) == "inactive"

        no_body_activates()

        assert location(person.submit("/2fa/office/activate/finish")) == (
            "/2fa/office?done=activated"
        )
        assert office_status(person) == "active"


def test_no_body_shows_a_reset_code_deactivates_or_resets_anyone(parts: Parts) -> None:
    with ruben_and_rosa(parts) as (ruben, rosa):
        admin = ruben.browser
        tokens = tokens_for(parts, admin, "/2fa/office/reset-code")

        @FUZZ
        @given(
            path=st.sampled_from(["/2fa/office/reset-code", "/2fa/office/deactivate"]),
            body=bodies(("password",)),
        )
        @example(
            path="/2fa/office/reset-code",
            body=Multipart(
                (Pair("csrf_token", Token.OWN), Pair("password", "\ud800")), charset="utf-7"
            ),
        )
        def no_body_opens_a_password_page(path: str, body: Body) -> None:
            assume(DEMO_PASSWORD not in typed_in(body))

            answer = send(admin, path, body, tokens)

            assert_clean_answer(answer, body_statuses(body, tokens))
            assert "data-reset-code" not in answer.text
            assert office_status(admin) == "active"

        no_body_opens_a_password_page()

        @FUZZ
        @given(body=bodies((), needs_only_the_token=True))
        def no_body_resets_rosa(body: Body) -> None:
            assume(not is_a_proper_json_submission(body))
            answer = send(admin, "/2fa/users/rosa/reset", body, tokens)

            assert_clean_answer(answer, body_statuses(body, tokens))
            assert rosa.browser.get("/").status_code == 200

        no_body_resets_rosa()

        assert location(admin.submit("/2fa/users/rosa/reset")) == "/2fa/users/rosa?done=reset"
        assert location(rosa.browser.get("/")).startswith("/2fa/enroll")
