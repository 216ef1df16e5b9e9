"""API clients of the fastapi-users host: a bearer token meets the second step as a
browser does, over the guard's JSON answers, and never gets a redirect to a page.

A token is usable only after the code was given with it: the guard keeps its state per
token, so a token from a password alone has none, whatever the client did before.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import httpx2 as httpx
import pyotp
import pytest
from fastapi_users.jwt import generate_jwt
from starlette.testclient import TestClient

from bench.fleet import Calls
from example_app.app import ExampleApp
from example_app.demo_data import DEMO_PASSWORD
from example_fastapi_users.guard_backend import FastAPIUsersBackend
from example_fastapi_users.users import AUDIENCE, Login, demo_user_id
from nextens_guard import GuardError
from tests.second_host.test_fastapi_users_host import (
    fastapi_users_app,
    https_client,
    log_in,
    person,
)
from tests.support import BROWSER_ACCEPT, Browser, Parts, browser

JSON = {"accept": "application/json"}


class ApiClient:
    """A program calling the API with a bearer token: ``Accept: */*``, as curl and httpx
    send it, and JSON bodies."""

    def __init__(self, client: TestClient, clock: Any) -> None:
        self.client = client
        self.clock = clock
        self.token = ""

    def log_in(self, username: str = "rosa", password: str = DEMO_PASSWORD) -> None:
        answer = self.client.post(
            "/auth/jwt/login", data={"username": f"{username}@example.nl", "password": password}
        )
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["access_token"]

    @property
    def bearer(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    def get(self, path: str, **headers: str) -> httpx.Response:
        return self.client.get(path, headers={**self.bearer, **headers})

    def state(self, path: str) -> dict[str, Any]:
        answer = self.get(path, **JSON)
        assert answer.status_code == 200, answer.text
        state: dict[str, Any] = answer.json()
        return state

    def post(self, path: str, **fields: str) -> httpx.Response:
        token = self.state("/2fa/help/sync")["csrf_token"]
        return self.client.post(
            path, json={"csrf_token": token, **fields}, headers={**self.bearer, **JSON}
        )

    def code(self, secret: str) -> str:
        return pyotp.TOTP(secret).at(self.clock.now)


@contextmanager
def api_client(
    app: ExampleApp, parts: Parts, *, beside: Browser | None = None
) -> Iterator[ApiClient]:
    with https_client(app, beside=beside) as client:
        yield ApiClient(client, parts.clock)


def enrolled_rosa(rosa: Browser) -> str:
    log_in(rosa)
    secret, _ = rosa.enroll()
    return secret


def verified_program(rosa: Browser, program: ApiClient) -> None:
    """Rosa enrolls her phone in the browser; the program logs in as her and gives a code
    with its token, which then reaches the API."""
    secret = enrolled_rosa(rosa)
    program.clock.advance(30)
    program.log_in()
    assert program.post("/2fa/verify", code=program.code(secret)).status_code == 200
    assert program.get("/api/aangiften").status_code == 200


def test_a_bearer_call_before_the_code_gets_json_and_never_a_redirect(parts: Parts) -> None:
    app = fastapi_users_app(parts)
    with person(app, parts) as rosa, api_client(app, parts, beside=rosa) as program:
        enrolled_rosa(rosa)
        program.log_in()

        for accept in ("*/*", BROWSER_ACCEPT):
            answer = program.get("/api/aangiften", accept=accept)
            assert answer.status_code == 401, accept
            assert answer.json()["error"] == "two_factor_required"
            assert answer.json()["action"] == "verify"
            assert "location" not in answer.headers


def test_only_a_browser_asking_for_html_is_sent_to_the_code_page(parts: Parts) -> None:
    app = fastapi_users_app(parts)
    with person(app, parts) as rosa:
        enrolled_rosa(rosa)
        rosa.post("/auth/cookie/logout")
        log_in(rosa)

        assert rosa.get("/users/me").status_code == 401
        answer = rosa.get("/users/me", headers={"accept": BROWSER_ACCEPT})
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/2fa/verify")


def test_an_api_client_gives_the_code_with_its_token_and_the_token_then_reaches_the_api(
    parts: Parts,
) -> None:
    app = fastapi_users_app(parts)
    with person(app, parts) as rosa, api_client(app, parts, beside=rosa) as program:
        secret = enrolled_rosa(rosa)
        parts.clock.advance(30)
        program.log_in()

        answer = program.post("/2fa/verify", code=program.code(secret))
        assert answer.status_code == 200, answer.text
        assert program.get("/api/aangiften").status_code == 200
        assert program.get("/users/me").json()["email"] == "rosa@example.nl"


def test_a_second_token_from_a_password_alone_waits_for_its_own_code(parts: Parts) -> None:
    app = fastapi_users_app(parts)
    with (
        person(app, parts) as rosa,
        api_client(app, parts, beside=rosa) as program,
        api_client(app, parts, beside=rosa) as other,
    ):
        verified_program(rosa, program)

        other.log_in()
        assert other.get("/api/aangiften").status_code == 401
        # Not even beside the verified token's cookies, had it any.
        other.client.cookies = httpx.Cookies(program.client.cookies)
        assert other.get("/api/aangiften").status_code == 401


