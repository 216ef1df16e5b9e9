"""The guard on a host it was not designed with: fastapi-users, a JWT in a cookie and as
a bearer token, no session of its own, wired as docs/integrator.md says.

A password-only login never reaches a protected route, whatever cookies the browser
kept from an earlier verified login, and a copy of a verified browser's cookies stops
working when the user logs out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from example_app.app import ExampleApp
from example_app.demo_data import DEMO_PASSWORD
from example_fastapi_users.app import build_app
from example_fastapi_users.users import COOKIE_NAME, demo_user_id
from tests.support import Browser, Parts

JSON = {"accept": "application/json"}


def fastapi_users_app(parts: Parts) -> ExampleApp:
    return build_app(
        database_url=parts.database_url,
        redis_url=parts.redis_url,
        secrets=parts.secrets,
        guard_options=parts.guard_options(),
    )


@contextmanager
def https_client(app: ExampleApp, *, beside: Browser | None = None) -> Iterator[TestClient]:
    """A client of ``app`` over https (fastapi-users' cookie is Secure); ``beside`` another
    person's, on the same running process."""
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    if beside is None:
        with client:
            yield client
        return
    client.portal = beside.client.portal
    try:
        yield client
    finally:
        client.close()


@contextmanager
def person(app: ExampleApp, parts: Parts, *, beside: Browser | None = None) -> Iterator[Browser]:
    with https_client(app, beside=beside) as client:
        yield Browser(client, parts.clock)


def log_in(browser: Browser, username: str = "rosa") -> None:
    answer = browser.post(
        "/auth/cookie/login",
        data={"username": f"{username}@example.nl", "password": DEMO_PASSWORD},
    )
    assert answer.status_code == 204, answer.text
    assert COOKIE_NAME in browser.client.cookies


def log_out(browser: Browser) -> None:
    assert browser.post("/auth/cookie/logout").status_code == 204
    assert COOKIE_NAME not in browser.client.cookies


def enrolled_and_back(rosa: Browser) -> tuple[str, str]:
    """Rosa enrolls her phone, logs out and logs in again: the code prompt is next.
    Her secret and reset code."""
    log_in(rosa)
    enrolled = rosa.enroll()
    log_out(rosa)
    log_in(rosa)
    return enrolled


def me(browser: Browser, **headers: str) -> httpx.Response:
    return browser.get("/users/me", headers={**JSON, **headers})


def test_the_users_own_page_waits_for_the_code_after_a_password_login(parts: Parts) -> None:
    with person(fastapi_users_app(parts), parts) as rosa:
        log_in(rosa)
        answer = me(rosa)
        assert answer.status_code == 401
        assert answer.json()["action"] == "enroll"

        rosa.enroll()

        answer = me(rosa)
        assert answer.status_code == 200
        assert answer.json()["id"] == str(demo_user_id("rosa"))


def test_a_password_only_login_never_reaches_a_protected_route_whatever_cookies_were_kept(
    parts: Parts,
) -> None:
    with person(fastapi_users_app(parts), parts) as rosa:
        log_in(rosa)
        rosa.enroll()
        assert me(rosa).status_code == 200
        log_out(rosa)

        # The session cookie of the verified login is still in the browser.
        log_in(rosa)

        answer = me(rosa)
        assert answer.status_code == 401
        assert answer.json()["action"] == "verify"
        assert rosa.get("/api/aangiften", headers=JSON).status_code == 401


def test_a_copy_of_a_verified_browsers_cookies_is_refused_once_the_user_logs_out(
    parts: Parts,
) -> None:
    app = fastapi_users_app(parts)
    with person(app, parts) as rosa, person(app, parts, beside=rosa) as thief:
        log_in(rosa)
        rosa.enroll()
        thief.client.cookies = httpx.Cookies(rosa.client.cookies)
        assert me(thief).status_code == 200

        log_out(rosa)

        # The copied JWT is valid until it expires; the login it belongs to has ended.
        answer = me(thief)
        assert answer.status_code == 401
        assert answer.json()["action"] == "verify"


def test_a_bearer_token_from_a_password_alone_never_reaches_a_protected_route(
    parts: Parts,
) -> None:
    app = fastapi_users_app(parts)
    with person(app, parts) as rosa, person(app, parts, beside=rosa) as api_client:
        log_in(rosa)
        rosa.enroll()
        kept = httpx.Cookies(rosa.client.cookies)
        log_out(rosa)
        token = api_client.post(
            "/auth/jwt/login",
            data={"username": "rosa@example.nl", "password": DEMO_PASSWORD},
        ).json()["access_token"]
        bearer = {"authorization": f"Bearer {token}"}

        # Without any cookie, and with the session cookie of the earlier verified login.
        assert me(api_client, **bearer).status_code == 401
        api_client.client.cookies = kept
        api_client.client.cookies.delete(COOKIE_NAME)
        answer = me(api_client, **bearer)
        assert answer.status_code == 401
        assert answer.json()["error"] == "two_factor_required"


@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
def test_the_api_description_is_open_to_everyone(parts: Parts, path: str) -> None:
    with person(fastapi_users_app(parts), parts) as visitor:
        assert visitor.get(path).status_code == 200


def test_the_office_page_names_people_whose_ids_are_uuids(parts: Parts) -> None:
    app = fastapi_users_app(parts)
    with person(app, parts) as ruben, person(app, parts, beside=ruben) as rosa:
        log_in(ruben, "ruben")
        ruben.enroll()
        log_in(rosa)
        rosa.enroll()

        page = ruben.get("/2fa/office")

        assert page.status_code == 200
        rosa_id = str(demo_user_id("rosa"))
        assert f'<span data-user-id="{rosa_id}">Rosa Mulder</span>' in page.text
        assert f">{rosa_id}<" not in page.text
        events = ruben.get("/2fa/office", headers=JSON).json()["events"]
        assert ("rosa@example.nl", rosa_id) in {
            (e["subject_username"], e["subject_id"]) for e in events
        }


def test_a_user_who_lost_the_phone_recovers_with_the_reset_code_and_enrolls_again(
    parts: Parts,
) -> None:
    with person(fastapi_users_app(parts), parts) as rosa:
        old_secret, reset_code = enrolled_and_back(rosa)
        assert me(rosa).json()["action"] == "verify"

        answer = rosa.submit("/2fa/recover", reset_code=reset_code)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/2fa/enroll")
        new_secret, _ = rosa.enroll()

        assert new_secret != old_secret
        assert me(rosa).status_code == 200
        log_out(rosa)
        log_in(rosa)
        # The old phone's codes no longer count.
        assert rosa.submit("/2fa/verify", code=rosa.code(old_secret)).status_code == 400
        assert rosa.verify(new_secret).status_code == 303
        assert me(rosa).status_code == 200


def test_after_the_code_without_a_page_to_return_to_the_user_lands_on_the_hosts_home(
    parts: Parts,
) -> None:
    with person(fastapi_users_app(parts), parts) as rosa:
        secret, _ = enrolled_and_back(rosa)

        answer = rosa.verify(secret)

        assert answer.status_code == 303
        assert answer.headers["location"] == "/docs"
