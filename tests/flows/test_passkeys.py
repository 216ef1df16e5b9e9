"""Passkeys and security keys beside the app's codes, as a user and a browser meet them.

The authenticator is a software one (tests/authenticators.py): real keys, real
signatures, so every check of the guard and of the fido2 library runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from nextens_guard.store.sql import SQLStore
from tests.api.spa import Spa
from tests.authenticators import SoftAuthenticator
from tests.flows.logins import log_in_again
from tests.support import Parts, browser, location

RP_ID = "nextens.test"
ORIGIN = "https://nextens.test"


@pytest.fixture
def spa(parts: Parts) -> Iterator[Spa]:
    app = parts.app(webauthn_rp_id=RP_ID, webauthn_origins=[ORIGIN])
    with browser(app, parts.clock) as person:
        yield Spa(person)


def enrolled_rosa(spa: Spa) -> str:
    """Rosa, whose office requires two-step verification, set up with the app."""
    spa.browser.login("rosa")
    secret, _ = spa.enroll()
    return secret


def creation_options(spa: Spa, name: str = "Telefoon Rosa") -> dict[str, Any]:
    answer = spa.post("/2fa/passkeys/new", name=name, password="nextens-demo")
    assert answer.status_code == 200, answer.text
    options: dict[str, Any] = answer.json()["options"]
    return options


def add_passkey(spa: Spa, key: SoftAuthenticator, name: str = "Telefoon Rosa") -> None:
    credential = key.create(creation_options(spa, name), origin=ORIGIN)
    answer = spa.post("/2fa/passkeys/add", name=name, credential=credential)
    assert answer.json() == {"next": "/2fa/passkeys?done=added"}, answer.text


def prompt_again(spa: Spa) -> dict[str, Any]:
    """Rosa's next login: the code prompt's state, with a fresh passkey challenge."""
    log_in_again(spa.browser, "rosa")
    return spa.state("/2fa/verify")


def answer_prompt(spa: Spa, credential: str) -> Any:
    return spa.post("/2fa/verify/passkey", credential=credential)


def test_rosa_adds_a_passkey_and_logs_in_with_it_instead_of_the_code(spa: Spa) -> None:
    enrolled_rosa(spa)
    key = SoftAuthenticator()
    add_passkey(spa, key)

    listed = spa.state("/2fa/passkeys")["passkeys"]
    assert [(p["name"], p["last_used_at"]) for p in listed] == [("Telefoon Rosa", None)]

    prompt = prompt_again(spa)
    assert prompt["passkey_options"]["publicKey"]["rpId"] == RP_ID
    answer = answer_prompt(spa, key.get(prompt["passkey_options"], origin=ORIGIN))

    assert answer.json() == {"next": "/"}, answer.text
    assert spa.browser.get("/").status_code == 200
    (used,) = spa.state("/2fa/passkeys")["passkeys"]
    assert used["last_used_at"] is not None


def test_the_app_code_and_a_security_key_work_side_by_side(spa: Spa) -> None:
    secret = enrolled_rosa(spa)
    key = SoftAuthenticator()
    add_passkey(spa, key, "YubiKey")

    prompt = prompt_again(spa)
    # The prompt offers the key and still takes the code.
    assert prompt["passkey_options"] is not None
    assert spa.post("/2fa/verify", code=spa.browser.code(secret)).json() == {"next": "/"}

    prompt = prompt_again(spa)
    answer = answer_prompt(spa, key.get(prompt["passkey_options"], origin=ORIGIN))
    assert answer.json() == {"next": "/"}


def test_adding_a_passkey_needs_the_password_again(spa: Spa) -> None:
    enrolled_rosa(spa)

    answer = spa.post("/2fa/passkeys/new", name="Telefoon Rosa", password="wrong")

    assert answer.status_code == 400
    assert answer.json()["error"] == "password_wrong"
    assert spa.state("/2fa/passkeys/new")["options"] is None


def test_a_passkey_made_on_a_phishing_site_is_not_added(spa: Spa) -> None:
    enrolled_rosa(spa)
    key = SoftAuthenticator()
    credential = key.create(creation_options(spa), origin="https://nextens-login.example")

    answer = spa.post("/2fa/passkeys/add", name="Telefoon Rosa", credential=credential)

    assert answer.status_code == 400
    assert answer.json()["error"] == "passkey_rejected"
    assert spa.state("/2fa/passkeys")["passkeys"] == []


def test_an_answer_for_a_phishing_origin_is_refused(spa: Spa) -> None:
    enrolled_rosa(spa)
    key = SoftAuthenticator()
    add_passkey(spa, key)

    prompt = prompt_again(spa)
    answer = answer_prompt(
        spa, key.get(prompt["passkey_options"], origin="https://nextens-login.example")
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "passkey_rejected"
    assert location(spa.browser.get("/")).startswith("/2fa/verify")


def test_an_answer_for_another_rp_id_is_refused(spa: Spa) -> None:
    enrolled_rosa(spa)
    key = SoftAuthenticator()
    add_passkey(spa, key)

    prompt = prompt_again(spa)
    answer = answer_prompt(
        spa, key.get(prompt["passkey_options"], origin=ORIGIN, rp_id="evil.test")
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "passkey_rejected"
    assert location(spa.browser.get("/")).startswith("/2fa/verify")


def test_a_replayed_answer_is_refused_even_with_a_copy_of_the_old_cookie(spa: Spa) -> None:
    enrolled_rosa(spa)
    key = SoftAuthenticator(keeps_counter=False)
    add_passkey(spa, key)
    prompt = prompt_again(spa)
    credential = key.get(prompt["passkey_options"], origin=ORIGIN)
    cookies = spa.browser.client.cookies
    before = dict(cookies.items())
    assert answer_prompt(spa, credential).json() == {"next": "/"}

    # The session cookie as it was before the answer, and the same answer again: its
    # challenge was used once already, on every process.
    cookies.clear()
    for name, value in before.items():
        cookies.set(name, value)
    answer = answer_prompt(spa, credential)

    assert answer.status_code == 409
    assert answer.json()["error"] == "passkey_expired"
    assert location(spa.browser.get("/")).startswith("/2fa/verify")


def test_an_answer_to_an_old_challenge_is_refused_in_a_new_login(spa: Spa) -> None:
    enrolled_rosa(spa)
    key = SoftAuthenticator(keeps_counter=False)
    add_passkey(spa, key)
    prompt = prompt_again(spa)
    credential = key.get(prompt["passkey_options"], origin=ORIGIN)
    assert answer_prompt(spa, credential).json() == {"next": "/"}

    prompt_again(spa)
    answer = answer_prompt(spa, credential)

    assert answer.status_code == 400
    assert answer.json()["error"] == "passkey_rejected"


def test_a_counter_that_goes_back_marks_a_cloned_key_refused_and_logged(
    spa: Spa, parts: Parts
) -> None:
    enrolled_rosa(spa)
    key = SoftAuthenticator()
    add_passkey(spa, key)
    copy = key.clone()
    prompt = prompt_again(spa)
    assert answer_prompt(spa, key.get(prompt["passkey_options"], origin=ORIGIN)).json() == {
        "next": "/"
    }

    prompt = prompt_again(spa)
    answer = answer_prompt(spa, copy.get(prompt["passkey_options"], origin=ORIGIN))

    assert answer.status_code == 400
    assert answer.json()["error"] == "passkey_cloned"
    assert location(spa.browser.get("/")).startswith("/2fa/verify")
    store: SQLStore = spa.browser.client.app.guard.store  # type: ignore[attr-defined]
    events = spa.browser.client.portal.call(  # type: ignore[union-attr]
        lambda: store.events_after(None, user_id="rosa")
    )
    assert "authenticator_cloned" in [e.event for e in events]


def test_a_malformed_answer_is_a_clear_refusal(spa: Spa) -> None:
    enrolled_rosa(spa)
    add_passkey(spa, SoftAuthenticator())
    for junk in ("", "{", "[]", '{"id": 1}', "x" * 1500):
        prompt_again(spa)
        answer = answer_prompt(spa, junk)
        assert answer.status_code in {400, 409}, (junk, answer.text)
        assert answer.json()["error"].startswith("passkey_")


def test_rosa_removes_a_passkey_after_confirming(spa: Spa) -> None:
    enrolled_rosa(spa)
    add_passkey(spa, SoftAuthenticator())
    (passkey,) = spa.state("/2fa/passkeys")["passkeys"]
    confirm = spa.state(f"/2fa/passkeys/{passkey['id']}/remove")
    assert confirm["passkey"]["name"] == "Telefoon Rosa"

    answer = spa.post(f"/2fa/passkeys/{passkey['id']}/remove")

    assert answer.json() == {"next": "/2fa/passkeys?done=removed"}
    assert spa.state("/2fa/passkeys")["passkeys"] == []
    assert prompt_again(spa)["passkey_options"] is None


def test_a_reset_or_a_recovery_removes_her_passkeys_with_the_app(spa: Spa) -> None:
    enrolled_rosa(spa)
    add_passkey(spa, SoftAuthenticator())
    guard = spa.browser.client.app.guard  # type: ignore[attr-defined]
    portal = spa.browser.client.portal
    assert portal is not None
    ruben = portal.call(guard.backend.get_user, "ruben")
    rosa = portal.call(guard.backend.get_user, "rosa")

    # Ruben's reset from her profile, as the manual describes it.
    portal.call(guard.office.reset_user, ruben, rosa, "192.0.2.1")

    assert portal.call(guard.store.list_passkeys, "rosa") == []
    # She sets up the app again and adds a new key; her recovery removes that one too.
    spa.browser.post("/logout")
    spa.browser.login("rosa")
    _, reset_code = spa.enroll()
    add_passkey(spa, SoftAuthenticator())
    prompt = prompt_again(spa)
    assert prompt["passkey_options"] is not None

    recovered = spa.post("/2fa/recover", reset_code=reset_code)

    assert recovered.json() == {"next": "/2fa/enroll"}, recovered.text
    assert portal.call(guard.store.list_passkeys, "rosa") == []


def test_with_the_app_beside_it_the_only_passkey_may_go(spa: Spa) -> None:
    enrolled_rosa(spa)
    add_passkey(spa, SoftAuthenticator())
    (passkey,) = spa.state("/2fa/passkeys")["passkeys"]

    answer = spa.post(f"/2fa/passkeys/{passkey['id']}/remove")

    assert answer.status_code == 200, answer.text


def test_passkey_pages_are_not_there_when_passkeys_are_off(parts: Parts) -> None:
    with browser(parts.app(), parts.clock) as person:
        spa = Spa(person)
        enrolled_rosa(spa)
        assert spa.get("/2fa/passkeys").status_code == 404


def test_a_refused_answer_shows_a_browser_the_prompt_again(parts: Parts) -> None:
    app = parts.app(webauthn_rp_id=RP_ID, webauthn_origins=[ORIGIN])
    with browser(app, parts.clock) as rosa:
        spa = Spa(rosa)
        enrolled_rosa(spa)
        add_passkey(spa, SoftAuthenticator())
        log_in_again(rosa, "rosa")
        assert rosa.get("/2fa/verify/passkey").status_code == 200

        answer = rosa.submit("/2fa/verify/passkey", credential='{"id": 1}')

    # The page, not a server error: its message, the code field and the passkey button.
    assert answer.status_code == 400, answer.text
    assert "werd niet geaccepteerd" in answer.text
    assert 'name="code"' in answer.text
    assert "data-webauthn-get" in answer.text
