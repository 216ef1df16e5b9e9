"""A phone is bound only by a login made after the user's last reset, recovery or
deactivation, or with the password typed again: an old copy of a session cannot."""

from __future__ import annotations

import httpx2 as httpx

from example_app.demo_data import DEMO_PASSWORD
from tests.flows.test_office import activate_office
from tests.support import Browser, Parts, browser, location

DASHBOARD = 'data-app-page="dashboard"'


def copy_of(person: Browser) -> httpx.Cookies:
    return httpx.Cookies(person.client.cookies)


def test_a_copy_of_a_session_from_before_a_reset_cannot_bind_a_phone(parts: Parts) -> None:
    app = parts.app()
    with (
        browser(app, parts.clock) as anna,
        browser(app, parts.clock, beside=anna) as bram,
        browser(app, parts.clock, beside=anna) as thief,
    ):
        activate_office(anna)
        bram.login("bram")
        bram.enroll()
        bram.post("/logout")
        bram.login("bram")
        # Someone copies his cookie at the code prompt, before he types a code.
        thief.client.cookies = copy_of(bram)
        assert location(thief.get("/")).startswith("/2fa/verify")

        # Suspecting a theft, the admin resets him.
        assert anna.submit("/2fa/users/bram/reset").status_code == 303

        # The copy is sent to enroll, but no step of it shows a secret without the password.
        assert location(thief.get("/")).startswith("/2fa/enroll")
        for step in ("/2fa/enroll/scan", "/2fa/enroll/code", "/2fa/enroll/finish"):
            answer = thief.get(step)
            assert answer.status_code == 303, step
            assert location(answer).startswith("/2fa/enroll/password"), step
            assert 'data-totp-secret="' not in answer.text
        wrong = thief.submit("/2fa/enroll/password", password="a guess")
        assert wrong.status_code == 400
        assert location(thief.get("/2fa/enroll/scan")).startswith("/2fa/enroll/password")

        # Bram, logging in afresh, binds his phone without typing the password again.
        with browser(app, parts.clock, beside=anna) as bram_again:
            bram_again.login("bram")
            page = bram_again.get("/2fa/enroll/scan")
            assert page.status_code == 200
            assert 'data-totp-secret="' in page.text
            secret, _ = bram_again.enroll()
            assert DASHBOARD in bram_again.get("/").text
            # The copy still cannot pass: his second step is his own phone.
            assert location(thief.get("/")).startswith("/2fa/verify")
            assert bram_again.code(secret)


