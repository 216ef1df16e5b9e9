"""A passkey in a real Chromium: Rosa adds one on her page and logs in with it.

Chromium's own virtual authenticator (the DevTools protocol's WebAuthn domain) plays
her phone's passkey: a CTAP2 platform authenticator that keeps the key and verifies
her, so navigator.credentials.create and get run as in a browser at the office.
Passkeys need a host name, so the app is opened at http://localhost:<port>.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from example_app.demo_data import DEMO_PASSWORD
from tests.browser.album import VIEWPORT
from tests.browser.conftest import LOCALES, TIMEOUT_MS
from tests.browser.people import Person
from tests.browser.server import RunningApp, example_app
from tests.ports import owned_port


@pytest.fixture
def passkey_app(tmp_path: Path) -> Iterator[RunningApp]:
    port = owned_port()
    origin = f"http://localhost:{port}"
    with example_app(tmp_path, port=port, options=["--passkeys-origin", origin]) as running:
        yield RunningApp(url=origin, log_path=running.log_path)


def test_rosa_adds_a_passkey_logs_out_and_logs_in_with_it(
    chromium: Browser, passkey_app: RunningApp
) -> None:
    context = chromium.new_context(
        locale=LOCALES["nl"], viewport=VIEWPORT, timezone_id="Europe/Amsterdam"
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        devtools = context.new_cdp_session(page)
        devtools.send("WebAuthn.enable")
        devtools.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
        rosa = Person(username="rosa", page=page, app_url=passkey_app.url)
        rosa.log_in()
        rosa.enrolls()
        rosa.sees_dashboard()

        rosa.open("/2fa/passkeys")
        page.get_by_role("link", name="Passkey of beveiligingssleutel toevoegen").click()
        rosa.type_into("name", "Telefoon Rosa")
        rosa.type_into("password", DEMO_PASSWORD)
        page.get_by_role("button", name="Volgende").click()
        page.get_by_role("button", name="Passkey aanmaken").click()
        rosa.lands_on("/2fa/passkeys")
        expect(page.locator("[data-passkey-name]")).to_have_text(["Telefoon Rosa"])

        rosa.open("/")
        rosa.log_out()
        rosa.log_in()
        rosa.lands_on("/2fa/verify")
        # The app's code stays on offer beside the passkey.
        expect(page.locator('input[name="code"]')).to_be_visible()
        page.get_by_role("button", name="Gebruik een passkey of beveiligingssleutel").click()

        rosa.sees_dashboard()
        assert "Traceback" not in passkey_app.log(), passkey_app.log()
    finally:
        context.close()
