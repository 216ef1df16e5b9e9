"""The dependency never hands a route a user the guard did not let through."""

# No `from __future__ import annotations`: FastAPI resolves the routes' annotations at
# runtime, and they name the dependency built inside host_api.

from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

import anyio
import pytest
from fastapi import Depends, FastAPI, HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.testclient import TestClient

from example_app.backend import SESSION_USER_KEY, DemoBackend
from nextens_guard import Guard, GuardSettings, GuardUser, TwoFactorMiddleware
from nextens_guard.fastapi import USER_ID_SCOPE_KEY, verified_user, verified_user_id
from nextens_guard.store.sql import SQLStore
from tests.support import Browser, Parts, browser

SESSION_SECRET = "a session secret for the dependency tests"


def host_api(guard: Guard) -> FastAPI:
    """A FastAPI host with a password-less login (the guard only reads the session)."""
    api = FastAPI()
    current_user = verified_user(guard)

    @api.post("/login/{user_id}")
    async def log_in(user_id: str, request: Request) -> dict[str, str]:
        request.session.clear()
        request.session[SESSION_USER_KEY] = user_id
        return {"logged_in": user_id}

    @api.get("/api/me")
    async def me(user: Annotated[GuardUser, Depends(current_user)]) -> dict[str, str]:
        return {"username": user.username}

    @api.get("/public/me")
    async def public_me(user_id: Annotated[str, Depends(verified_user_id)]) -> dict[str, str]:
        return {"user_id": user_id}

    return api


# Settings for a guard whose store and shared state these tests never reach.
UNUSED_SETTINGS = GuardSettings(
    secret_key="a signing secret for tests of the dependency alone",
    encryption_keys={"k1": b"k" * 32},
    database_url="sqlite:///never-opened.sqlite3",
)


def settings_for(parts: Parts) -> GuardSettings:
    return GuardSettings(
        secret_key=parts.secrets.guard_secret,
        encryption_keys={parts.secrets.key_id: parts.secrets.encryption_key},
        database_url=parts.database_url,
        redis_url=parts.redis_url,
        table_prefix=parts.table_prefix,
        key_prefix=parts.key_prefix,
        clock=parts.clock,
        exempt_paths=["/login", "/public"],
    )


@pytest.fixture
def unguarded() -> Iterator[TestClient]:
    guard = Guard(backend=DemoBackend(), settings=UNUSED_SETTINGS)
    app = SessionMiddleware(host_api(guard), secret_key=SESSION_SECRET)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def switch_on(parts: Parts, office_id: str) -> None:
    """Two-step verification on for one office, as an admin's activation leaves it."""

    async def write() -> None:
        store = SQLStore.from_url(parts.database_url, table_prefix=parts.table_prefix)
        try:
            await store.setup()
            await store.set_offices_active(
                [office_id], active=True, actor_id=None, now=datetime.now(UTC)
            )
        finally:
            await store.close()

    anyio.run(write)


@pytest.fixture
def added_with_add_middleware(parts: Parts) -> Iterator[Browser]:
    """The guard added the FastAPI way: the middleware added last runs first."""
    switch_on(parts, "rotterdam")
    guard = Guard(backend=DemoBackend(), settings=settings_for(parts))
    api = host_api(guard)
    api.add_middleware(TwoFactorMiddleware, guard=guard)
    api.add_middleware(SessionMiddleware, secret_key=SESSION_SECRET)
    with browser(api, parts.clock) as someone:  # type: ignore[arg-type]
        yield someone


def test_on_an_app_without_the_guard_the_dependency_answers_401_for_a_logged_in_user(
    unguarded: TestClient,
) -> None:
    assert unguarded.post("/login/bram").status_code == 200

    assert unguarded.get("/api/me").status_code == 401
    assert unguarded.get("/public/me").status_code == 401


def test_with_add_middleware_a_user_of_an_office_without_two_step_gets_their_username(
    added_with_add_middleware: Browser,
) -> None:
    person = added_with_add_middleware
    person.post("/login/bram")

    assert person.get("/api/me").json() == {"username": "bram"}


def test_with_add_middleware_a_user_who_must_enroll_never_reaches_the_route(
    added_with_add_middleware: Browser,
) -> None:
    person = added_with_add_middleware
    person.post("/login/rosa")

    assert person.get("/api/me", headers={"Accept": "application/json"}).status_code == 401
    assert person.get("/api/me").headers["location"].startswith("/2fa/enroll")


def test_on_a_path_the_guard_exempts_the_dependency_answers_401(
    added_with_add_middleware: Browser,
) -> None:
    person = added_with_add_middleware
    person.post("/login/bram")
    assert person.get("/api/me").status_code == 200

    answer = person.get("/public/me")

    assert answer.status_code == 401
    assert "bram" not in answer.text


class DownBackend(DemoBackend):
    """The host's user directory is unreachable."""

    async def get_user(self, user_id: str) -> GuardUser | None:
        raise ConnectionError("directory at 10.0.0.7 refused the connection")


class ForgetfulBackend(DemoBackend):
    """The host removed the user after the guard let them through."""

    async def get_user(self, user_id: str) -> GuardUser | None:
        return None


def answer_of(dependency: Callable[..., Awaitable[GuardUser]], user_id: str) -> HTTPException:
    async def call() -> HTTPException:
        with pytest.raises(HTTPException) as raised:
            await dependency(user_id)
        return raised.value

    return anyio.run(call)


def test_a_host_backend_that_cannot_answer_gives_503_and_names_nothing_of_it() -> None:
    guard = Guard(backend=DownBackend(), settings=UNUSED_SETTINGS)
    refused = answer_of(verified_user(guard), "bram")

    assert refused.status_code == 503
    assert "10.0.0.7" not in str(refused.detail)


def test_a_user_the_host_no_longer_knows_gets_401() -> None:
    guard = Guard(backend=ForgetfulBackend(), settings=UNUSED_SETTINGS)
    assert answer_of(verified_user(guard), "bram").status_code == 401


def test_the_scope_key_a_starlette_route_reads_is_the_documented_one() -> None:
    # docs/integrator.md tells hosts without FastAPI to read this key themselves.
    assert USER_ID_SCOPE_KEY == "nextens_guard.user_id"
