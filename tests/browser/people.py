"""People at a real browser, each with a phone that runs an authenticator app."""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from example_app.demo_data import DEMO_PASSWORD
from tests.browser.album import Album

STEP_SECONDS = 30
# The guard names a code this many steps off as a clock problem; a wrong code stays
# clear of them so it reads as plainly wrong.
_DRIFT_HINT_STEPS = 10

# What the buttons and links say, as a person reads them in each language.
WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "next": "Volgende",
        "activate": "Activeren",
        "check": "Controleren",
        "confirm": "Bevestigen",
        "lost": "Twee staps verificatie code kwijt?",
        "set_up_again": "Reset",
        "continue": "Verder naar Nextens",
        "back_to_code": "Terug naar de code",
        "switch_on": "Twee staps verificatie activeren",
        "deactivate": "Deactiveren",
        "view_reset_code": "Bekijk reset code",
        "users": "Gebruikers en hun twee staps verificatie",
        "reset_user": "Twee staps verificatie resetten",
        "reset_yes": "Resetten",
        "settings": "Instellingen > Gebruikersbeheer > Twee staps verificatie",
        "help_sync": "Codes worden niet geaccepteerd? Zet de klok van uw telefoon gelijk.",
        "log_in": "Inloggen",
        "log_out": "Uitloggen",
    },
    "en": {
        "next": "Next",
        "activate": "Activate",
        "check": "Verify",
        "confirm": "Confirm",
        "lost": "Lost your two-step verification code?",
        "set_up_again": "Reset",
        "continue": "Continue to Nextens",
        "back_to_code": "Back to the code",
        "switch_on": "Switch on two-step verification",
        "deactivate": "Deactivate",
        "view_reset_code": "View reset code",
        "users": "Users and their two-step verification",
        "reset_user": "Reset two-step verification",
        "reset_yes": "Reset",
        "settings": "Settings > User management > Two-step verification",
        "help_sync": "Codes not accepted? Set your phone's clock right.",
        "log_in": "Log in",
        "log_out": "Log out",
    },
}


