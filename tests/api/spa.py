"""A single-page app as a test sees it: JSON out, JSON in, the form token from a GET."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx

from tests.support import Browser

JSON = {"accept": "application/json"}


class Spa:
    """A person whose browser runs a single-page app: every call asks for JSON."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser

    def get(self, path: str, **headers: str) -> httpx.Response:
        return self.browser.get(path, headers={**JSON, **headers})

    def state(self, path: str) -> dict[str, Any]:
        """The state of the page at ``path``, which must be a page."""
        answer = self.get(path)
        assert answer.status_code == 200, answer.text
        state: dict[str, Any] = answer.json()
        return state

    def token(self) -> str:
        """The form token, as an app reads it from any page: here the help, open to anyone."""
        token: str = self.state("/2fa/help/sync")["csrf_token"]
        return token

    def post(self, path: str, *, token: bool = True, **fields: Any) -> httpx.Response:
        """``fields`` as a JSON body, with this session's token in the body unless told not."""
        body = {"csrf_token": self.token(), **fields} if token else fields
        return self.browser.post(path, json=body, headers=JSON)

    def enroll(self) -> tuple[str, str]:
        """Walk the enrollment through JSON: the secret and the reset code."""
        secret: str = self.state("/2fa/enroll/scan")["secret"]
        answer = self.post("/2fa/enroll/code", code=self.browser.code(secret))
        assert answer.json() == {"next": "/2fa/enroll/finish"}, answer.text
        reset_code: str = self.state("/2fa/enroll/finish")["reset_code"]
        assert self.post("/2fa/enroll/finish").status_code == 200
        self.browser.clock.advance(30)
        return secret, reset_code
