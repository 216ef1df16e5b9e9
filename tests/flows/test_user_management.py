"""The manual: an admin resets a user's two-step verification from the user's profile."""

from __future__ import annotations

import re

from tests.flows.test_office import activate_office
from tests.support import Browser, Parts, browser, location, sent_within


def test_the_users_page_lists_the_own_office_with_status(user: Browser) -> None:
    activate_office(user)
    page = user.get("/2fa/users")
    assert page.status_code == 200
    assert 'data-user-row="anna" data-enrolled="yes"' in page.text
    assert 'data-user-row="bram" data-enrolled="no"' in page.text
    assert "uma" not in re.findall(r'data-user-row="(\w+)"', page.text)


def test_anna_resets_bram_who_must_enroll_again(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        bram.login("bram")
        old_secret, _ = bram.enroll()
        assert bram.get("/").status_code == 200
        profile = anna.get("/2fa/users/bram")
        assert 'href="/2fa/users/bram/reset"' in profile.text
        confirm = anna.get("/2fa/users/bram/reset")
        assert confirm.status_code == 200
        # The confirmation page alone changes nothing.
        assert bram.get("/").status_code == 200
        done = anna.submit("/2fa/users/bram/reset")
        assert done.status_code == 303
        assert location(done) == "/2fa/users/bram?done=reset"
        assert "is gereset" in anna.get(location(done)).text
        # Bram's verified session is void at once; he enrolls again with a new secret.
        assert location(bram.get("/")).startswith("/2fa/enroll")
        new_secret, _ = bram.enroll()
        assert new_secret != old_secret


def test_uma_cannot_touch_bram_of_the_linked_office(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as uma:
        activate_office(anna)
        uma.login("uma")
        uma.enroll()
        for path in ("/2fa/users/bram", "/2fa/users/bram/reset"):
            assert uma.get(path).status_code == 404, path
        token = uma.csrf_token("/2fa/users/victor/reset")
        assert uma.post("/2fa/users/bram/reset", data={"csrf_token": token}).status_code == 404
        # A user that does not exist looks exactly the same.
        assert uma.get("/2fa/users/nobody").status_code == 404
        assert uma.get("/2fa/users/nobody").text.replace("nobody", "") == uma.get(
            "/2fa/users/bram"
        ).text.replace("bram", "")


def test_a_user_without_rights_gets_403_on_user_management(user: Browser) -> None:
    user.login("bram")
    for path in ("/2fa/users", "/2fa/users/anna", "/2fa/users/anna/reset"):
        assert user.get(path).status_code == 403, path


def test_a_reset_needs_the_confirmation_form_token(user: Browser) -> None:
    activate_office(user)
    assert user.post("/2fa/users/bram/reset", data={}).status_code == 403
    assert user.post("/2fa/users/bram/reset", data={"csrf_token": "forged"}).status_code == 403


def test_a_reset_reaches_a_session_on_another_process(shared: Parts) -> None:
    with (
        browser(shared.app(), shared.clock) as anna,
        browser(shared.app(), shared.clock) as bram,
    ):
        activate_office(anna)
        bram.login("bram")
        bram.enroll()
        assert bram.get("/").status_code == 200
        anna.submit("/2fa/users/bram/reset")
        assert sent_within(bram, "/2fa/enroll", seconds=1.0)


def test_an_admin_cannot_reset_their_own_two_step_verification(user: Browser) -> None:
    activate_office(user)
    profile = user.get("/2fa/users/anna")
    assert profile.status_code == 200
    assert "/2fa/users/anna/reset" not in profile.text
    assert "resetcode" in profile.text
    assert user.get("/2fa/users/anna/reset").status_code == 403
    assert user.submit("/2fa/users/bram/reset").status_code == 303
    token = user.csrf_token("/2fa/users/bram/reset")
    assert user.post("/2fa/users/anna/reset", data={"csrf_token": token}).status_code == 403
    assert user.get("/").status_code == 200


def test_a_reset_never_lifts_a_password_lockout(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        bram.login("bram")
        bram.enroll()
        for _ in range(10):
            bram.submit("/2fa/office/reset-code", password="guess")
        assert bram.submit("/2fa/office/reset-code", password="nextens-demo").status_code == 429
        anna.submit("/2fa/users/bram/reset")
        # His login began before the reset, so a phone needs his password: still locked.
        assert bram.submit("/2fa/enroll/password", password="nextens-demo").status_code == 429
        assert location(bram.get("/2fa/enroll/scan")).startswith("/2fa/enroll/password")
        # Logging in again, he enrolls without it; the lockout stays.
        bram.login("bram")
        bram.enroll()
        assert bram.submit("/2fa/office/reset-code", password="nextens-demo").status_code == 429
