"""The host's backend cannot answer at all: every method raises. Every page behind the
guard and every guard page is a 503, with no stack trace in the body and no secret in
the logs.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from nextens_guard import BackendError
from nextens_guard.reset_codes import format_reset_code
from tests.middleware.host import APP_HEADER, APP_PAGE, build_host, demo_backend
from tests.support import Parts, browser

from .harness import JSON, UNAVAILABLE

# A credential of the host's own, in the text of the error its driver raises.
LEAKED = "pg-wachtwoord-Zx81q"

PAGES = (
    "/",
    "/api/aangifte",
    "/2fa/enroll",
    "/2fa/enroll/scan",
    "/2fa/enroll/code",
    "/2fa/enroll/finish",
    "/2fa/verify",
    "/2fa/recover",
    "/2fa/office",
    "/2fa/office/activate",
    "/2fa/office/reset-code",
    "/2fa/office/deactivate",
    "/2fa/users",
    "/2fa/users/rosa",
    "/2fa/users/rosa/reset",
)
FORMS = (
    ("/2fa/verify", "code"),
    ("/2fa/recover", "reset_code"),
    ("/2fa/enroll/code", "code"),
    ("/2fa/office/reset-code", "password"),
    ("/2fa/users/rosa/reset", "password"),
)


class Unreachable:
    """The demo backend until :attr:`down` is set; from then on every method raises."""

    def __init__(self, error: Exception) -> None:
        self._target = demo_backend()
        self._error = error
        self.down = False

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not self.down or not callable(value):
            return value

        async def fail(*args: Any, **kwargs: Any) -> Any:
            raise self._error

        return fail


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(BackendError(f"users database down ({LEAKED})"), id="BackendError"),
        pytest.param(
            ConnectionRefusedError(f"connect to users database refused ({LEAKED})"),
            id="driver-error",
        ),
    ],
)
def test_a_backend_that_raises_on_every_method_gets_503_everywhere_and_leaks_nothing(
    parts: Parts, error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = Unreachable(error)
    host = build_host(parts, backend=backend)
    with browser(host.app, parts.clock) as rosa:
        rosa.login("rosa")
        secret, reset_code = rosa.enroll()
        assert APP_PAGE in rosa.get("/").text
        token = rosa.csrf_token("/2fa/office/reset-code")
        secrets = {
            "TOTP secret": secret,
            "reset code": reset_code,
            "grouped reset code": format_reset_code(reset_code),
            "session cookie": rosa.client.cookies["session"],
            "form token": token,
            "host credential": LEAKED,
        }
        caplog.clear()
        backend.down = True

        answers = [(f"GET {path}", rosa.get(path)) for path in PAGES]
        answers += [
            (f"POST {path}", rosa.post(path, data={"csrf_token": token, field: "123456"}))
            for path, field in FORMS
        ]
        answers += [
            (f"GET {path} as JSON", rosa.get(path, headers=JSON))
            for path in ("/", "/api/aangifte", "/2fa/verify")
        ]
        client: TestClient = rosa.client
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws"):
            pass
        assert refused.value.code == 1011

    # Every page is checked before anything fails, so one run shows the whole picture.
    wrong: list[str] = []
    for what, answer in answers:
        if answer.status_code != 503:
            wrong.append(f"{what}: {answer.status_code} instead of 503")
        if APP_PAGE in answer.text or APP_HEADER in answer.headers:
            wrong.append(f"{what}: the host app answered")
        if "Traceback" in answer.text or LEAKED in answer.text:
            wrong.append(f"{what}: the body shows the error")
        if what.endswith("as JSON"):
            if answer.headers.get("content-type") != "application/json":
                wrong.append(f"{what}: not JSON")
            elif answer.json().get("error") != "http_503":
                wrong.append(f"{what}: {answer.json()}")
        elif answer.status_code == 503 and UNAVAILABLE not in answer.text:
            wrong.append(f"{what}: not the 503 page")
    logged = caplog.text + "".join(
        str(record.args) + (record.exc_text or "") for record in caplog.records
    )
    if not caplog.records:
        wrong.append("the outage left no line in the log")
    wrong += [f"the log shows the {name}" for name, value in secrets.items() if value in logged]
    assert not wrong, "\n".join(wrong)
