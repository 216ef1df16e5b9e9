"""The manual: "Twee staps verificatie code kwijt?" and the personal reset code."""

from __future__ import annotations

import dataclasses
import re

import pytest

from example_app.app import ExampleApp
from nextens_guard.services.enrollment import RESET_CODE_PURPOSE
from tests.support import Browser, Parts, browser, location

# A reset code as the guard made them before codes grew to 120 bits: 20 characters.
OLD_RESET_CODE = "K7QF2M9XDA3HV8TPZ4NE"


def store_an_old_reset_code(person: Browser, app: ExampleApp, user_id: str, code: str) -> None:
    """Put ``code`` where an enrollment made by the older guard kept its reset code."""
    guard = app.guard
    assert guard is not None

    async def plant() -> None:
        (row,) = [
            r
            for r in await guard.store.sealed_values(after=None, limit=100)
            if r.user_id == user_id
        ]
        sealed = guard.envelope.seal(
            code.encode("ascii"), user_id=user_id, purpose=RESET_CODE_PURPOSE
        )
        assert await guard.store.replace_sealed(
            [(row, dataclasses.replace(row, reset_code=sealed))]
        )

    portal = person.client.portal
    assert portal is not None
    portal.call(plant)


def test_the_reset_code_starts_a_fresh_enrollment_and_the_old_secret_stops_working(
    user: Browser,
) -> None:
    user.login("rosa")
    old_secret, reset_code = user.enroll()
    user.post("/logout")
    user.login("rosa")
    assert 'href="/2fa/recover' in user.get("/2fa/verify").text
    answer = user.submit("/2fa/recover", reset_code=reset_code)
    assert answer.status_code == 303
    assert location(answer).startswith("/2fa/enroll")
    assert location(user.get("/")).startswith("/2fa/enroll")
    new_secret, new_reset_code = user.enroll()
    assert new_secret != old_secret
    assert new_reset_code != reset_code
    user.post("/logout")
    user.login("rosa")
    assert user.submit("/2fa/verify", code=user.code(old_secret)).status_code == 400
    assert user.submit("/2fa/verify", code=user.code(new_secret)).status_code == 303


def test_the_reset_code_is_accepted_in_any_case_with_or_without_dashes(user: Browser) -> None:
    user.login("rosa")
    _, reset_code = user.enroll()
    user.post("/logout")
    user.login("rosa")
    typed = "-".join(reset_code[i : i + 4] for i in range(0, len(reset_code), 4)).lower()
    assert user.submit("/2fa/recover", reset_code=typed).status_code == 303


def test_a_new_reset_code_is_24_characters_in_six_groups_of_four(user: Browser) -> None:
    user.login("rosa")
    user.get("/2fa/enroll")
    secret = user.scan()
    user.submit("/2fa/enroll/code", code=user.code(secret))
    page = user.get("/2fa/enroll/finish").text

    (code,) = re.findall(r'data-reset-code="([0-9A-Z]+)">([0-9A-Z-]+)<', page)
    assert len(code[0]) == 24
    assert len(code[0]) * 5 >= 112
    assert code[1] == "-".join(code[0][i : i + 4] for i in range(0, 24, 4))


@pytest.mark.parametrize(
    "typed",
    [
        OLD_RESET_CODE,
        "K7QF2-M9XDA-3HV8T-PZ4NE",
        "k7qf2 m9xda 3hv8t pz4ne",
        "K7QF2 - m9xda - 3HV8T - pz4ne",
    ],
)
def test_a_reset_code_of_20_characters_stored_before_still_recovers_the_user(
    parts: Parts, typed: str
) -> None:
    app = parts.app()
    with browser(app, parts.clock) as rosa:
        rosa.login("rosa")
        secret, _ = rosa.enroll()
        store_an_old_reset_code(rosa, app, "rosa", OLD_RESET_CODE)
        rosa.post("/logout")
        rosa.login("rosa")

        shown = rosa.submit("/2fa/recover", reset_code=typed)

        assert shown.status_code == 303
        assert location(shown).startswith("/2fa/enroll")
        # The next enrollment gives a new, longer code; the old one is gone with the old phone.
        _, new_code = rosa.enroll()
        assert len(new_code) == 24
        rosa.post("/logout")
        rosa.login("rosa")
        assert rosa.submit("/2fa/verify", code=rosa.code(secret)).status_code == 400


def test_an_old_reset_code_is_shown_again_as_it_was_written_down(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as ruben:
        ruben.login("ruben")
        ruben.enroll()
        store_an_old_reset_code(ruben, app, "ruben", OLD_RESET_CODE)

        page = ruben.submit("/2fa/office/reset-code", password="nextens-demo")

        assert page.status_code == 200
        assert f'data-reset-code="{OLD_RESET_CODE}">K7QF2-M9XDA-3HV8T-PZ4NE<' in page.text


@pytest.mark.parametrize(
    "typed",
    [
        "K7QF2M9XDA3HV8TPZ4N",  # 19
        "K7QF2M9XDA3HV8TPZ4NE6",  # 21
        "K7QF2M9XDA3HV8TPZ4NE6RW",  # 23
        "K7QF2M9XDA3HV8TPZ4NE6RWBX",  # 25
        "K7QF2M9XDA3HV8TPZ4NÉ",  # not ASCII
        "K7QF2M9XDA3HV8TPZ4NU",  # U is no letter of a reset code
    ],
)
def test_a_reset_code_of_the_wrong_length_or_with_foreign_letters_is_refused_clearly(
    user: Browser, typed: str
) -> None:
    user.login("rosa")
    secret, _ = user.enroll()
    user.post("/logout")
    user.login("rosa")

    answer = user.submit("/2fa/recover", reset_code=typed)

    assert answer.status_code == 400
    assert "24 letters en cijfers" in answer.text
    assert user.submit("/2fa/verify", code=user.code(secret)).status_code == 303


def test_an_old_reset_code_that_is_wrong_is_refused_as_wrong(user: Browser) -> None:
    user.login("rosa")
    user.enroll()
    user.post("/logout")
    user.login("rosa")

    answer = user.submit("/2fa/recover", reset_code=OLD_RESET_CODE)

    assert answer.status_code == 400
    assert "resetcode is niet juist" in answer.text


def test_a_wrong_reset_code_is_refused_and_changes_nothing(user: Browser) -> None:
    user.login("rosa")
    secret, reset_code = user.enroll()
    user.post("/logout")
    user.login("rosa")
    wrong = ("A" if reset_code[0] != "A" else "B") + reset_code[1:]
    answer = user.submit("/2fa/recover", reset_code=wrong)
    assert answer.status_code == 400
    assert "resetcode is niet juist" in answer.text
    assert user.submit("/2fa/verify", code=user.code(secret)).status_code == 303


def test_a_used_reset_code_cannot_be_used_again(user: Browser) -> None:
    user.login("rosa")
    _, reset_code = user.enroll()
    user.post("/logout")
    user.login("rosa")
    assert user.submit("/2fa/recover", reset_code=reset_code).status_code == 303
    user.enroll()
    user.post("/logout")
    user.login("rosa")
    assert user.submit("/2fa/recover", reset_code=reset_code).status_code == 400
