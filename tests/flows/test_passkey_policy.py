"""An office that requires a passkey or security key: of its administrators, or of
everyone. Whoever it applies to and has none is led to add one and reaches nothing else;
whoever has one logs in with it, not with the app's code alone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.api.spa import JSON, Spa
from tests.authenticators import SoftAuthenticator
from tests.flows.test_office import activate_office
from tests.flows.test_trusted_browsers import TRUST_COOKIE, allow_trust
from tests.support import Parts, browser, location

RP_ID = "nextens.test"
ORIGIN = "https://nextens.test"
PASSWORD = "nextens-demo"


@contextmanager
def two_people(parts: Parts, **settings: Any) -> Iterator[tuple[Spa, Spa]]:
    """Ruben (admin of Rotterdam, where it is active) and Rosa, on one app with passkeys."""
    app = parts.app(webauthn_rp_id=RP_ID, webauthn_origins=[ORIGIN], **settings)
    with browser(app, parts.clock) as ruben, browser(app, parts.clock, beside=ruben) as rosa:
        yield Spa(ruben), Spa(rosa)


def require(admin: Spa, applies_to: str) -> None:
    answer = admin.post("/2fa/office/passkeys", applies_to=applies_to, password=PASSWORD)
    assert answer.json() == {"next": f"/2fa/office?done=passkeys-{applies_to}"}, answer.text


def verified(person: Spa, name: str) -> str:
    person.browser.login(name)
    secret, _ = person.enroll()
    return secret


def add_passkey(person: Spa, key: SoftAuthenticator, name: str = "YubiKey") -> Any:
    """Adds ``key`` through the pages; the answer of the last step."""
    answer = person.post("/2fa/passkeys/new", name=name, password=PASSWORD)
    assert answer.status_code == 200, answer.text
    credential = key.create(answer.json()["options"], origin=ORIGIN)
    return person.post("/2fa/passkeys/add", name=name, credential=credential)


def log_in_again(person: Spa, name: str) -> None:
    person.browser.post("/logout")
    person.browser.login(name)


def sent_to(person: Spa, path: str) -> str:
    answer = person.browser.get(path)
    assert answer.status_code == 303, answer.text
    return location(answer)


def test_an_admin_requires_a_passkey_of_everyone_behind_the_password(parts: Parts) -> None:
    with two_people(parts) as (ruben, _):
        verified(ruben, "ruben")
        assert ruben.state("/2fa/office")["passkeys_required_of"] == "off"

        require(ruben, "everyone")

        office = ruben.state("/2fa/office")
        assert office["passkeys_required_of"] == "everyone"
        events = [e["event"] for e in office["events"]]
        assert "passkey_policy_changed" in events


def test_an_app_code_user_is_sent_to_add_a_passkey_and_reaches_nothing_else(
    parts: Parts,
) -> None:
    with two_people(parts) as (ruben, rosa):
        verified(ruben, "ruben")
        require(ruben, "everyone")
        verified(rosa, "rosa")

        assert sent_to(rosa, "/").startswith("/2fa/passkey?next=")
        assert sent_to(rosa, "/2fa/office").startswith("/2fa/passkey?next=")
        api = rosa.get("/")
        assert api.status_code == 401
        assert api.json()["action"] == "passkey"
        assert rosa.state("/2fa/passkey")["applies_to"] == "everyone"

        answer = add_passkey(rosa, SoftAuthenticator())

        assert answer.json() == {"next": "/"}, answer.text
        assert rosa.browser.get("/").status_code == 200


def test_once_she_has_a_passkey_the_code_alone_no_longer_lets_her_in(parts: Parts) -> None:
    with two_people(parts) as (ruben, rosa):
        verified(ruben, "ruben")
        require(ruben, "everyone")
        secret = verified(rosa, "rosa")
        key = SoftAuthenticator()
        add_passkey(rosa, key)

        log_in_again(rosa, "rosa")
        prompt = rosa.state("/2fa/verify")
        assert prompt["code_allowed"] is False
        refused = rosa.post("/2fa/verify", code=rosa.browser.code(secret))
        assert refused.status_code == 409
        assert refused.json()["error"] == "passkey_required"
        assert (
            "reset code" in rosa.browser.get("/2fa/verify", headers={"accept-language": "en"}).text
        )
        assert sent_to(rosa, "/").startswith("/2fa/verify")

        prompt = rosa.state("/2fa/verify")
        answer = rosa.post(
            "/2fa/verify/passkey", credential=key.get(prompt["passkey_options"], origin=ORIGIN)
        )
        assert answer.json() == {"next": "/"}, answer.text
        assert rosa.browser.get("/").status_code == 200


def test_requiring_it_of_admins_leaves_the_other_users_with_their_app_code(
    parts: Parts,
) -> None:
    with two_people(parts) as (ruben, rosa):
        ruben_secret = verified(ruben, "ruben")
        require(ruben, "admins")

        verified(rosa, "rosa")
        assert rosa.browser.get("/").status_code == 200

        log_in_again(ruben, "ruben")
        answer = ruben.post("/2fa/verify", code=ruben.browser.code(ruben_secret))
        assert answer.json() == {"next": "/"}
        assert sent_to(ruben, "/").startswith("/2fa/passkey")
        assert ruben.state("/2fa/passkey")["applies_to"] == "admins"


def test_the_choice_and_the_password_are_checked_before_anything_changes(
    parts: Parts,
) -> None:
    with two_people(parts) as (ruben, _):
        verified(ruben, "ruben")
        for choice in ("", "all", "iedereen", "éveryone", "x" * 200):
            answer = ruben.post("/2fa/office/passkeys", applies_to=choice, password=PASSWORD)
            assert answer.status_code == 400, choice
            assert answer.json().get("field") == "applies_to", (choice[:20], answer.text)
        answer = ruben.post("/2fa/office/passkeys", applies_to="everyone", password="wrong")
        assert answer.status_code == 400
        assert answer.json()["field"] == "password"
        missing_token = ruben.post("/2fa/office/passkeys", token=False, applies_to="everyone")
        assert missing_token.status_code == 403

        assert ruben.state("/2fa/office")["passkeys_required_of"] == "off"


def test_a_user_without_rights_cannot_change_it(parts: Parts) -> None:
    with two_people(parts) as (ruben, rosa):
        verified(ruben, "ruben")
        verified(rosa, "rosa")
        answer = rosa.post("/2fa/office/passkeys", applies_to="off", password=PASSWORD)
        assert answer.status_code == 403
        page = rosa.browser.get("/2fa/office")
        assert "data-passkey-policy-settings" not in page.text
        assert 'data-passkeys-required-of="off"' in page.text


def test_the_setting_is_not_there_when_passkeys_are_off(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as person:
        ruben = Spa(person)
        verified(ruben, "ruben")
        assert ruben.get("/2fa/office/passkeys").status_code == 404
        assert "data-passkey-policy-settings" not in person.get("/2fa/office").text


def test_the_whole_office_group_gets_the_setting_and_the_page_warns_about_it(
    parts: Parts,
) -> None:
    app = parts.app(webauthn_rp_id=RP_ID, webauthn_origins=[ORIGIN])
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as uma:
        activate_office(anna)
        page = anna.get("/2fa/office/passkeys")
        assert "data-linked-offices" in page.text
        assert "Kantoor Utrecht" in page.text

        require(Spa(anna), "everyone")

        uma.login("uma")
        Spa(uma).enroll()
        assert location(uma.get("/")).startswith("/2fa/passkey")


def test_a_trusted_browser_does_not_skip_the_passkey_the_office_requires(
    parts: Parts,
) -> None:
    with two_people(parts) as (ruben, rosa):
        verified(ruben, "ruben")
        allow_trust(ruben.browser)
        secret = verified(rosa, "rosa")
        log_in_again(rosa, "rosa")
        rosa.browser.clock.advance(30)
        trusted = rosa.post("/2fa/verify", code=rosa.browser.code(secret), trust="on")
        assert trusted.json() == {"next": "/"}
        assert rosa.browser.client.cookies.get(TRUST_COOKIE)

        require(ruben, "everyone")
        log_in_again(rosa, "rosa")

        # The trust does not skip the prompt, nor is it offered again.
        prompt = rosa.get("/2fa/verify", **JSON)
        assert prompt.status_code == 200
        assert prompt.json()["trust_days"] is None


def test_her_last_passkey_cannot_be_removed_while_the_office_requires_one(
    parts: Parts,
) -> None:
    with two_people(parts) as (ruben, rosa):
        verified(ruben, "ruben")
        require(ruben, "everyone")
        verified(rosa, "rosa")
        add_passkey(rosa, SoftAuthenticator(), "Telefoon Rosa")
        add_passkey(rosa, SoftAuthenticator(), "YubiKey")
        ids = {p["name"]: p["id"] for p in rosa.state("/2fa/passkeys")["passkeys"]}

        assert rosa.post(f"/2fa/passkeys/{ids['Telefoon Rosa']}/remove").status_code == 200
        refused = rosa.post(f"/2fa/passkeys/{ids['YubiKey']}/remove")

        assert refused.status_code == 409
        assert refused.json()["error"] == "passkey_required"
        assert [p["name"] for p in rosa.state("/2fa/passkeys")["passkeys"]] == ["YubiKey"]


def test_switched_off_meanwhile_the_code_she_gave_counts_again(parts: Parts) -> None:
    with two_people(parts) as (ruben, rosa):
        verified(ruben, "ruben")
        require(ruben, "everyone")
        verified(rosa, "rosa")
        assert sent_to(rosa, "/").startswith("/2fa/passkey")

        require(ruben, "off")

        answer = rosa.browser.get("/2fa/passkey?next=/")
        assert answer.status_code == 303
        assert location(answer) == "/"
        assert rosa.browser.get("/").status_code == 200


@pytest.mark.parametrize("change", ["add", "remove"])
def test_a_new_or_removed_passkey_ends_every_trusted_browser(parts: Parts, change: str) -> None:
    with two_people(parts) as (ruben, rosa):
        verified(ruben, "ruben")
        allow_trust(ruben.browser)
        secret = verified(rosa, "rosa")
        if change == "remove":
            add_passkey(rosa, SoftAuthenticator())
        log_in_again(rosa, "rosa")
        rosa.browser.clock.advance(30)
        rosa.post("/2fa/verify", code=rosa.browser.code(secret), trust="on")
        assert len(rosa.state("/2fa/browsers")["browsers"]) == 1

        if change == "add":
            assert add_passkey(rosa, SoftAuthenticator(), "Sleutel 2").status_code == 200
        else:
            (passkey,) = rosa.state("/2fa/passkeys")["passkeys"]
            assert rosa.post(f"/2fa/passkeys/{passkey['id']}/remove").status_code == 200

        assert rosa.state("/2fa/browsers")["browsers"] == []
        log_in_again(rosa, "rosa")
        assert rosa.browser.get("/2fa/verify").status_code == 200


def test_a_copy_of_a_session_sent_to_add_a_passkey_asks_for_the_code_after_logout(
    parts: Parts,
) -> None:
    with two_people(parts) as (ruben, rosa):
        verified(ruben, "ruben")
        require(ruben, "everyone")
        verified(rosa, "rosa")
        assert sent_to(rosa, "/").startswith("/2fa/passkey")
        cookies = rosa.browser.client.cookies
        copy = dict(cookies.items())

        rosa.browser.post("/logout")
        cookies.clear()
        for name, value in copy.items():
            cookies.set(name, value)

        # The copy neither adds a passkey nor reaches the app: the code first, again.
        assert sent_to(rosa, "/").startswith("/2fa/verify")
        assert rosa.get("/2fa/passkeys/new").status_code == 401
