"""The user's own security page: their ways in by name, their trusted browsers, their
latest sign-ins; and renaming the app and a passkey from it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from nextens_guard.store.sql import SQLStore
from tests.api.spa import Spa
from tests.authenticators import SoftAuthenticator
from tests.flows.test_passkeys import ORIGIN, RP_ID, add_passkey, answer_prompt, enrolled_rosa
from tests.flows.test_trusted_browsers import allow_trust
from tests.support import Browser, Parts, browser, location

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def spa(parts: Parts) -> Iterator[Spa]:
    app = parts.app(webauthn_rp_id=RP_ID, webauthn_origins=[ORIGIN])
    with browser(app, parts.clock) as person:
        yield Spa(person)


def security(spa: Spa) -> dict[str, Any]:
    return spa.state("/2fa/security")


def passkey_id(spa: Spa, name: str) -> str:
    (found,) = [p["id"] for p in security(spa)["passkeys"] if p["name"] == name]
    return str(found)


def events_of(person: Browser, user_id: str) -> list[Any]:
    store: SQLStore = person.client.app.guard.store  # type: ignore[attr-defined]
    portal = person.client.portal
    assert portal is not None
    return list(portal.call(lambda: store.events_after(None, user_id=user_id)))


def log_in_with_code(person: Browser, name: str, secret: str, **headers: str) -> None:
    person.post("/logout")
    person.login(name)
    person.clock.advance(30)
    answer = person.client.post(
        "/2fa/verify",
        data={"csrf_token": person.csrf_token("/2fa/verify"), "code": person.code(secret)},
        headers=headers,
    )
    assert answer.status_code == 303, answer.text


# The page and who sees it


def test_the_security_page_needs_the_second_step_first(user: Browser) -> None:
    assert location(user.get("/2fa/security")).startswith("/login")

    user.login("rosa")
    assert location(user.get("/2fa/security")) == "/2fa/enroll?next=%2F2fa%2Fsecurity"

    secret, _ = user.enroll()
    user.post("/logout")
    user.login("rosa")
    assert location(user.get("/2fa/security")) == "/2fa/verify?next=%2F2fa%2Fsecurity"

    user.verify(secret)
    page = user.get("/2fa/security")
    assert page.status_code == 200
    assert 'data-guard-page="security"' in page.text


def test_the_office_page_and_the_passkeys_page_link_to_the_security_page(spa: Spa) -> None:
    enrolled_rosa(spa)

    for page in ("/2fa/office", "/2fa/passkeys"):
        assert 'href="/2fa/security" data-security-link' in spa.browser.get(page).text


def test_a_user_without_the_app_sees_the_page_without_authenticators(user: Browser) -> None:
    # Bram's office has not activated two-step verification: nothing is set up.
    user.login("bram")

    page = user.get("/2fa/security")

    assert page.status_code == 200
    assert "data-no-app" in page.text
    assert "data-rename-app" not in page.text
    assert user.get("/2fa/app/rename").status_code == 404


# The authenticators


def test_the_security_page_lists_the_app_and_every_passkey_with_when_added_and_last_used(
    spa: Spa,
) -> None:
    secret = enrolled_rosa(spa)
    key = SoftAuthenticator()
    add_passkey(spa, key, "Telefoon Rosa")
    spa.browser.clock.advance(60)
    add_passkey(spa, SoftAuthenticator(), "YubiKey")

    state = security(spa)
    assert state["app"]["name"] is None
    assert state["app"]["set_up_at"] is not None
    assert state["app"]["last_used_at"] is None
    assert [(p["name"], p["last_used_at"]) for p in state["passkeys"]] == [
        ("Telefoon Rosa", None),
        ("YubiKey", None),
    ]
    assert state["passkeys_on"] is True

    # A code at the next login is the app's use; a passkey's is the passkey's alone.
    log_in_with_code(spa.browser, "rosa", secret)
    after_code = security(spa)["app"]["last_used_at"]
    assert after_code is not None
    spa.browser.post("/logout")
    spa.browser.login("rosa")
    spa.browser.clock.advance(60)
    prompt = spa.state("/2fa/verify")
    assert answer_prompt(spa, key.get(prompt["passkey_options"], origin=ORIGIN)).json() == {
        "next": "/"
    }
    state = security(spa)
    assert state["app"]["last_used_at"] == after_code
    assert state["passkeys"][0]["last_used_at"] is not None
    assert state["passkeys"][1]["last_used_at"] is None

    page = spa.browser.get("/2fa/security").text
    assert "Authenticator-app" in page
    assert "Telefoon Rosa" in page
    assert "YubiKey" in page
    assert page.count("data-rename-passkey") == 2
    assert page.count("data-remove-passkey") == 2
    assert "data-rename-app" in page
    assert "data-add-passkey" in page
    # The app is not removable here: the page says why instead.
    assert "resetcode" in page


def test_the_security_page_links_log_out_everywhere_and_the_reset_code(spa: Spa) -> None:
    enrolled_rosa(spa)

    state = security(spa)
    page = spa.browser.get("/2fa/security").text

    assert state["logout_everywhere_url"] == "/2fa/logout-everywhere"
    assert state["reset_code_url"] == "/2fa/office/reset-code"
    assert 'href="/2fa/logout-everywhere"' in page
    assert 'href="/2fa/office/reset-code"' in page


def test_without_passkeys_on_the_page_shows_the_app_alone(user: Browser) -> None:
    user.login("rosa")
    user.enroll()

    page = user.get("/2fa/security").text

    assert "data-rename-app" in page
    assert "data-add-passkey" not in page


# Renaming


def test_a_user_renames_a_passkey_and_the_new_name_shows(spa: Spa) -> None:
    enrolled_rosa(spa)
    add_passkey(spa, SoftAuthenticator(), "Telefoon Rosa")
    passkey = passkey_id(spa, "Telefoon Rosa")
    form = spa.browser.get(f"/2fa/passkeys/{passkey}/rename")
    assert form.status_code == 200
    assert 'value="Telefoon Rosa"' in form.text

    answer = spa.browser.submit(f"/2fa/passkeys/{passkey}/rename", name="  Sleutel  van Zoë ")

    assert answer.status_code == 303
    assert location(answer) == "/2fa/security?done=renamed"
    page = spa.browser.get(location(answer)).text
    assert "Sleutel van Zoë" in page
    assert "De naam is gewijzigd." in page
    assert [p["name"] for p in spa.state("/2fa/passkeys")["passkeys"]] == ["Sleutel van Zoë"]


def test_a_user_names_the_authenticator_app_and_a_new_phone_starts_unnamed(spa: Spa) -> None:
    spa.browser.login("rosa")
    _, reset_code = spa.enroll()
    assert spa.state("/2fa/app/rename")["current_name"] is None

    answer = spa.post("/2fa/app/rename", name="iPhone van Rosa")

    assert answer.json() == {"next": "/2fa/security?done=renamed"}
    assert security(spa)["app"]["name"] == "iPhone van Rosa"
    assert "iPhone van Rosa" in spa.browser.get("/2fa/security").text

    # A new phone, set up with the reset code: the old phone's name is not its name.
    spa.browser.post("/logout")
    spa.browser.login("rosa")
    recovered = spa.browser.submit("/2fa/recover", reset_code=reset_code)
    assert recovered.status_code == 303, recovered.text
    spa.browser.enroll()
    assert security(spa)["app"]["name"] is None


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("x" * 61, "too long"),
        ("", "empty"),
        ("   ", "only spaces"),
        ("Telefoon\x07Rosa", "a control character"),
    ],
)
def test_a_bad_name_is_refused_and_the_form_keeps_what_was_typed(
    spa: Spa, typed: str, why: str
) -> None:
    enrolled_rosa(spa)
    add_passkey(spa, SoftAuthenticator(), "Telefoon Rosa")
    passkey = passkey_id(spa, "Telefoon Rosa")

    answer = spa.browser.submit(f"/2fa/passkeys/{passkey}/rename", name=typed)

    assert answer.status_code == 400, why
    assert "hoogstens 60 tekens" in answer.text
    assert 'aria-invalid="true"' in answer.text
    if typed.strip() and typed.isprintable():
        assert f'value="{html.escape(typed)}"' in answer.text
    refused = spa.post("/2fa/app/rename", name=typed)
    assert refused.status_code == 400
    assert refused.json()["error"] == "bad_name"
    assert refused.json()["field"] == "name"
    state = security(spa)
    assert [p["name"] for p in state["passkeys"]] == ["Telefoon Rosa"]
    assert state["app"]["name"] is None


def test_a_name_too_long_is_refused_and_the_form_keeps_what_was_typed(spa: Spa) -> None:
    enrolled_rosa(spa)
    typed = "Authenticator op de telefoon van Rosa, de oude Samsung uit 2019"
    assert len(typed) > 60

    answer = spa.browser.submit("/2fa/app/rename", name=typed)

    assert answer.status_code == 400
    assert f'value="{typed}"' in answer.text
    assert security(spa)["app"]["name"] is None


def test_someone_elses_passkey_cannot_be_renamed(parts: Parts) -> None:
    app = parts.app(webauthn_rp_id=RP_ID, webauthn_origins=[ORIGIN])
    with browser(app, parts.clock) as rosa_browser:
        rosa = Spa(rosa_browser)
        enrolled_rosa(rosa)
        add_passkey(rosa, SoftAuthenticator(), "Telefoon Rosa")
        rosas = passkey_id(rosa, "Telefoon Rosa")
        with browser(app, parts.clock, beside=rosa_browser) as ruben_browser:
            ruben = Spa(ruben_browser)
            ruben_browser.login("ruben")
            ruben.enroll()

            assert ruben.get(f"/2fa/passkeys/{rosas}/rename").status_code == 404
            assert ruben.post(f"/2fa/passkeys/{rosas}/rename", name="Van Ruben").status_code == 404
            assert ruben.post("/2fa/passkeys/no-such-key/rename", name="X").status_code == 404

        assert [p["name"] for p in security(rosa)["passkeys"]] == ["Telefoon Rosa"]


def test_a_rename_without_the_form_token_is_refused_and_nothing_changes(spa: Spa) -> None:
    enrolled_rosa(spa)
    add_passkey(spa, SoftAuthenticator(), "Telefoon Rosa")
    passkey = passkey_id(spa, "Telefoon Rosa")

    missing = spa.browser.post(f"/2fa/passkeys/{passkey}/rename", data={"name": "Gestolen"})
    forged = spa.browser.post(
        "/2fa/app/rename", data={"name": "Gestolen", "csrf_token": "forged.token"}
    )

    assert missing.status_code == 403
    assert forged.status_code == 403
    state = security(spa)
    assert [p["name"] for p in state["passkeys"]] == ["Telefoon Rosa"]
    assert state["app"]["name"] is None


def test_a_rename_is_in_the_audit_trail_with_both_names(spa: Spa) -> None:
    enrolled_rosa(spa)
    add_passkey(spa, SoftAuthenticator(), "Telefoon Rosa")
    passkey = passkey_id(spa, "Telefoon Rosa")

    spa.post(f"/2fa/passkeys/{passkey}/rename", name="YubiKey")
    spa.post("/2fa/app/rename", name="Samsung")

    renamed = [e for e in events_of(spa.browser, "rosa") if e.event == "authenticator_renamed"]
    assert [e.detail for e in renamed] == [
        f"passkey={passkey}; from='Telefoon Rosa'; to='YubiKey'",
        "app; from=''; to='Samsung'",
    ]


# Recent sign-ins


def test_recent_sign_ins_show_time_browser_address_and_outcome(user: Browser) -> None:
    user.login("rosa")
    secret, _reset_code = user.enroll()
    user.post("/logout")
    user.login("rosa")
    user.clock.advance(30)
    wrong = user.client.post(
        "/2fa/verify",
        data={"csrf_token": user.csrf_token("/2fa/verify"), "code": "000000"},
        headers={"user-agent": SAFARI},
    )
    assert wrong.status_code == 400
    log_in_with_code(user, "rosa", secret, **{"user-agent": FIREFOX})

    sign_ins = Spa(user).state("/2fa/security")["sign_ins"]

    assert [(s["event"], s["method"], s["outcome"], s["browser"]) for s in sign_ins] == [
        ("verified", "code", "passed", "Firefox · Windows"),
        ("code_failed", None, "failed", "Safari · iOS"),
    ]
    assert all(s["at"] and s["address"] for s in sign_ins)
    page = user.get("/2fa/security").text
    assert "Firefox · Windows" in page
    assert "Safari · iOS" in page
    assert "Geslaagd" in page
    assert "Mislukt" in page
    assert '<th scope="col">Adres</th>' in page


def test_sign_ins_with_the_reset_code_and_a_trusted_browser_show_too(parts: Parts) -> None:
    with browser(parts.app(), parts.clock) as ruben, browser(parts.app(), parts.clock) as rosa:
        ruben.login("ruben")
        ruben.enroll()
        allow_trust(ruben)
        rosa.login("rosa")
        _, reset_code = rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")
        recovered = rosa.client.post(
            "/2fa/recover",
            data={"csrf_token": rosa.csrf_token("/2fa/recover"), "reset_code": reset_code},
            headers={"user-agent": FIREFOX},
        )
        assert recovered.status_code == 303, recovered.text
        secret, _ = rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")
        rosa.clock.advance(30)
        trusted = rosa.submit("/2fa/verify", code=rosa.code(secret), trust="on")
        assert trusted.status_code == 303, trusted.text
        rosa.post("/logout")
        rosa.login("rosa")
        assert location(rosa.get("/2fa/verify", headers={"user-agent": FIREFOX})) == "/"

        events = [s["event"] for s in Spa(rosa).state("/2fa/security")["sign_ins"]]

    assert events[0] == "trusted_browser_used"
    assert "recovered" in events


def test_recent_sign_ins_are_bounded_to_the_latest_ten(user: Browser) -> None:
    user.login("rosa")
    secret, _ = user.enroll()
    # Twenty minutes apart, so each login is a row of its own (repeats close together
    # are counted in one row).
    for _ in range(12):
        user.clock.advance(20 * 60)
        log_in_with_code(user, "rosa", secret)

    sign_ins = Spa(user).state("/2fa/security")["sign_ins"]

    assert len(sign_ins) == 10
    times = [s["at"] for s in sign_ins]
    assert times == sorted(times, reverse=True)


def test_logins_close_together_count_in_one_row_per_browser(user: Browser) -> None:
    user.login("rosa")
    secret, _ = user.enroll()
    for agent in (FIREFOX, FIREFOX, SAFARI, FIREFOX):
        log_in_with_code(user, "rosa", secret, **{"user-agent": agent})

    verified = [r for r in events_of(user, "rosa") if r.event == "verified"]

    assert sorted(r.detail for r in verified) == [
        "method=code; browser=Firefox · Windows; repeated=3",
        "method=code; browser=Safari · iOS",
    ]
    sign_ins = Spa(user).state("/2fa/security")["sign_ins"]
    assert [s["browser"] for s in sign_ins] == ["Firefox · Windows", "Safari · iOS"]


def test_recent_sign_ins_say_whether_the_code_or_a_passkey_was_used(parts: Parts) -> None:
    passkeys = {"webauthn_rp_id": RP_ID, "webauthn_origins": [ORIGIN]}
    with (
        browser(parts.app(**passkeys), parts.clock) as rosa,
        browser(parts.app(**passkeys), parts.clock) as ruben,
    ):
        spa = Spa(rosa)
        secret = enrolled_rosa(spa)
        key = SoftAuthenticator()
        add_passkey(spa, key, "Telefoon Rosa")
        log_in_with_code(rosa, "rosa", secret)
        rosa.post("/logout")
        rosa.login("rosa")
        rosa.clock.advance(60)
        prompt = spa.state("/2fa/verify")
        assert answer_prompt(spa, key.get(prompt["passkey_options"], origin=ORIGIN)).json() == {
            "next": "/"
        }
        ruben.login("ruben")
        ruben.enroll()

        sign_ins = security(spa)["sign_ins"]
        page = rosa.get("/2fa/security").text
        admins_list = ruben.get("/2fa/office").text

    assert [(s["event"], s["method"]) for s in sign_ins[:2]] == [
        ("verified", "passkey"),
        ("verified", "code"),
    ]
    assert 'data-method="passkey"' in page
    assert 'data-method="code"' in page
    assert "Passkey of beveiligingssleutel" in page
    assert "Code uit de app" in page
    assert "Code of passkey geaccepteerd" not in page
    assert "Passkey of beveiligingssleutel geaccepteerd" in admins_list
    assert "Code uit de app geaccepteerd" in admins_list


# Removing from the security page


def test_removing_a_passkey_from_the_security_page_comes_back_to_it(spa: Spa) -> None:
    enrolled_rosa(spa)
    add_passkey(spa, SoftAuthenticator(), "YubiKey")
    rosa = spa.browser
    (href,) = re.findall(r'href="([^"]+/remove[^"]*)"', rosa.get("/2fa/security").text)
    confirm = html.unescape(href)
    page = rosa.get(confirm).text
    assert 'href="/2fa/security"' in page  # cancel goes back there too

    removed = rosa.submit(confirm)

    assert location(removed) == "/2fa/security?done=passkey_removed"
    back = rosa.get(location(removed)).text
    assert "YubiKey" not in back
    assert "De passkey is verwijderd." in back


def test_removing_a_trusted_browser_from_the_security_page_comes_back_to_it(
    parts: Parts,
) -> None:
    with browser(parts.app(), parts.clock) as ruben, browser(parts.app(), parts.clock) as rosa:
        ruben.login("ruben")
        ruben.enroll()
        allow_trust(ruben)
        rosa.login("rosa")
        secret, _ = rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")
        rosa.clock.advance(30)
        assert rosa.submit("/2fa/verify", code=rosa.code(secret), trust="on").status_code == 303
        page = rosa.get("/2fa/security").text
        (action,) = set(re.findall(r'<form method="post" action="([^"]+/browsers[^"]*)"', page))
        (trusted,) = re.findall(r'data-trusted-browser="([^"]+)"', page)

        removed = rosa.client.post(
            html.unescape(action),
            data={"csrf_token": rosa.csrf_token("/2fa/security"), "browser": trusted},
        )

        assert location(removed) == "/2fa/security?done=browser_removed"
        back = rosa.get(location(removed)).text
        assert "data-no-trusted-browsers" in back
        assert "Die browser vraagt bij de volgende inlog weer om de code." in back


def test_a_removal_never_goes_back_to_another_site(spa: Spa) -> None:
    enrolled_rosa(spa)
    add_passkey(spa, SoftAuthenticator(), "YubiKey")
    passkey = passkey_id(spa, "YubiKey")
    confirm = f"/2fa/passkeys/{passkey}/remove?next=//evil.example/2fa/security"

    removed = spa.browser.submit(confirm)

    assert location(removed) == "/2fa/passkeys?done=removed"


def test_the_passkeys_page_shows_the_apps_name_too(spa: Spa) -> None:
    enrolled_rosa(spa)
    spa.post("/2fa/app/rename", name="Samsung van Rosa")

    page = spa.browser.get("/2fa/passkeys").text

    assert "Samsung van Rosa" in page
