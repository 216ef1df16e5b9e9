"""Whatever is typed as the password, only the user's own opens what it guards."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx
from hypothesis import assume, example, given

from example_app.demo_data import DEMO_PASSWORD
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
    Person,
    anna_activating,
    assert_clean_answer,
    body_statuses,
    office_status,
    post_field,
    ruben_and_rosa,
    tokens_for,
)
from tests.support import Parts, location


def every_wrong_password_is_refused(
    parts: Parts, person: Person, path: str, *, nothing_opened: Callable[[httpx.Response], bool]
) -> None:
    """Type odd and nearly right passwords at ``path``: each is refused with a 400 (a 413
    when too long for a body), and ``nothing_opened`` holds for the answer."""
    tokens = tokens_for(parts, person.browser, path)
    right = Right(DEMO_PASSWORD)

    @FUZZ
    @given(typed=typed_values(), encoding=form_encodings)
    @example(typed=Text(""), encoding="url-encoded")
    @example(typed=Dressed("", " "), encoding="url-encoded")
    @example(typed=Dressed(" ", ""), encoding="url-encoded")
    @example(typed=Dressed("", "\x00"), encoding="url-encoded")
    @example(typed=LookAlike("full-width"), encoding="url-encoded")
    @example(typed=LookAlike("cyrillic", at=4), encoding="url-encoded")
    @example(typed=NearMiss("drop", at=11), encoding="url-encoded")
    @example(typed=Text(DEMO_PASSWORD.upper()), encoding="url-encoded")
    @example(typed=Text("x" * 1025), encoding="url-encoded")
    def a_wrong_password_is_refused(typed: Typed, encoding: FormEncoding) -> None:
        password = typed.text_for(right)
        assume(password != DEMO_PASSWORD)

        body, answer = post_field(
            person.browser, path, tokens, encoding=encoding, field="password", value=password
        )

        assert_clean_answer(answer, body_statuses(body, tokens, refused={400}))
        assert "data-reset-code" not in answer.text
        assert nothing_opened(answer)

    a_wrong_password_is_refused()


def test_no_password_but_the_admins_own_opens_the_activation_code_step(parts: Parts) -> None:
    with anna_activating(parts) as anna:

        def code_step_closed(answer: httpx.Response) -> bool:
            code_step = anna.browser.get("/2fa/office/activate/code")
            return location(code_step).startswith("/2fa/office/activate/password")

        every_wrong_password_is_refused(
            parts, anna, "/2fa/office/activate/password", nothing_opened=code_step_closed
        )

        answer = anna.browser.submit("/2fa/office/activate/password", password=DEMO_PASSWORD)
        assert answer.status_code == 303
        assert location(answer) == "/2fa/office/activate/code"


def test_no_password_but_the_users_own_shows_the_reset_code(parts: Parts) -> None:
    with ruben_and_rosa(parts) as (ruben, _):

        def reset_code_unseen(answer: httpx.Response) -> bool:
            return ruben.reset_code not in answer.text

        every_wrong_password_is_refused(
            parts, ruben, "/2fa/office/reset-code", nothing_opened=reset_code_unseen
        )

        answer = ruben.browser.submit("/2fa/office/reset-code", password=DEMO_PASSWORD)
        assert answer.status_code == 200
        assert f'data-reset-code="{ruben.reset_code}"' in answer.text


def test_no_password_but_the_admins_own_deactivates_the_office(parts: Parts) -> None:
    with ruben_and_rosa(parts) as (ruben, _):

        def still_active(answer: httpx.Response) -> bool:
            return office_status(ruben.browser) == "active"

        every_wrong_password_is_refused(
            parts, ruben, "/2fa/office/deactivate", nothing_opened=still_active
        )

        answer = ruben.browser.submit("/2fa/office/deactivate", password=DEMO_PASSWORD)
        assert answer.status_code == 303
        assert location(answer) == "/2fa/office?done=deactivated"
        assert office_status(ruben.browser) == "inactive"
