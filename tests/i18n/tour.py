"""A walk past every guard page, in one language, as the demo users see them.

The walk keeps each page's status and HTML by a readable name, errors included, so
the i18n and accessibility tests judge the pages people actually get.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx

from example_app.demo_data import DEMO_PASSWORD
from tests.authenticators import SoftAuthenticator
from tests.support import Browser, Parts, browser

ACCEPT_LANGUAGE = {"nl": "nl-NL,nl;q=0.9", "en": "en-US,en;q=0.9"}
# Every page the walk keeps, by name; the ones ending in "_error" show a refused field.
PAGES = (
    "enroll_install",
    "enroll_password",
    "enroll_password_error",
    "logout_everywhere",
    "user_logout_everywhere",
    "enroll_scan",
    "enroll_code",
    "enroll_code_error",
    "enroll_finish",
    "verify",
    "verify_error",
    "recover",
    "recover_error",
    "office_user",
    "reset_code_ask",
    "reset_code_error",
    "reset_code_shown",
    "help_sync",
    "not_found",
    "forbidden",
    "office_admin",
    "users",
    "user",
    "user_reset",
    "deactivate",
    "deactivate_error",
    "office_inactive",
    "activate_install",
    "activate_scan",
    "activate_password",
    "activate_password_error",
    "activate_code",
    "activate_finish",
    "office_trust",
    "office_trust_error",
    "verify_trust",
    "trusted_browsers",
    "user_trusted_browsers",
    "passkeys",
    "passkey_new",
    "passkey_new_error",
    "passkey_ready",
    "passkeys_one",
    "passkey_remove",
    "security",
    "passkey_rename",
    "passkey_rename_error",
    "app_rename",
)
# The pages that open the browser's passkey dialog (they load passkeys.js).
PASSKEY_DIALOG_PAGES = ("passkey_ready",)
# The pages that show a reset code.
RESET_CODE_PAGES = ("enroll_finish", "reset_code_shown", "activate_finish")
_RESET_CODE = re.compile(r'data-reset-code="([0-9A-Z]+)"')
PASSKEY_ORIGIN = "https://nextens.test"
PASSKEYS: dict[str, Any] = {"webauthn_rp_id": "nextens.test", "webauthn_origins": [PASSKEY_ORIGIN]}
_CREATE = re.compile(r"data-webauthn-create='([^']+)'")
_PASSKEY_ID = re.compile(r'data-passkey="([^"]+)"')


@dataclass
class Tour:
    language: str
    pages: dict[str, httpx.Response] = field(default_factory=dict)

    def keep(self, name: str, response: httpx.Response, status: int = 200) -> httpx.Response:
        assert response.status_code == status, f"{name}: {response.status_code}"
        assert response.headers["content-type"].startswith("text/html"), name
        self.pages[name] = response
        return response


@contextmanager
def people(
    parts: Parts, language: str, **options: Any
) -> Iterator[tuple[Browser, Browser, Browser]]:
    """rosa, ruben and anna at their own browsers on one app; ``language`` is what their
    browsers ask for ("" for no Accept-Language at all); ``options`` go to the guard."""
    app = parts.app(**options)
    with (
        browser(app, parts.clock) as rosa,
        browser(app, parts.clock, beside=rosa) as ruben,
        browser(app, parts.clock, beside=rosa) as anna,
    ):
        for person in (rosa, ruben, anna):
            if language:
                person.client.headers["Accept-Language"] = ACCEPT_LANGUAGE[language]
        yield rosa, ruben, anna


def enroll(person: Browser, tour: Tour | None = None) -> str:
    """Walk the enrollment, keeping the pages on the way; the TOTP secret."""
    if tour is None:
        return person.enroll()[0]
    tour.keep("enroll_install", person.get("/2fa/enroll"))
    scan = tour.keep("enroll_scan", person.get("/2fa/enroll/scan"))
    secret = re.search(r'data-totp-secret="([A-Z2-7]+)"', scan.text)
    assert secret
    tour.keep("enroll_code", person.get("/2fa/enroll/code"))
    tour.keep("enroll_code_error", person.submit("/2fa/enroll/code", code="12"), 400)
    assert person.submit("/2fa/enroll/code", code=person.code(secret.group(1))).status_code == 303
    tour.keep("enroll_finish", person.get("/2fa/enroll/finish"))
    assert person.submit("/2fa/enroll/finish").status_code == 303
    person.clock.advance(30)
    return secret.group(1)


def walk_passkeys(person: Browser, tour: Tour) -> None:
    """A verified user's passkey pages: the list, adding one, removing it; then the
    security page that lists it, and renaming it and the app."""
    tour.keep("passkeys", person.get("/2fa/passkeys"))
    tour.keep("passkey_new", person.get("/2fa/passkeys/new"))
    tour.keep(
        "passkey_new_error",
        person.submit("/2fa/passkeys/new", name="YubiKey", password="not-it"),
        400,
    )
    ready = tour.keep(
        "passkey_ready",
        person.submit("/2fa/passkeys/new", name="YubiKey", password=DEMO_PASSWORD),
    )
    options = _CREATE.search(ready.text)
    assert options
    credential = SoftAuthenticator().create(
        json.loads(html.unescape(options.group(1))), origin=PASSKEY_ORIGIN
    )
    added = person.client.post(
        "/2fa/passkeys/add",
        data={
            "csrf_token": person.csrf_token("/2fa/passkeys/new"),
            "name": "YubiKey",
            "credential": credential,
        },
    )
    assert added.status_code == 303, added.text
    listed = tour.keep("passkeys_one", person.get("/2fa/passkeys"))
    passkey_id = _PASSKEY_ID.search(listed.text)
    assert passkey_id
    tour.keep("passkey_remove", person.get(f"/2fa/passkeys/{passkey_id.group(1)}/remove"))
    tour.keep("security", person.get("/2fa/security"))
    rename = f"/2fa/passkeys/{passkey_id.group(1)}/rename"
    tour.keep("passkey_rename", person.get(rename))
    tour.keep("passkey_rename_error", person.submit(rename, name="x" * 61), 400)
    tour.keep("app_rename", person.get("/2fa/app/rename"))


def walk(parts: Parts, language: str) -> Tour:
    tour = Tour(language)
    with people(parts, language, **PASSKEYS) as (rosa, ruben, anna):
        # rosa: Rotterdam has two-step verification on; she enrolls, logs in again, looks
        # at her reset code.
        rosa.login("rosa")
        rosa_secret = enroll(rosa, tour)
        rosa.post("/logout")
        rosa.login("rosa")
        tour.keep("verify", rosa.get("/2fa/verify"))
        tour.keep("verify_error", rosa.submit("/2fa/verify", code="000000x"), 400)
        tour.keep("recover", rosa.get("/2fa/recover"))
        tour.keep("recover_error", rosa.submit("/2fa/recover", reset_code="nope"), 400)
        assert rosa.verify(rosa_secret).status_code == 303
        tour.keep("office_user", rosa.get("/2fa/office"))
        tour.keep("reset_code_ask", rosa.get("/2fa/office/reset-code"))
        tour.keep(
            "reset_code_error",
            rosa.submit("/2fa/office/reset-code", password="not-it"),
            400,
        )
        shown = tour.keep(
            "reset_code_shown", rosa.submit("/2fa/office/reset-code", password=DEMO_PASSWORD)
        )
        assert _RESET_CODE.search(shown.text)
        tour.keep("help_sync", rosa.get("/2fa/help/sync"))
        tour.keep("not_found", rosa.get("/2fa/no-such-page"), 404)
        tour.keep("forbidden", rosa.get("/2fa/users"), 403)
        walk_passkeys(rosa, tour)

        # ruben manages Rotterdam's users.
        ruben.login("ruben")
        ruben_secret = enroll(ruben)
        tour.keep("office_admin", ruben.get("/2fa/office"))
        tour.keep("users", ruben.get("/2fa/users"))
        tour.keep("user", ruben.get("/2fa/users/rosa"))
        tour.keep("user_reset", ruben.get("/2fa/users/rosa/reset"))
        tour.keep("deactivate", ruben.get("/2fa/office/deactivate"))
        tour.keep("deactivate_error", ruben.submit("/2fa/office/deactivate", password=""), 400)
        tour.keep("logout_everywhere", rosa.get("/2fa/logout-everywhere"))
        tour.keep("user_logout_everywhere", ruben.get("/2fa/users/rosa/logout-everywhere"))
        # Reset after rosa logged in: her login must show the password to bind a phone.
        assert ruben.submit("/2fa/users/rosa/reset").status_code == 303
        tour.keep("enroll_password", rosa.get("/2fa/enroll/password"))
        tour.keep(
            "enroll_password_error", rosa.submit("/2fa/enroll/password", password="not-it"), 400
        )

        trust_browsers(tour, ruben, ruben_secret)

        # anna switches it on for Amsterdam and Utrecht.
        anna.login("anna")
        tour.keep("office_inactive", anna.get("/2fa/office"))
        tour.keep("activate_install", anna.get("/2fa/office/activate"))
        secret = re.search(
            r'data-totp-secret="([A-Z2-7]+)"',
            tour.keep("activate_scan", anna.get("/2fa/office/activate/scan")).text,
        )
        assert secret
        tour.keep("activate_password", anna.get("/2fa/office/activate/password"))
        tour.keep(
            "activate_password_error",
            anna.submit("/2fa/office/activate/password", password="wrong"),
            400,
        )
        assert (
            anna.submit("/2fa/office/activate/password", password=DEMO_PASSWORD).status_code == 303
        )
        tour.keep("activate_code", anna.get("/2fa/office/activate/code"))
        code = anna.code(secret.group(1))
        assert anna.submit("/2fa/office/activate/code", code=code).status_code == 303
        tour.keep("activate_finish", anna.get("/2fa/office/activate/finish"))
    return tour


def trust_browsers(tour: Tour, ruben: Browser, secret: str) -> None:
    """Ruben allows trusted browsers for Rotterdam; his next login offers it, he takes it."""
    tour.keep("office_trust", ruben.get("/2fa/office/trust"))
    tour.keep(
        "office_trust_error",
        ruben.submit("/2fa/office/trust", trust="on", trust_days="31", password=DEMO_PASSWORD),
        400,
    )
    assert (
        ruben.submit(
            "/2fa/office/trust", trust="on", trust_days="7", password=DEMO_PASSWORD
        ).status_code
        == 303
    )
    ruben.post("/logout")
    ruben.login("ruben")
    tour.keep("verify_trust", ruben.get("/2fa/verify"))
    ruben.clock.advance(30)
    trusted = ruben.submit("/2fa/verify", code=ruben.code(secret), trust="on")
    assert trusted.status_code == 303
    tour.keep("trusted_browsers", ruben.get("/2fa/browsers"))
    tour.keep("user_trusted_browsers", ruben.get("/2fa/users/rosa/browsers"))
