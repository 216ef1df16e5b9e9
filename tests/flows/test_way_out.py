"""A way out of every guard page, and the next step for a user who is stuck.

The issue's findings 2 to 8: "Uitloggen" and the way back to Nextens on every page, no
dead ends, what to do after too many tries or a lost reset code, the manual's words,
a confirmation after "Activeren" and after a recovery, times as people read them, and
the phone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from nextens_guard import GuardError, GuardSettings
from tests.flows.test_office import activate_office
from tests.support import Browser, Parts, browser, location

_LOGOUT = re.compile(r'<form class="ng-logout" method="post" action="([^"]+)" data-logout>')
_APP_LINK = re.compile(r'<a class="ng-app-link" href="([^"]+)" data-app-link>')


def wrong_code(person: Browser, secret: str) -> str:
    """A code that is plainly wrong: far from every step the guard would call drift."""
    right = {person.code(secret, offset_steps=n) for n in range(-12, 13)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def logged_in_again(person: Browser, username: str = "rosa") -> str:
    """Enroll ``username``, log out and in again: at the code prompt; the secret."""
    person.login(username)
    secret, _ = person.enroll()
    person.post("/logout")
    person.login(username)
    return secret


def ways_out(page: str) -> tuple[str | None, str | None]:
    logout = _LOGOUT.search(page)
    back = _APP_LINK.search(page)
    return (logout.group(1) if logout else None, back.group(1) if back else None)


# 2. "Uitloggen" and the way back, on every page


def test_the_code_prompt_has_uitloggen_which_logs_out_through_the_apps_logout(
    user: Browser,
) -> None:
    logged_in_again(user)
    page = user.get("/2fa/verify")

    assert ways_out(page.text) == ("/logout", "/")
    assert "Uitloggen" in page.text
    assert user.post("/logout").status_code == 303
    assert location(user.get("/2fa/verify")).startswith("/login")


@pytest.mark.parametrize("step", ["/2fa/enroll", "/2fa/enroll/scan", "/2fa/enroll/code"])
def test_every_step_of_setting_it_up_has_uitloggen_and_the_way_back(
    user: Browser, step: str
) -> None:
    user.login("rosa")
    user.get("/2fa/enroll/scan")

    assert ways_out(user.get(step).text) == ("/logout", "/")


def test_every_page_of_the_office_has_uitloggen_and_the_way_back(user: Browser) -> None:
    activate_office(user)
    for path in ("/2fa/office", "/2fa/users", "/2fa/users/bram", "/2fa/office/reset-code"):
        assert ways_out(user.get(path).text) == ("/logout", "/"), path


def test_uitloggen_posts_to_the_logout_path_of_the_settings(parts: Parts) -> None:
    with browser(parts.app(logout_path="/afmelden"), parts.clock) as rosa:
        rosa.login("rosa")

        assert ways_out(rosa.get("/2fa/enroll").text)[0] == "/afmelden"


def test_the_logout_path_must_be_a_path() -> None:
    with pytest.raises(GuardError):
        GuardSettings(secret_key="k" * 32, encryption_keys={"k1": b"\0" * 32}, logout_path="logout")


# 3. No dead ends


def test_the_clock_help_leads_back_to_the_page_it_was_opened_from(user: Browser) -> None:
    logged_in_again(user)
    verify = user.get("/2fa/verify").text
    help_link = re.search(r'<a href="([^"]+)" data-help-link>', verify)
    assert help_link
    assert help_link.group(1) == "/2fa/help/sync?next=%2F2fa%2Fverify"

    help_page = user.get(help_link.group(1).replace("&amp;", "&")).text

    assert re.search(r'href="/2fa/verify"[^>]*data-back', help_page)
    # Its footer no longer links to itself.
    assert "data-help-link" not in help_page


def test_the_clock_help_opened_on_its_own_leads_back_to_nextens(user: Browser) -> None:
    page = user.get("/2fa/help/sync").text

    assert re.search(r'href="/"[^>]*data-back', page)


def test_geen_toegang_leads_back_to_nextens_and_to_the_office_page(user: Browser) -> None:
    user.login("bram")
    page = user.get("/2fa/users")

    assert page.status_code == 403
    assert "Geen toegang" in page.text
    assert re.search(r'href="/"[^>]*data-back', page.text)
    assert 'href="/2fa/office"' in page.text
    assert ways_out(page.text) == ("/logout", "/")


def test_niet_gevonden_leads_back_to_nextens(user: Browser) -> None:
    page = user.get("/2fa/no-such-page")

    assert page.status_code == 404
    assert "Niet gevonden" in page.text
    assert re.search(r'href="/"[^>]*data-back', page.text)


def test_the_first_step_of_the_activation_wizard_can_be_cancelled(user: Browser) -> None:
    user.login("anna")
    page = user.get("/2fa/office/activate").text

    assert re.search(r'href="/2fa/office"[^>]*data-cancel>Annuleren<', page)


# 4. The next step for a user who is stuck


def test_nog_2_pogingen_warns_before_the_lockout(user: Browser) -> None:
    secret = logged_in_again(user)
    wrong = wrong_code(user, secret)
    for _ in range(6):
        assert "data-remaining" not in user.submit("/2fa/verify", code=wrong).text

    seventh = user.submit("/2fa/verify", code=wrong)
    eighth = user.submit("/2fa/verify", code=wrong)
    ninth = user.submit("/2fa/verify", code=wrong)

    assert "Nog 3 pogingen" in seventh.text
    assert eighth.status_code == 400
    assert "Nog 2 pogingen" in eighth.text
    assert "Nog 1 poging." in ninth.text


def test_the_lockout_says_the_wait_in_minutes_and_to_use_the_reset_code(user: Browser) -> None:
    secret = logged_in_again(user)
    wrong = wrong_code(user, secret)
    for _ in range(9):
        user.submit("/2fa/verify", code=wrong)

    locked = user.submit("/2fa/verify", code=wrong)

    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "60"
    assert "Probeer het over 1 minuut opnieuw" in locked.text
    assert "seconden" not in locked.text
    stuck = re.search(r"<p [^>]*data-stuck>(.*?)</p>", locked.text, re.DOTALL)
    assert stuck
    assert "resetcode" in stuck.group(1)
    assert 'href="/2fa/recover"' in stuck.group(1)


def test_a_longer_lockout_reads_in_minutes_in_english(parts: Parts) -> None:
    with browser(parts.app(lockout_seconds=900), parts.clock) as rosa:
        rosa.client.headers["Accept-Language"] = "en"
        secret = logged_in_again(rosa)
        wrong = wrong_code(rosa, secret)
        for _ in range(9):
            rosa.submit("/2fa/verify", code=wrong)

        locked = rosa.submit("/2fa/verify", code=wrong)

        assert "Please try again in 15 minutes." in locked.text


def test_the_recovery_page_names_the_administrator_to_ask_when_the_reset_code_is_lost_too(
    user: Browser,
) -> None:
    logged_in_again(user)
    page = user.get("/2fa/recover").text

    assert "Ook uw reset code kwijt? Vraag de beheerder van uw kantoor (Ruben Visser)" in page


def test_the_code_prompt_says_whom_to_ask_when_the_reset_code_is_lost_too(
    user: Browser,
) -> None:
    logged_in_again(user)

    assert (
        "Ook uw reset code kwijt? Vraag de beheerder van uw kantoor" in user.get("/2fa/verify").text
    )


def test_a_wrong_reset_code_warns_before_the_lockout_and_still_names_the_administrator(
    user: Browser,
) -> None:
    logged_in_again(user)
    for _ in range(7):
        user.submit("/2fa/recover", reset_code="A" * 20)

    eighth = user.submit("/2fa/recover", reset_code="A" * 20)

    assert eighth.status_code == 400
    assert "Nog 2 pogingen" in eighth.text
    assert "Vraag de beheerder van uw kantoor (Ruben Visser)" in eighth.text


def test_the_json_refusal_says_how_many_attempts_remain(user: Browser) -> None:
    secret = logged_in_again(user)
    token = user.csrf_token("/2fa/verify")
    answer = user.post(
        "/2fa/verify",
        json={"csrf_token": token, "code": wrong_code(user, secret)},
        headers={"Accept": "application/json"},
    )

    assert answer.status_code == 400
    assert answer.json()["remaining"] == 9


# 5. The manual's words


def test_the_recovery_button_says_reset_as_in_the_manual(user: Browser) -> None:
    logged_in_again(user)
    page = user.get("/2fa/recover").text

    assert '<button type="submit">Reset</button>' in page
    assert "Opnieuw instellen" not in page


def test_the_resetten_button_on_the_users_profile_is_blue_as_in_the_manual(
    user: Browser,
) -> None:
    activate_office(user)
    profile = user.get("/2fa/users/anna")
    # Anna cannot reset herself; the profile of an enrolled colleague shows the button.
    assert "data-reset-user" not in profile.text
    with browser(user.client.app, user.clock, beside=user) as bram:  # type: ignore[arg-type]
        bram.login("bram")
        bram.enroll()
    page = user.get("/2fa/users/bram").text

    button = re.search(r'<a class="([^"]*)" href="[^"]*" data-reset-user>', page)
    assert button
    assert "ng-danger" not in button.group(1).split()


def test_the_clock_steps_say_the_manuals_words(user: Browser) -> None:
    page = user.get("/2fa/help/sync").text

    assert "Zet 'Stel automatisch in' aan." in page.replace("&#39;", "'")
    assert "zet het dan op handmatig en opnieuw op automatisch" in page.lower()


def test_the_scan_step_says_how_to_see_the_scan_worked(user: Browser) -> None:
    user.login("rosa")

    assert (
        "U ziet of het scannen gelukt is als de app een code van zes cijfers toont"
        in user.get("/2fa/enroll/scan").text
    )


def test_the_office_page_has_a_help_link_as_in_the_manuals_screen(user: Browser) -> None:
    activate_office(user)
    page = user.get("/2fa/office").text

    assert re.search(r'href="/2fa/help/sync\?next=%2F2fa%2Foffice"[^>]*data-help>help<', page)


# 6. A confirmation after her own "Activeren" and after a recovery


def test_her_own_activeren_is_confirmed_before_she_goes_on(user: Browser) -> None:
    user.login("rosa", next_url="/aangifte")
    secret = user.scan_at("/2fa/enroll/scan?next=/aangifte")
    user.submit("/2fa/enroll/code?next=/aangifte", code=user.code(secret))
    done = user.submit("/2fa/enroll/finish?next=/aangifte")

    assert done.status_code == 303
    assert location(done) == "/2fa/done?next=%2Faangifte"
    page = user.get(location(done)).text
    assert "Twee staps verificatie is ingesteld" in page
    assert re.search(r'href="/aangifte"[^>]*data-continue', page)


def test_the_confirmation_is_only_for_a_user_who_is_through(user: Browser) -> None:
    user.login("rosa")

    assert location(user.get("/2fa/done")).startswith("/2fa/enroll")


def test_a_recovery_is_confirmed_on_the_fresh_set_up(user: Browser) -> None:
    user.login("rosa")
    _, reset_code = user.enroll()
    user.post("/logout")
    user.login("rosa")
    assert user.submit("/2fa/recover", reset_code=reset_code).status_code == 303

    first = user.get("/2fa/enroll").text
    again = user.get("/2fa/enroll").text

    assert "Uw resetcode is geaccepteerd" in first
    # Said once, not at every visit.
    assert "Uw resetcode is geaccepteerd" not in again


# 7. Times as the office reads them


def test_the_events_are_in_the_offices_time_zone_not_in_utc(user: Browser) -> None:
    activate_office(user)
    page = user.get("/2fa/office").text
    moment = datetime.fromtimestamp(user.clock.now, UTC)
    shown = format_datetime(moment, "medium", tzinfo=ZoneInfo("Europe/Amsterdam"), locale="nl")

    assert " UTC" not in page
    assert shown[:10] in page


def test_the_time_zone_is_a_setting(parts: Parts) -> None:
    with browser(parts.app(time_zone="America/New_York"), parts.clock) as anna:
        activate_office(anna)
        anna.client.headers["Accept-Language"] = "en"
        page = anna.get("/2fa/users").text
    zone = ZoneInfo("America/New_York")
    # Set up and last verified during the last few minutes of the test's clock.
    recent = [datetime.fromtimestamp(parts.clock.now - n, UTC) for n in range(0, 300)]

    assert any(format_datetime(at, "medium", tzinfo=zone, locale="en") in page for at in recent)


def test_an_unknown_time_zone_stops_the_guard_at_start() -> None:
    with pytest.raises(GuardError):
        GuardSettings(
            secret_key="k" * 32, encryption_keys={"k1": b"\0" * 32}, time_zone="Mars/Olympus"
        )


def test_laatst_geverifieerd_is_filled_once_a_user_has_typed_a_code(user: Browser) -> None:
    activate_office(user)
    page = user.get("/2fa/users").text
    anna_row = re.search(r'data-user-row="anna".*?</tr>', page, re.DOTALL)
    assert anna_row
    last = re.search(r"data-last-verified>([^<]*)<", anna_row.group(0))

    assert last
    assert last.group(1).strip()


# 8. On a phone


def test_the_scan_step_offers_op_deze_telefoon_toevoegen(user: Browser) -> None:
    user.login("rosa")
    page = user.get("/2fa/enroll/scan").text
    secret = re.search(r'data-totp-secret="([A-Z2-7]+)"', page)
    link = re.search(r'<a [^>]*href="([^"]+)" data-otpauth-link>([^<]+)</a>', page)

    assert secret
    assert link
    assert link.group(2) == "Op deze telefoon toevoegen"
    assert link.group(1).replace("&amp;", "&") == (
        f"otpauth://totp/Nextens:rosa?secret={secret.group(1)}&issuer=Nextens"
    )


def test_the_events_table_stacks_into_one_card_per_event_on_a_narrow_screen(
    user: Browser,
) -> None:
    activate_office(user)
    page = user.get("/2fa/office").text
    css = user.get("/2fa/static/guard.css").text

    assert re.search(r'<table class="ng-table ng-stack" data-audit>', page)
    assert 'data-label="Tijdstip"' in page
    assert re.search(r"@media \(max-width: 40rem\) \{\s*\.ng-stack, \.ng-stack tbody", css)
