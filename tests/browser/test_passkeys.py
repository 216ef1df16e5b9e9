"""Passkeys and security keys in a real Chromium: Rosa adds them on her page, logs in
with them, and what was made for another site, asked for by a look-alike site or used
once already is refused.

Chromium's own virtual authenticators (the DevTools protocol's WebAuthn domain) play
her phone's passkey and her YubiKey, so navigator.credentials.create and get run as in
a browser at the office. Passkeys need a host name, so the app is opened at
http://localhost:<port>; another site is a second app with passkeys of its own at
another port, so another origin: the guard takes plain http for localhost alone. The
look-alike site needs no server: the browser's route answers for it.
"""

from __future__ import annotations

import json
import re
from base64 import urlsafe_b64decode
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Browser, CDPSession, Page, Response, expect

from example_app.demo_data import DEMO_PASSWORD
from tests.browser.album import VIEWPORT, Album
from tests.browser.conftest import LOCALES, TIMEOUT_MS
from tests.browser.people import Person
from tests.browser.server import RunningApp, example_app
from tests.ports import owned_port

# A passkey on a phone or laptop: kept on the device, which verifies its owner.
PHONE: dict[str, Any] = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}
# A YubiKey in the USB port: a touch is all it asks, and it keeps no passkey of its own,
# so the page has to name the credential it wants.
YUBIKEY: dict[str, Any] = {
    "protocol": "ctap2",
    "transport": "usb",
    "hasResidentKey": False,
    "hasUserVerification": False,
    "automaticPresenceSimulation": True,
}
_ANSWER = re.compile(r"/2fa/verify/passkey(\?.*)?$")
REFUSED = "De passkey of beveiligingssleutel werd niet geaccepteerd."


@contextmanager
def _passkey_app(folder: Path) -> Iterator[RunningApp]:
    port = owned_port()
    origin = f"http://localhost:{port}"
    folder.mkdir()
    with example_app(folder, port=port, options=["--passkeys-origin", origin]) as running:
        yield RunningApp(url=origin, log_path=running.log_path)


@pytest.fixture
def passkey_app(tmp_path: Path) -> Iterator[RunningApp]:
    with _passkey_app(tmp_path / "nextens") as running:
        yield running


@pytest.fixture
def other_site(tmp_path: Path) -> Iterator[RunningApp]:
    """Another site with passkeys of its own, at an origin that is not Nextens'."""
    with _passkey_app(tmp_path / "other") as running:
        yield running


@pytest.fixture
def page(chromium: Browser, passkey_app: RunningApp) -> Iterator[Page]:
    """One browser window with its WebAuthn domain on; no server may answer with a 5xx."""
    context = chromium.new_context(
        locale=LOCALES["nl"], viewport=VIEWPORT, timezone_id="Europe/Amsterdam"
    )
    context.set_default_timeout(TIMEOUT_MS)
    failures: list[str] = []

    def server_error(response: Response) -> None:
        if response.status >= 500:
            failures.append(f"{response.status} {response.request.method} {response.url}")

    try:
        page = context.new_page()
        page.on("response", server_error)
        yield page
    finally:
        context.close()
    assert not failures, f"server errors: {failures}\n{passkey_app.log()}"
    assert "Traceback" not in passkey_app.log(), passkey_app.log()