def test_an_api_client_enrolls_a_phone_after_typing_its_password(parts: Parts) -> None:
    app = fastapi_users_app(parts)
    with api_client(app, parts) as program:
        program.log_in()
        answer = program.get("/api/aangiften")
        assert answer.json()["action"] == "enroll"

        # The guard did not see this token being made: the password comes first.
        scan = program.get("/2fa/enroll/scan", **JSON)
        assert scan.status_code == 409
        assert scan.json()["next"].startswith("/2fa/enroll/password")
        assert program.post("/2fa/enroll/password", password="wrong").status_code == 400
        assert program.post("/2fa/enroll/password", password=DEMO_PASSWORD).status_code == 200
        secret = program.state("/2fa/enroll/scan")["secret"]
        answer = program.post("/2fa/enroll/code", code=program.code(secret))
        assert answer.json() == {"next": "/2fa/enroll/finish"}, answer.text
        assert program.state("/2fa/enroll/finish")["reset_code"]
        assert program.post("/2fa/enroll/finish").status_code == 200

        assert program.get("/api/aangiften").status_code == 200


def _refused_within(program: ApiClient, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while program.get("/api/aangiften").status_code == 200:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def test_log_out_everywhere_ends_a_tokens_verification_on_every_process_within_a_second(
    shared: Parts,
) -> None:
    first, second = fastapi_users_app(shared), fastapi_users_app(shared)
    with person(first, shared) as rosa, api_client(second, shared) as program:
        verified_program(rosa, program)

        assert rosa.submit("/2fa/logout-everywhere").status_code == 303

        assert _refused_within(program, 1.0)
        assert program.get("/api/aangiften").json()["action"] == "verify"


def test_an_admins_reset_ends_a_tokens_verification_on_every_process_within_a_second(
    shared: Parts,
) -> None:
    first, second = fastapi_users_app(shared), fastapi_users_app(shared)
    with (
        person(first, shared) as ruben,
        person(first, shared, beside=ruben) as rosa,
        api_client(second, shared) as program,
    ):
        log_in(ruben, "ruben")
        ruben.enroll()
        verified_program(rosa, program)

        rosa_id = rosa.get("/users/me", headers=JSON).json()["id"]
        assert ruben.submit(f"/2fa/users/{rosa_id}/reset").status_code == 303

        assert _refused_within(program, 1.0)
        assert program.get("/api/aangiften").json()["action"] == "enroll"


def test_a_verified_token_costs_no_calls_on_a_warm_process(shared: Parts) -> None:
    app = fastapi_users_app(shared)
    with person(app, shared) as rosa, api_client(app, shared, beside=rosa) as program:
        verified_program(rosa, program)

        guard = app.guard
        assert guard is not None
        calls = Calls()
        for part, label in (
            (guard.store, "store"),
            (guard.ephemeral, "redis"),
            (guard.host_backend, "backend"),
        ):
            calls.watch(part, label)
        for _ in range(50):
            assert program.get("/api/aangiften").status_code == 200
        assert calls.count == 0, calls.by_name


def test_the_host_needs_no_session_middleware(parts: Parts) -> None:
    app = fastapi_users_app(parts)
    with person(app, parts) as rosa:
        enrolled_rosa(rosa)
        # The guard's state is kept per token, not in a cookie of its own.
        assert set(rosa.client.cookies.keys()) == {"fastapiusersauth"}


@pytest.mark.anyio
async def test_an_expired_token_names_nobody_though_the_backend_decoded_it_before() -> None:
    login = Login("s" * 40)
    backend = FastAPIUsersBackend(login)
    user_id = str(demo_user_id("rosa"))
    token = generate_jwt({"sub": user_id, "aud": AUDIENCE, "jti": "once"}, login.secret, 1)
    scope = {"type": "http", "headers": [(b"authorization", f"Bearer {token}".encode())]}

    assert await backend.authenticated_user_id(scope) == user_id
    await anyio.sleep(1.1)

    assert await backend.authenticated_user_id(scope) is None


def test_a_logout_the_guard_does_not_watch_ends_the_tokens_verification_when_the_host_says_so(
    shared: Parts,
) -> None:
    first, second = fastapi_users_app(shared), fastapi_users_app(shared)
    with person(first, shared) as rosa, api_client(second, shared) as program:
        verified_program(rosa, program)
        guard = first.guard
        assert guard is not None
        scope = {
            "type": "http",
            "headers": [(b"authorization", program.bearer["authorization"].encode())],
        }

        # The host's own logout of a bearer token, on the first process.
        portal = rosa.client.portal
        assert portal is not None
        portal.call(guard.end_login_of, scope)

        assert _refused_within(program, 1.0)
        assert program.get("/api/aangiften").json()["action"] == "verify"


def test_a_session_host_is_told_to_end_its_logins_through_the_session(parts: Parts) -> None:
    app = parts.app()
    guard = app.guard
    assert guard is not None
    with browser(app, parts.clock) as anna:
        portal = anna.client.portal
        assert portal is not None
        with pytest.raises(GuardError, match="end_login"):
            portal.call(guard.end_login_of, {"type": "http", "headers": []})
