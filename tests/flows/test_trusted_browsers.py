"""Trust this browser: after a right code, a browser the office allows it for skips the
code prompt at the next password login, until the trust ends in any of its ways."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.flows.logins import log_in_again
from tests.flows.test_office import activate_office
from tests.support import Browser, Parts, browser, location

TRUST_COOKIE = "nextens_guard_trust"
DAY = 24 * 60 * 60


def put_cookie(person: Browser, value: str) -> None:
    """The browser holds ``value`` as its trust cookie, in place of any it had."""
    person.client.cookies.delete(TRUST_COOKIE)
    # The domain the test client's own cookies get, so it is sent like one the app set.
    person.client.cookies.set(TRUST_COOKIE, value, domain="testserver.local", path="/")


def allow_trust(admin: Browser, days: str = "7") -> None:
    answer = admin.submit("/2fa/office/trust", trust="on", trust_days=days, password="nextens-demo")
    assert answer.status_code == 303, answer.text
    assert location(answer) == "/2fa/office?done=trust-on"


def skips_the_code(person: Browser, name: str = "bram") -> bool:
    """Logs out and in with the password: whether the code prompt lets the browser by."""
    log_in_again(person, name)
    sent = person.get("/")
    assert location(sent).startswith("/2fa/verify"), location(sent)
    prompt = person.get(location(sent))
    if prompt.status_code == 303 and location(prompt) == "/":
        assert person.get("/").status_code == 200
        return True
    assert prompt.status_code == 200
    return False


def trusting(person: Browser, secret: str) -> str:
    """Types a right code with the box ticked; the trust cookie it sets."""
    person.clock.advance(30)
    answer = person.submit("/2fa/verify", code=person.code(secret), trust="on")
    assert answer.status_code == 303, answer.text
    header = answer.headers.get("set-cookie", "")
    assert f"{TRUST_COOKIE}=" in header, header
    cookie = person.client.cookies.get(TRUST_COOKIE)
    assert cookie
    return cookie


def trusted_bram(parts: Parts, anna: Browser, bram: Browser) -> str:
    """Anna activates and allows trust; Bram enrolls, logs in again and trusts his browser."""
    activate_office(anna)
    allow_trust(anna)
    bram.login("bram")
    secret, _ = bram.enroll()
    log_in_again(bram, "bram")
    trusting(bram, secret)
    assert skips_the_code(bram)
    return secret


def test_a_trusted_browser_skips_the_code_after_the_password(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        trusted_bram(parts, anna, bram)
        # Still the password first: logged out, the app sends him to the login.
        bram.post("/logout")
        assert location(bram.get("/")).startswith("/login")
        events = anna.get("/2fa/office").text
        assert 'data-event="browser_trusted"' in events
        assert 'data-event="trusted_browser_used"' in events


def test_the_trust_cookie_is_httponly_lax_at_the_root_for_the_offices_days(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        allow_trust(anna, "3")
        bram.login("bram")
        secret, _ = bram.enroll()
        log_in_again(bram, "bram")
        prompt = bram.get("/2fa/verify")
        assert "Vertrouw deze browser 3 dagen" in prompt.text
        bram.clock.advance(30)
        answer = bram.submit("/2fa/verify", code=bram.code(secret), trust="on")
        header = answer.headers["set-cookie"].lower()
        assert "httponly" in header
        assert "samesite=lax" in header
        assert "path=/;" in header or header.endswith("path=/")
        assert f"max-age={3 * DAY}" in header
        # The example runs on http: a Secure cookie would never come back.
        assert "secure" not in header
        value = bram.client.cookies[TRUST_COOKIE]
        # The random part alone is 256 bits; the cookie names no user.
        assert len(value) >= 43
        assert "bram" not in value


def test_the_trust_cookie_is_secure_when_the_setting_says_so(parts: Parts) -> None:
    app = parts.app(trust_cookie_secure=True)
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        allow_trust(anna)
        bram.login("bram")
        secret, _ = bram.enroll()
        log_in_again(bram, "bram")
        bram.clock.advance(30)
        answer = bram.submit("/2fa/verify", code=bram.code(secret), trust="on")
        assert "secure" in answer.headers["set-cookie"].lower()


def test_trust_is_never_offered_while_the_office_has_it_off(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        bram.login("bram")
        secret, _ = bram.enroll()
        log_in_again(bram, "bram")
        prompt = bram.get("/2fa/verify")
        assert "data-trust-browser" not in prompt.text
        assert "Vertrouw deze browser" not in prompt.text
        as_json = bram.get("/2fa/verify", headers={"accept": "application/json"}).json()
        assert as_json["trust_days"] is None
        # The box ticked all the same is ignored: no cookie, and the code is asked again.
        bram.clock.advance(30)
        answer = bram.submit("/2fa/verify", code=bram.code(secret), trust="on")
        assert answer.status_code == 303
        assert TRUST_COOKIE not in answer.headers.get("set-cookie", "")
        assert not skips_the_code(bram)


def test_no_trust_is_made_on_a_wrong_code(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        allow_trust(anna)
        bram.login("bram")
        bram.enroll()
        log_in_again(bram, "bram")
        answer = bram.submit("/2fa/verify", code="000000", trust="on")
        assert answer.status_code == 400
        assert TRUST_COOKIE not in answer.headers.get("set-cookie", "")
        assert "data-no-trusted-browsers" in anna.get("/2fa/users/bram").text


def test_switching_trust_off_ends_every_trust_of_the_group(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        trusted_bram(parts, anna, bram)
        answer = anna.submit("/2fa/office/trust", trust="off", password="nextens-demo")
        assert location(answer) == "/2fa/office?done=trust-off"
        assert not skips_the_code(bram)


def test_uma_of_the_linked_office_gets_the_same_setting(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as uma:
        activate_office(anna)
        allow_trust(anna, "5")
        uma.login("uma")
        secret, _ = uma.enroll()
        assert 'data-trust-days="5"' in uma.get("/2fa/office").text
        log_in_again(uma, "uma")
        assert "Vertrouw deze browser 5 dagen" in uma.get("/2fa/verify").text
        trusting(uma, secret)
        assert skips_the_code(uma, "uma")


@pytest.mark.parametrize(
    ("days", "status"),
    [("0", 400), ("31", 400), ("-1", 400), ("abc", 400), ("", 400), ("1", 303), ("30", 303)],
)
def test_the_most_days_are_1_to_30(parts: Parts, days: str, status: int) -> None:
    with browser(parts.app(), parts.clock) as anna:
        activate_office(anna)
        answer = anna.submit(
            "/2fa/office/trust", trust="on", trust_days=days, password="nextens-demo"
        )
        assert answer.status_code == status, answer.text
        if status == 400:
            assert "Kies een aantal dagen van 1 tot en met 30." in answer.text
            assert 'aria-invalid="true"' in answer.text


def test_the_setting_needs_the_password_and_a_choice(parts: Parts) -> None:
    with browser(parts.app(), parts.clock) as anna:
        activate_office(anna)
        wrong = anna.submit("/2fa/office/trust", trust="on", trust_days="7", password="guess")
        assert wrong.status_code == 400
        none = anna.submit("/2fa/office/trust", password="nextens-demo")
        assert none.status_code == 400
        assert "Kies of gebruikers een browser mogen vertrouwen." in none.text
        as_json = anna.post(
            "/2fa/office/trust",
            json={
                "trust": "on",
                "trust_days": "99",
                "password": "nextens-demo",
                "csrf_token": anna.csrf_token("/2fa/office/trust"),
            },
            headers={"accept": "application/json"},
        )
        assert as_json.status_code == 400
        assert as_json.json()["error"] == "trust_days"
        assert as_json.json()["field"] == "trust_days"


def test_a_user_without_rights_cannot_change_the_setting(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        bram.login("bram")
        bram.enroll()
        assert bram.get("/2fa/office/trust").status_code == 403


def test_a_forged_cookie_is_refused(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        trusted_bram(parts, anna, bram)
        real = bram.client.cookies[TRUST_COOKIE]
        token, _, signature = real.rpartition(".")
        for forged in (
            token + "." + ("A" if signature[0] != "A" else "B") + signature[1:],
            "x" * 43 + "." + signature,
            "garbage",
            "a" * 5000,
        ):
            put_cookie(bram, forged)
            assert not skips_the_code(bram), forged
        # The real one, put back the same way, still counts.
        put_cookie(bram, real)
        assert skips_the_code(bram)


def test_a_cookie_copied_to_another_user_is_refused(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        trusted_bram(parts, anna, bram)
        stolen = bram.client.cookies[TRUST_COOKIE]
        # Anna is enrolled; her login with Bram's cookie still asks her for the code.
        put_cookie(anna, stolen)
        assert not skips_the_code(anna, "anna")


def test_a_trust_ends_when_its_days_are_over(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        trusted_bram(parts, anna, bram)
        parts.clock.advance(6 * DAY)
        assert skips_the_code(bram)
        parts.clock.advance(DAY)
        # The cookie is still sent (the fake clock moved, the browser's did not).
        assert bram.client.cookies.get(TRUST_COOKIE)
        assert not skips_the_code(bram)


def test_a_lowered_maximum_shortens_every_trust(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        trusted_bram(parts, anna, bram)
        allow_trust(anna, "1")
        parts.clock.advance(2 * DAY)
        assert not skips_the_code(bram)


def _reset_by_admin(anna: Browser, bram: Browser, secret: str) -> None:
    assert anna.submit("/2fa/users/bram/reset").status_code == 303


def _log_out_everywhere(anna: Browser, bram: Browser, secret: str) -> None:
    assert anna.submit("/2fa/users/bram/logout-everywhere").status_code == 303


def _removed_by_admin(anna: Browser, bram: Browser, secret: str) -> None:
    page = anna.get("/2fa/users/bram")
    ids = re.findall(r'data-trusted-browser="([^"]+)"', page.text)
    assert len(ids) == 1
    answer = anna.submit("/2fa/users/bram/browsers", browser=ids[0])
    assert answer.status_code == 303
    assert "data-no-trusted-browsers" in anna.get("/2fa/users/bram").text


def _all_removed_by_admin(anna: Browser, bram: Browser, secret: str) -> None:
    assert anna.submit("/2fa/users/bram/browsers", browser="all").status_code == 303


def _removed_by_user(anna: Browser, bram: Browser, secret: str) -> None:
    page = bram.get("/2fa/browsers")
    assert page.status_code == 200
    ids = re.findall(r'data-trusted-browser="([^"]+)"', page.text)
    assert len(ids) == 1
    answer = bram.submit("/2fa/browsers", browser=ids[0])
    assert location(answer) == "/2fa/browsers?done=removed"
    assert "data-no-trusted-browsers" in bram.get(location(answer)).text


def _deactivated(anna: Browser, bram: Browser, secret: str) -> None:
    assert anna.submit("/2fa/office/deactivate", password="nextens-demo").status_code == 303


END_OF_TRUST: dict[str, Callable[[Browser, Browser, str], None]] = {
    "reset by the admin": _reset_by_admin,
    "log out everywhere": _log_out_everywhere,
    "removal by the admin": _removed_by_admin,
    "removal of all by the admin": _all_removed_by_admin,
    "removal by the user": _removed_by_user,
}


@pytest.mark.parametrize("how", list(END_OF_TRUST))
def test_each_way_to_end_a_trust_asks_for_the_code_again(parts: Parts, how: str) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        secret = trusted_bram(parts, anna, bram)
        END_OF_TRUST[how](anna, bram, secret)
        log_in_again(bram, "bram")
        sent = bram.get("/")
        # Asked for the code again, or (after a reset) sent to enroll a phone anew.
        assert location(sent).startswith(("/2fa/verify", "/2fa/enroll")), location(sent)
        if location(sent).startswith("/2fa/verify"):
            assert bram.get(location(sent)).status_code == 200


def test_a_deactivation_ends_the_trust_even_after_activating_again(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        trusted_bram(parts, anna, bram)
        _deactivated(anna, bram, "")
        anna.post("/logout")
        activate_office(anna)
        allow_trust(anna)
        log_in_again(bram, "bram")
        assert location(bram.get("/")).startswith("/2fa/enroll")
        bram.enroll()
        # The phone is set up anew; the browser's old trust still counts for nothing.
        assert not skips_the_code(bram)


def test_a_recovery_ends_the_trust(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        allow_trust(anna)
        bram.login("bram")
        secret, reset_code = bram.enroll()
        log_in_again(bram, "bram")
        trusting(bram, secret)
        log_in_again(bram, "bram")
        assert bram.submit("/2fa/recover", reset_code=reset_code).status_code == 303
        new_secret, _ = bram.enroll()
        assert not skips_the_code(bram)
        assert new_secret != secret


def test_a_new_phone_ends_the_trust(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        secret = trusted_bram(parts, anna, bram)
        # A reset and a new phone: the new enrollment's generation is not the trust's.
        anna.submit("/2fa/users/bram/reset")
        log_in_again(bram, "bram")
        bram.enroll()
        assert not skips_the_code(bram)
        assert secret


def test_the_user_and_the_admin_see_what_where_and_when(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        allow_trust(anna)
        bram.login("bram")
        secret, _ = bram.enroll()
        log_in_again(bram, "bram")
        bram.client.headers["user-agent"] = (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
        )
        trusting(bram, secret)
        own = bram.get("/2fa/browsers")
        assert "Firefox · Windows" in own.text
        assert "Nog niet" in own.text
        assert skips_the_code(bram)
        listed = bram.get("/2fa/browsers", headers={"accept": "application/json"}).json()
        assert listed["page"] == "trusted_browsers"
        (entry,) = listed["browsers"]
        assert entry["browser"] == "Firefox · Windows"
        assert entry["last_used"] is not None
        assert entry["address"]
        profile = anna.get("/2fa/users/bram", headers={"accept": "application/json"}).json()
        assert [b["id"] for b in profile["trusted_browsers"]] == [entry["id"]]
        # Another user's browser id is not Anna's to remove from her own list.
        token = anna.csrf_token("/2fa/users/bram/reset")
        wrong = anna.post("/2fa/browsers", data={"csrf_token": token, "browser": entry["id"]})
        assert wrong.status_code == 404
        missing = anna.post("/2fa/browsers", data={"csrf_token": token})
        assert missing.status_code == 400
        assert skips_the_code(bram)


def test_uma_cannot_see_or_remove_the_browsers_of_the_linked_office(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as uma:
        activate_office(anna)
        uma.login("uma")
        uma.enroll()
        assert uma.get("/2fa/users/bram/browsers").status_code == 404
        token = uma.csrf_token("/2fa/users/victor/reset")
        answer = uma.post("/2fa/users/bram/browsers", data={"csrf_token": token, "browser": "all"})
        assert answer.status_code == 404


@pytest.mark.parametrize("how", list(END_OF_TRUST))
def test_an_end_of_trust_reaches_the_other_process_within_a_second(shared: Parts, how: str) -> None:
    ends = END_OF_TRUST
    with (
        browser(shared.app(), shared.clock) as anna,
        browser(shared.app(), shared.clock) as bram,
        browser(shared.app(), shared.clock) as bram_elsewhere,
    ):
        secret = trusted_bram(shared, anna, bram)
        # The same browser's cookie, on a second process of the app.
        put_cookie(bram_elsewhere, bram.client.cookies[TRUST_COOKIE])
        bram_elsewhere.login("bram")
        assert skips_the_code(bram_elsewhere)
        ends[how](anna, bram, secret)
        # The trust is read from the store at the code prompt: no wait at all.
        for person in (bram, bram_elsewhere):
            log_in_again(person, "bram")
            sent = person.get("/")
            assert location(sent).startswith(("/2fa/verify", "/2fa/enroll")), how
            if location(sent).startswith("/2fa/verify"):
                assert person.get(location(sent)).status_code == 200, how


def test_a_deactivation_on_one_process_ends_the_trust_on_the_other(shared: Parts) -> None:
    with (
        browser(shared.app(), shared.clock) as anna,
        browser(shared.app(), shared.clock) as bram,
        browser(shared.app(), shared.clock) as bram_elsewhere,
    ):
        trusted_bram(shared, anna, bram)
        put_cookie(bram_elsewhere, bram.client.cookies[TRUST_COOKIE])
        _deactivated(anna, bram, "")
        anna.post("/logout")
        activate_office(anna)
        allow_trust(anna)
        # Bram sets up his phone anew on the first process; the second one, holding the
        # old trust, asks him for the code of the new phone.
        log_in_again(bram, "bram")
        bram.enroll()
        bram_elsewhere.login("bram")
        sent = bram_elsewhere.get("/")
        assert location(sent).startswith("/2fa/verify")
        assert bram_elsewhere.get(location(sent)).status_code == 200


def test_a_single_page_app_trusts_the_browser_and_is_let_by_with_next(parts: Parts) -> None:
    app = parts.app()
    json = {"accept": "application/json"}
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        allow_trust(anna, "2")
        bram.login("bram")
        secret, _ = bram.enroll()
        log_in_again(bram, "bram")
        prompt = bram.get("/2fa/verify", headers=json).json()
        assert prompt["trust_days"] == 2
        bram.clock.advance(30)
        answer = bram.post(
            "/2fa/verify",
            json={"code": bram.code(secret), "trust": "on", "csrf_token": prompt["csrf_token"]},
            headers=json,
        )
        assert answer.status_code == 200
        assert answer.json() == {"next": "/"}
        assert bram.client.cookies.get(TRUST_COOKIE)
        log_in_again(bram, "bram")
        again = bram.get("/2fa/verify", headers=json)
        assert again.status_code == 200
        assert again.json() == {"next": "/"}
        assert bram.get("/", headers=json).status_code == 200


def test_the_most_careful_office_of_a_group_decides(parts: Parts) -> None:
    """Utrecht never chose (as an office linked after Anna saved would): off for all."""
    app = parts.app()
    guard = app.guard
    assert guard is not None
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)

        async def amsterdam_alone() -> None:
            await guard.store.set_trust_policy(
                ["amsterdam"], max_days=7, actor_id="anna", now=guard.settings.now()
            )

        portal = anna.client.portal
        assert portal is not None
        portal.call(amsterdam_alone)
        bram.login("bram")
        bram.enroll()
        log_in_again(bram, "bram")
        assert "data-trust-browser" not in bram.get("/2fa/verify").text
        allow_trust(anna)
        assert "data-trust-browser" in bram.get("/2fa/verify").text