def plug_in(page: Page, options: dict[str, Any]) -> tuple[CDPSession, str]:
    """Give the browser an authenticator; the DevTools session and its id."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    added = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return devtools, str(added["authenticatorId"])


def adds_passkey(person: Person, name: str) -> None:
    """From the dashboard: her passkeys page, a name, the password, the browser's dialog."""
    page = person.page
    person.open("/2fa/passkeys")
    page.get_by_role("link", name="Passkey of beveiligingssleutel toevoegen").click()
    person.lands_on("/2fa/passkeys/new")
    person.shot("add")
    person.type_into("name", name)
    person.type_into("password", DEMO_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    create = page.get_by_role("button", name="Passkey aanmaken")
    expect(create).to_be_visible()
    person.shot("create")
    create.click()
    person.lands_on("/2fa/passkeys")
    expect(page.get_by_role("status")).to_contain_text("De passkey is toegevoegd.")


def uses_passkey(person: Person) -> None:
    person.page.get_by_role("button", name="Gebruik een passkey of beveiligingssleutel").click()


def answer_of_a_passkey_login(person: Person, *, let_through: bool) -> str:
    """The answer the browser posts when she uses her passkey at the code prompt, as text
    (the hidden field's JSON); ``let_through=False`` keeps it from the site."""
    page = person.page
    if not let_through:
        # The site never sees it; the browser shows a page that says so.
        page.route(
            _ANSWER,
            lambda route: route.fulfill(
                content_type="text/html", body="<p data-held>Held back</p>"
            ),
        )
    try:
        # Finished, not merely sent: by then the route has answered it, and may go.
        with page.expect_request_finished(
            lambda request: request.method == "POST" and _ANSWER.search(request.url) is not None
        ) as posted:
            uses_passkey(person)
        form = parse_qs(posted.value.post_data or "")
    finally:
        page.unroute(_ANSWER)
    (credential,) = form["credential"]
    return credential


def _padded(base64url: str) -> str:
    return base64url + "=" * (-len(base64url) % 4)


def posts_answer(person: Person, credential: str) -> Response:
    """Post ``credential`` through the prompt's own passkey form, CSRF token and all,
    in place of the browser's dialog."""
    page = person.page
    with page.expect_response(
        lambda response: (
            response.request.method == "POST" and _ANSWER.search(response.url) is not None
        )
    ) as answered:
        # form.submit() fires no submit event: the page's script stays out of it.
        page.locator("form[data-webauthn-form] input[name=credential]").evaluate(
            "(field, credential) => { field.value = credential; field.form.submit(); }",
            credential,
        )
    return answered.value


def is_refused(person: Person, response: Response) -> None:
    """Back on the code prompt with the page's clear message, not an error page."""
    assert response.status == 400, response.status
    person.lands_on("/2fa/verify/passkey")
    expect(person.page.locator("[data-webauthn-status]")).to_contain_text(REFUSED)
    expect(person.page.get_by_role("alert")).to_contain_text(REFUSED)
    # The app's code stays on offer, and the passkey button asks again.
    expect(person.page.locator('input[name="code"]')).to_be_visible()
    expect(
        person.page.get_by_role("button", name="Gebruik een passkey of beveiligingssleutel")
    ).to_be_visible()


def rosa_with_a_passkey(page: Page, app: RunningApp, *, album: Album | None = None) -> Person:
    """Rosa, enrolled with the app, with a passkey on this browser's phone; logged out."""
    plug_in(page, PHONE)
    return rosa_adds_her_passkey(page, app, album=album)


def rosa_adds_her_passkey(page: Page, app: RunningApp, *, album: Album | None = None) -> Person:
    """As rosa_with_a_passkey, on the authenticator the browser has already."""
    rosa = Person(username="rosa", page=page, app_url=app.url)
    rosa.log_in()
    rosa.enrolls()
    rosa.sees_dashboard()
    rosa.album = album
    adds_passkey(rosa, "Telefoon Rosa")
    expect(page.locator("[data-passkey-name]")).to_have_text(["Telefoon Rosa"])
    rosa.shot("list")
    rosa.album = None
    rosa.open("/")
    rosa.log_out()
    return rosa


def test_rosa_adds_a_passkey_logs_out_and_logs_in_with_it(
    page: Page, passkey_app: RunningApp
) -> None:
    album = Album("nl-passkeys")
    rosa = rosa_with_a_passkey(page, passkey_app, album=album)

    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    # The app's code stays on offer beside the passkey.
    expect(page.locator('input[name="code"]')).to_be_visible()
    expect(
        page.get_by_role("button", name="Gebruik een passkey of beveiligingssleutel")
    ).to_be_visible()
    rosa.album = album
    rosa.shot("prompt")
    uses_passkey(rosa)
    rosa.sees_dashboard()

    rosa.open("/2fa/passkeys")
    # The list says it was used.
    expect(page.locator("[data-passkey] td").nth(2).locator("time")).to_have_count(1)


def test_a_passkey_made_for_another_site_does_not_open_nextens(
    page: Page, passkey_app: RunningApp, other_site: RunningApp
) -> None:
    rosa = rosa_with_a_passkey(page, passkey_app)
    # The other site has a Rosa as well, and her browser makes a passkey for it there.
    elsewhere = Person(username="rosa", page=page, app_url=other_site.url)
    elsewhere.log_in()
    elsewhere.enrolls()
    adds_passkey(elsewhere, "Telefoon Rosa")
    elsewhere.open("/")
    elsewhere.log_out()
    elsewhere.log_in()
    elsewhere.lands_on("/2fa/verify")
    foreign = answer_of_a_passkey_login(elsewhere, let_through=False)
    client_data = json.loads(
        urlsafe_b64decode(_padded(json.loads(foreign)["response"]["clientDataJSON"]))
    )
    assert client_data["origin"] == other_site.url
    expect(page.locator("[data-held]")).to_be_visible()

    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    is_refused(rosa, posts_answer(rosa, foreign))
    rosa.open("/")
    rosa.lands_on("/2fa/verify")

    # Her own passkey still opens Nextens.
    uses_passkey(rosa)
    rosa.sees_dashboard()


# A page of the look-alike site: it asks Rosa's browser for an answer to the challenge it
# took from the real prompt, as a relay between her and Nextens would.
_ASK_AS_NEXTENS = """async (options) => {
  const bytes = (text) => Uint8Array.from(
    atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4)),
    (c) => c.charCodeAt(0));
  const text = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const asked = options.publicKey;
  const answer = await navigator.credentials.get({publicKey: {
    ...asked,
    challenge: bytes(asked.challenge),
    allowCredentials: asked.allowCredentials.map((c) => ({type: c.type, id: bytes(c.id)})),
  }});
  const r = answer.response;
  return JSON.stringify({id: answer.id, rawId: text(answer.rawId), type: answer.type, response: {
    clientDataJSON: text(r.clientDataJSON), authenticatorData: text(r.authenticatorData),
    signature: text(r.signature), userHandle: r.userHandle ? text(r.userHandle) : null}});
}"""


def test_her_own_passkey_answering_for_a_look_alike_site_is_refused(
    page: Page, passkey_app: RunningApp
) -> None:
    devtools, phone = plug_in(page, PHONE)
    rosa = rosa_adds_her_passkey(page, passkey_app)
    (passkey,) = devtools.send("WebAuthn.getCredentials", {"authenticatorId": phone})["credentials"]
    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    options = page.locator("form[data-webauthn-form]").get_attribute("data-webauthn-get")
    assert options is not None

    # The look-alike site, at another origin of the same host, in a second tab; her
    # browser holds the same passkey there.
    look_alike = f"http://localhost:{owned_port()}"
    tab = page.context.new_page()
    tab.route(
        re.compile("^" + re.escape(look_alike) + "/"),
        lambda route: route.fulfill(content_type="text/html", body="<title>Nextens</title>"),
    )
    tab_devtools, tab_phone = plug_in(tab, PHONE)
    tab_devtools.send(
        "WebAuthn.addCredential", {"authenticatorId": tab_phone, "credential": passkey}
    )
    tab.goto(look_alike + "/login")
    relayed = tab.evaluate(_ASK_AS_NEXTENS, json.loads(options))
    tab.close()
    client_data = json.loads(
        urlsafe_b64decode(_padded(json.loads(relayed)["response"]["clientDataJSON"]))
    )
    assert client_data["origin"] == look_alike
    assert client_data["challenge"] == json.loads(options)["publicKey"]["challenge"]

    # Her own passkey, the prompt's own challenge: only the origin is wrong.
    is_refused(rosa, posts_answer(rosa, relayed))
    uses_passkey(rosa)
    rosa.sees_dashboard()


def test_a_replayed_passkey_answer_is_refused(page: Page, passkey_app: RunningApp) -> None:
    rosa = rosa_with_a_passkey(page, passkey_app)
    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    answer = answer_of_a_passkey_login(rosa, let_through=True)
    rosa.sees_dashboard()
    rosa.log_out()

    # Someone who copied the answer on its way posts it in a login of their own.
    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    is_refused(rosa, posts_answer(rosa, answer))
    rosa.open("/")
    rosa.lands_on("/2fa/verify")

    # The refused prompt asks with a fresh challenge, which her passkey answers.
    uses_passkey(rosa)
    rosa.sees_dashboard()


def test_a_security_key_and_the_app_code_live_side_by_side(
    page: Page, passkey_app: RunningApp
) -> None:
    devtools, yubikey = plug_in(page, YUBIKEY)
    rosa = Person(username="rosa", page=page, app_url=passkey_app.url)
    rosa.log_in()
    rosa.enrolls()
    rosa.sees_dashboard()
    adds_passkey(rosa, "YubiKey")
    rows = page.locator("[data-passkeys] tbody tr")
    expect(rows.nth(0)).to_have_attribute("data-authenticator", "app")
    expect(page.locator("[data-passkey-name]")).to_have_text(["YubiKey"])
    # The key keeps no passkey of its own: the page names the credential it asks for.
    (credential,) = devtools.send("WebAuthn.getCredentials", {"authenticatorId": yubikey})[
        "credentials"
    ]
    assert credential["isResidentCredential"] is False
    assert credential["rpId"] == "localhost"
    rosa.open("/")
    rosa.log_out()

    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    uses_passkey(rosa)
    rosa.sees_dashboard()
    rosa.log_out()

    rosa.log_in()
    rosa.verifies()
    rosa.sees_dashboard()
    rosa.log_out()

    # And the key once more after the code: neither way used the other up.
    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    uses_passkey(rosa)
    rosa.sees_dashboard()
    signed = devtools.send("WebAuthn.getCredentials", {"authenticatorId": yubikey})
    assert signed["credentials"][0]["signCount"] >= 2


def requires_a_passkey_of_everyone(admin: Person) -> None:
    """An administrator's first login, then the office's passkey rule behind the password."""
    album, admin.album = admin.album, None
    admin.log_in()
    admin.enrolls()
    admin.album = album
    admin.opens_office_settings()
    admin.page.get_by_role("link", name="Passkey verplichten").click()
    admin.lands_on("/2fa/office/passkeys")
    admin.page.get_by_label("Iedere gebruiker van het kantoor").check()
    admin.type_into("password", DEMO_PASSWORD)
    admin.shot("office-setting")
    admin.page.get_by_role("button", name="Opslaan").click()
    admin.lands_on("/2fa/office")
    expect(admin.page.get_by_role("status")).to_have_text(
        "Iedere gebruiker moet nu een passkey of beveiligingssleutel gebruiken."
    )


def test_an_office_requires_a_passkey_and_rosa_adds_hers_after_her_code(
    chromium: Browser, page: Page, passkey_app: RunningApp
) -> None:
    album = Album("nl-passkey-required")
    plug_in(page, PHONE)
    rosa = Person(username="rosa", page=page, app_url=passkey_app.url)
    rosa.log_in()
    rosa.enrolls()
    rosa.log_out()
    office = chromium.new_context(
        locale=LOCALES["nl"], viewport=VIEWPORT, timezone_id="Europe/Amsterdam"
    )
    office.set_default_timeout(TIMEOUT_MS)
    try:
        ruben = Person(
            username="ruben", page=office.new_page(), app_url=passkey_app.url, album=album
        )
        requires_a_passkey_of_everyone(ruben)
    finally:
        office.close()

    # Her code still counts at this login, and leads her to add a passkey first.
    rosa.log_in()
    rosa.verifies()
    rosa.lands_on("/2fa/passkey")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Voeg een passkey of beveiligingssleutel toe"
    )
    expect(page.locator("[data-passkey-required]")).to_have_attribute(
        "data-passkey-required", "everyone"
    )
    rosa.album = album
    rosa.shot("step")
    page.get_by_role("link", name="Passkey of beveiligingssleutel toevoegen").click()
    rosa.lands_on("/2fa/passkeys/new")
    rosa.type_into("name", "Telefoon Rosa")
    rosa.type_into("password", DEMO_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("button", name="Passkey aanmaken").click()
    rosa.sees_dashboard()

    # From now on the passkey lets her in, and her security page tells it from the code.
    rosa.log_out()
    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    uses_passkey(rosa)
    rosa.sees_dashboard()
    rosa.open("/2fa/security")
    expect(page.locator("[data-passkey-name]")).to_have_text(["Telefoon Rosa"])
    how = page.locator("[data-sign-ins] tbody tr")
    expect(how.nth(0)).to_contain_text("Passkey of beveiligingssleutel")
    expect(how.nth(1)).to_contain_text("Code uit de app")
    rosa.album = Album("nl-security")
    rosa.shot("page")