def test_after_a_recovery_the_phone_is_bound_behind_the_password(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        bram.login("bram")
        _, reset_code = bram.enroll()
        bram.post("/logout")
        bram.login("bram")

        recovered = bram.submit("/2fa/recover", reset_code=reset_code)
        assert location(recovered).startswith("/2fa/enroll")

        answer = bram.get("/2fa/enroll/scan")
        assert location(answer).startswith("/2fa/enroll/password")
        page = bram.get("/2fa/enroll/password")
        assert "Voer uw wachtwoord voor Nextens in" in page.text
        typed = bram.submit("/2fa/enroll/password", password=DEMO_PASSWORD)
        assert location(typed).startswith("/2fa/enroll/scan")
        assert 'data-totp-secret="' in bram.get("/2fa/enroll/scan").text


def test_a_user_who_just_logged_in_enrolls_without_the_password_as_the_manual_says(
    parts: Parts,
) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        bram.login("bram")

        assert bram.get("/2fa/enroll/scan").status_code == 200
        assert bram.get("/2fa/enroll/password").status_code == 303


def test_a_copy_from_before_a_deactivation_cannot_bind_a_phone_after_a_new_activation(
    parts: Parts,
) -> None:
    app = parts.app()
    with (
        browser(app, parts.clock) as anna,
        browser(app, parts.clock, beside=anna) as bram,
        browser(app, parts.clock, beside=anna) as thief,
    ):
        activate_office(anna)
        bram.login("bram")
        bram.enroll()
        bram.post("/logout")
        bram.login("bram")
        thief.client.cookies = copy_of(bram)

        done = anna.submit("/2fa/office/deactivate", password=DEMO_PASSWORD)
        assert done.status_code == 303
        parts.clock.advance(30)
        anna.post("/logout")
        activate_office(anna)

        assert location(thief.get("/2fa/enroll/scan")).startswith("/2fa/enroll/password")


def test_a_copy_of_a_verified_session_is_refused_once_the_user_logs_out(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as rosa, browser(app, parts.clock, beside=rosa) as thief:
        rosa.login("rosa")
        rosa.enroll()
        assert DASHBOARD in rosa.get("/").text
        thief.client.cookies = copy_of(rosa)
        assert DASHBOARD in thief.get("/").text

        assert rosa.post("/logout").status_code == 303

        answer = thief.get("/")
        assert answer.status_code == 303
        assert location(answer).startswith("/2fa/verify")
        assert thief.get("/", headers={"accept": "application/json"}).status_code == 401


def test_logging_in_again_ends_the_login_before_it_and_its_copies(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as rosa, browser(app, parts.clock, beside=rosa) as thief:
        rosa.login("rosa")
        secret, _ = rosa.enroll()
        thief.client.cookies = copy_of(rosa)

        rosa.login("rosa")
        assert location(rosa.get("/")).startswith("/2fa/verify")
        parts.clock.advance(30)
        assert rosa.verify(secret).status_code == 303
        assert DASHBOARD in rosa.get("/").text

        assert location(thief.get("/")).startswith("/2fa/verify")


def test_a_copy_whose_login_ended_verifies_only_as_a_login_of_its_own(parts: Parts) -> None:
    """Whoever holds the copy and the phone is the user: the code lets them in, in a
    login of its own, which the logout before does not end."""
    app = parts.app()
    with browser(app, parts.clock) as rosa, browser(app, parts.clock, beside=rosa) as other:
        rosa.login("rosa")
        secret, _ = rosa.enroll()
        other.client.cookies = copy_of(rosa)
        rosa.post("/logout")

        assert other.verify(secret).status_code == 303
        assert DASHBOARD in other.get("/").text
        assert DASHBOARD in other.get("/").text


def test_a_user_logs_out_everywhere_else_and_stays_logged_in_here(parts: Parts) -> None:
    app = parts.app()
    with (
        browser(app, parts.clock) as rosa,
        browser(app, parts.clock, beside=rosa) as rosa_at_home,
    ):
        rosa.login("rosa")
        secret, reset_code = rosa.enroll()
        rosa_at_home.login("rosa")
        assert rosa_at_home.verify(secret).status_code == 303
        assert DASHBOARD in rosa_at_home.get("/").text

        office = rosa.get("/2fa/office")
        assert 'href="/2fa/logout-everywhere"' in office.text
        page = rosa.get("/2fa/logout-everywhere")
        assert "Weet u zeker dat u overal wilt uitloggen?" in page.text
        done = rosa.submit("/2fa/logout-everywhere")
        assert location(done) == "/2fa/office?done=logged-out-everywhere"
        assert "U bent overal uitgelogd, behalve in deze browser." in rosa.get(location(done)).text

        assert DASHBOARD in rosa.get("/").text
        assert location(rosa_at_home.get("/")).startswith("/2fa/verify")
        # The phone stays hers: the next code lets her in at home again.
        parts.clock.advance(30)
        assert rosa_at_home.verify(secret).status_code == 303
        assert DASHBOARD in rosa_at_home.get("/").text
        assert reset_code


def test_an_admin_logs_a_user_out_everywhere_from_the_users_profile(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        bram.login("bram")
        bram.enroll()
        assert DASHBOARD in bram.get("/").text

        profile = anna.get("/2fa/users/bram")
        assert 'href="/2fa/users/bram/logout-everywhere"' in profile.text
        assert (
            "Weet u zeker dat u bram overal wilt uitloggen?"
            in anna.get("/2fa/users/bram/logout-everywhere").text
        )
        done = anna.submit("/2fa/users/bram/logout-everywhere")
        assert location(done) == "/2fa/users/bram?done=logged-out-everywhere"
        assert "bram is overal uitgelogd." in anna.get(location(done)).text

        assert location(bram.get("/")).startswith("/2fa/verify")
        assert DASHBOARD in anna.get("/").text
        events = anna.get("/2fa/office").text
        assert "Overal uitgelogd" in events


def test_logging_out_everywhere_needs_a_verified_session_and_a_form_token(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as rosa:
        assert location(rosa.get("/2fa/logout-everywhere")).startswith("/login")
        rosa.login("rosa")
        rosa.enroll()
        assert rosa.post("/2fa/logout-everywhere").status_code == 403
        assert DASHBOARD in rosa.get("/").text


def test_there_is_nothing_to_log_out_of_everywhere_before_enrolling(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as bram:
        bram.login("bram")
        page = bram.get("/2fa/logout-everywhere")
        assert page.status_code == 409
        assert "twee staps verificatie is nog niet ingesteld" in page.text
