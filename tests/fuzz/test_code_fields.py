"""Whatever is typed into a code field, only a current code passes, and it still does after.

The right code is computed from the secret the person scanned, at the test's clock.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import assume, example, given

from example_app.demo_data import DEMO_PASSWORD
from tests.fuzz.inputs import (
    FUZZ,
    Dressed,
    FormEncoding,
    LookAlike,
    NearMiss,
    OtherStep,
    Text,
    Typed,
    form_encodings,
    typed_codes,
)
from tests.fuzz.people import (
    Person,
    anna_activating,
    assert_clean_answer,
    body_statuses,
    is_a_current_code,
    post_field,
    rosa_at_the_code_prompt,
    rosa_enrolling,
    tokens_for,
)
from tests.support import Parts, location


def every_wrong_code_is_refused(
    parts: Parts, person: Person, path: str, *, still_waiting: Callable[[], bool]
) -> None:
    """Type odd and nearly right codes into the code field at ``path``: each is refused
    with a 400 (a 413 when too long for a body) and ``still_waiting`` stays true."""
    tokens = tokens_for(parts, person.browser, path)
    right = person.right_code()

    @FUZZ
    @given(typed=typed_codes, encoding=form_encodings)
    @example(typed=LookAlike("arabic-indic"), encoding="url-encoded")
    @example(typed=LookAlike("full-width"), encoding="url-encoded")
    @example(typed=LookAlike("superscript"), encoding="url-encoded")
    @example(typed=LookAlike("mathematical-bold"), encoding="url-encoded")
    @example(typed=LookAlike("arabic-indic", at=5), encoding="url-encoded")
    @example(typed=Dressed("", "\x00"), encoding="url-encoded")
    @example(typed=NearMiss("insert", at=6, char="0"), encoding="url-encoded")
    @example(typed=OtherStep(2), encoding="url-encoded")
    @example(typed=Text("1" * 20_000), encoding="url-encoded")
    def a_wrong_code_is_refused(typed: Typed, encoding: FormEncoding) -> None:
        code = typed.text_for(right)
        assume(not is_a_current_code(code, right))

        body, answer = post_field(
            person.browser, path, tokens, encoding=encoding, field="code", value=code
        )

        assert_clean_answer(answer, body_statuses(body, tokens, refused={400}))
        assert still_waiting()

    a_wrong_code_is_refused()


def test_no_typed_code_but_the_right_one_opens_the_app(parts: Parts) -> None:
    with rosa_at_the_code_prompt(parts) as rosa:

        def at_the_prompt() -> bool:
            return location(rosa.browser.get("/")).startswith("/2fa/verify")

        every_wrong_code_is_refused(parts, rosa, "/2fa/verify", still_waiting=at_the_prompt)

        assert rosa.browser.verify(rosa.secret).status_code == 303
        assert rosa.browser.get("/").status_code == 200


def test_no_typed_code_but_the_right_one_passes_the_enrollment_code_step(parts: Parts) -> None:
    with rosa_enrolling(parts) as rosa:

        def before_the_finish() -> bool:
            finish = rosa.browser.get("/2fa/enroll/finish")
            return location(finish).startswith("/2fa/enroll/code")

        every_wrong_code_is_refused(
            parts, rosa, "/2fa/enroll/code", still_waiting=before_the_finish
        )

        answer = rosa.browser.submit("/2fa/enroll/code", code=rosa.right_code().value)
        assert answer.status_code == 303
        assert location(answer) == "/2fa/enroll/finish"


def test_no_typed_code_but_the_right_one_passes_the_activation_code_step(parts: Parts) -> None:
    with anna_activating(parts) as anna:
        password = anna.browser.submit("/2fa/office/activate/password", password=DEMO_PASSWORD)
        assert location(password) == "/2fa/office/activate/code"

        def before_the_finish() -> bool:
            finish = anna.browser.get("/2fa/office/activate/finish")
            return location(finish).startswith("/2fa/office/activate/code")

        every_wrong_code_is_refused(
            parts, anna, "/2fa/office/activate/code", still_waiting=before_the_finish
        )

        answer = anna.browser.submit("/2fa/office/activate/code", code=anna.right_code().value)
        assert answer.status_code == 303
        assert location(answer) == "/2fa/office/activate/finish"