def _step_now() -> int:
    return int(time.time() // STEP_SECONDS)


class Phone:
    """An authenticator app: it reads the QR code off the screen, as a phone's camera does,
    and shows the codes of the account it holds."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self._last_step = -1

    def scan(self, qr_png: bytes, *, username: str) -> str:
        results = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png)))
        assert len(results) == 1, f"{len(results)} QR codes found on the screen"
        uri = urlsplit(results[0].text)
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp"), results[0].text
        assert unquote(uri.path) == f"/Nextens:{username}"
        query = parse_qs(uri.query)
        assert query["issuer"] == ["Nextens"]
        (secret,) = query["secret"]
        self.secret = secret
        return secret

    def _totp(self) -> pyotp.TOTP:
        assert self.secret is not None, "the phone has not scanned a QR code yet"
        return pyotp.TOTP(self.secret)

    def code(self) -> str:
        """A code for a time step no earlier code of this person was made for.

        The guard takes each step's code once per user, and also the code of the step
        after the current one (a phone whose clock runs a little fast). So the second
        code within one 30 s step is the next step's; only a third one waits.
        """
        step = max(_step_now(), self._last_step + 1)
        while step > _step_now() + 1:
            time.sleep(max(0.05, (step - 1) * STEP_SECONDS - time.time() + 0.05))
        self._last_step = step
        return str(self._totp().at(step * STEP_SECONDS))

    def code_of(self, secret: str) -> str:
        """What an app still holding ``secret`` shows now."""
        return str(pyotp.TOTP(secret).now())

    def wrong_code(self) -> str:
        """Six digits this account shows at no time near now."""
        totp, now = self._totp(), _step_now()
        near = {
            totp.at((now + offset) * STEP_SECONDS)
            for offset in range(-_DRIFT_HINT_STEPS - 2, _DRIFT_HINT_STEPS + 3)
        }
        return next(code for code in ("000000", "111111", "222222") if code not in near)


@dataclass
class Person:
    """One user in their own browser window (a fresh browser context)."""

    username: str
    page: Page
    app_url: str
    language: str = "nl"
    album: Album | None = None
    phone: Phone = field(default_factory=Phone)
    reset_code: str | None = None

    @property
    def words(self) -> dict[str, str]:
        return WORDS[self.language]

    def open(self, path: str) -> None:
        self.page.goto(self.app_url + path)

    def lands_on(self, path: str) -> None:
        """Wait until the browser shows ``path`` (whatever its query string)."""
        pattern = re.escape(self.app_url + path) + r"(\?.*)?$"
        expect(self.page).to_have_url(re.compile(pattern))

    def shot(self, name: str) -> None:
        if self.album is not None:
            self.album.take(self.page, name)

    def click(self, word: str, *, role: Literal["button", "link"] = "button") -> None:
        """Click the button (or link) that says ``self.words[word]``."""
        self.page.get_by_role(role, name=self.words[word], exact=True).click()

    def type_into(self, name: str, text: str) -> None:
        self.page.locator(f'input[name="{name}"]').fill(text)

    def error_says(self, text: str) -> None:
        expect(self.page.get_by_role("alert")).to_contain_text(text)

    # The example app's own pages

    def log_in(self, password: str = DEMO_PASSWORD, *, shot: bool = False) -> None:
        self.open("/login")
        self.type_into("username", self.username)
        self.type_into("password", password)
        if shot:
            self.shot("login")
        self.click("log_in")
        self.page.wait_for_load_state()

    def sees_dashboard(self) -> None:
        self.lands_on("/")
        expect(self.page.locator("body")).to_have_attribute("data-app-page", "dashboard")
        expect(self.page.locator("[data-user]")).to_have_attribute("data-user", self.username)

    def log_out(self) -> None:
        self.sees_dashboard()
        self.click("log_out")
        self.lands_on("/login")

    # Guard pages

    def scans_the_qr_code(self) -> str:
        """Point the phone at the QR code on the screen; the key shown beside it is the same."""
        qr = self.page.locator("[data-qr]")
        expect(qr).to_be_visible()
        secret = self.phone.scan(qr.screenshot(animations="disabled"), username=self.username)
        key = self.page.locator("[data-totp-secret]")
        expect(key).to_have_attribute("data-totp-secret", secret)
        expect(key).to_have_text(" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)))
        return secret

    def notes_the_reset_code(self) -> str:
        shown = self.page.locator("[data-reset-code]")
        expect(shown).to_be_visible()
        code = shown.get_attribute("data-reset-code")
        assert code is not None
        # 24 characters since reset codes carry 120 bits.
        assert re.fullmatch(r"[0-9A-Z]{24}", code), code
        self.reset_code = code
        return code

    def enrolls(self) -> str:
        """The manual's enrollment steps, from the first page to "Activeren"; the
        reset code noted on the way."""
        self.lands_on("/2fa/enroll")
        self.shot("install")
        self.click("next", role="link")
        self.lands_on("/2fa/enroll/scan")
        self.shot("scan")
        self.scans_the_qr_code()
        self.click("next", role="link")
        self.lands_on("/2fa/enroll/code")
        self.type_into("code", self.phone.code())
        self.shot("code")
        self.click("next")
        self.lands_on("/2fa/enroll/finish")
        code = self.notes_the_reset_code()
        self.shot("reset-code")
        self.click("activate")
        # Her own "Activeren" is confirmed before she goes on.
        self.lands_on("/2fa/done")
        self.shot("done")
        self.click("continue", role="link")
        return code

    def verifies(self) -> None:
        self.lands_on("/2fa/verify")
        self.type_into("code", self.phone.code())
        self.click("check")

    def opens_office_settings(self) -> None:
        """From the dashboard: Instellingen > Gebruikersbeheer > Twee staps verificatie."""
        self.sees_dashboard()
        self.page.get_by_role("link", name=self.words["settings"]).click()
        self.lands_on("/2fa/office")

    def office_status(self) -> str | None:
        return self.page.locator("[data-office-status]").get_attribute("data-office-status")

    def activates_the_office(self, *, password: str = DEMO_PASSWORD) -> str:
        """The five-step wizard, from the office page to "Activeren"; the reset code."""
        self.lands_on("/2fa/office")
        self.click("switch_on", role="link")
        self.lands_on("/2fa/office/activate")
        self.shot("install")
        self.click("next", role="link")
        self.lands_on("/2fa/office/activate/scan")
        self.shot("scan")
        self.scans_the_qr_code()
        self.click("next", role="link")
        self.lands_on("/2fa/office/activate/password")
        self.type_into("password", password)
        self.shot("password")
        self.click("next")
        self.lands_on("/2fa/office/activate/code")
        self.type_into("code", self.phone.code())
        self.shot("code")
        self.click("next")
        self.lands_on("/2fa/office/activate/finish")
        code = self.notes_the_reset_code()
        self.shot("reset-code")
        self.click("activate")
        self.lands_on("/2fa/office")
        return code
