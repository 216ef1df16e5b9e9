"""A tiny host app around TwoFactorMiddleware, with every part of the guard in the test's hands.

The example app builds its own store and shared state; these tests need to hand the
middleware wrapped ones, mount the stack under a prefix or leave out the session
middleware, so they build the host here: a Starlette app with a password-less login
(the guard only reads the session), a careless account switch, a catch-all endpoint
that answers every method, a websocket and a lifespan that records what it did.
"""

from __future__ import annotations

import contextlib
import functools
import html
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import httpx2 as httpx
import pyotp
from starlette.applications import Starlette
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from example_app.app import ExampleApp
from example_app.backend import SESSION_USER_KEY, DemoBackend
from nextens_guard import AuthBackend, GuardSettings, TwoFactorMiddleware
from nextens_guard.ephemeral.base import Ephemeral
from nextens_guard.ephemeral.memory import MemoryEphemeral
from nextens_guard.ephemeral.redis import RedisEphemeral
from nextens_guard.guard import Guard, limits_from
from nextens_guard.http import local_target
from nextens_guard.store.base import Store
from nextens_guard.store.sql import SQLStore
from tests.support import FakeClock, Parts

__all__ = [
    "APP_HEADER",
    "APP_PAGE",
    "GREETING",
    "Counting",
    "Failing",
    "Host",
    "build_host",
    "demo_backend",
    "enroll",
    "real_ephemeral",
    "real_store",
    "settings_for",
    "submit",
]

# What only the host app's own responses carry, so a test can tell them from guard pages.
APP_PAGE = 'data-app-page="home"'
APP_HEADER = "x-host-app"
GREETING = "goedemorgen"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SECRET = re.compile(r'data-totp-secret="([A-Z2-7]+)"')
_RESET_CODE = re.compile(r'data-reset-code="([0-9A-Z]+)"')


@functools.cache
def demo_backend() -> DemoBackend:
    """One demo backend for every test: it holds no state that a test changes."""
    return DemoBackend()


class Counting:
    """Hands every attribute of ``target`` through and counts each method call by name.

    Wraps the real store, shared state or backend, so a test can see which parts a
    request reached without replacing any of them.
    """

    def __init__(self, target: object) -> None:
        self._target = target
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return value(*args, **kwargs)

        return counted

    def reset(self) -> None:
        self.calls.clear()


class Failing:
    """The demo backend, except that ``method`` raises ``error`` whenever it is called.

    ``method`` None answers everything until :meth:`fail` picks a method.
    """

    def __init__(self, target: object, method: str | None, error: Exception) -> None:
        self._target = target
        self._method = method
        self._error = error

    def fail(self, method: str) -> None:
        self._method = method

    def __getattr__(self, name: str) -> Any:
        if name != self._method:
            return getattr(self._target, name)

        async def fail(*args: Any, **kwargs: Any) -> Any:
            raise self._error

        return fail


def settings_for(parts: Parts, **options: Any) -> GuardSettings:
    values: dict[str, Any] = {
        "secret_key": parts.secrets.guard_secret,
        "encryption_keys": {parts.secrets.key_id: parts.secrets.encryption_key},
        "database_url": parts.database_url,
        "redis_url": parts.redis_url,
        "table_prefix": parts.table_prefix,
        "key_prefix": parts.key_prefix,
        "exempt_paths": ["/login", "/logout"],
        "clock": parts.clock,
        **options,
    }
    return GuardSettings(**values)


def real_store(parts: Parts) -> SQLStore:
    return SQLStore.from_url(parts.database_url, table_prefix=parts.table_prefix)


def real_ephemeral(parts: Parts) -> Ephemeral:
    limits = limits_from(settings_for(parts))
    if parts.redis_url:
        return RedisEphemeral.from_url(parts.redis_url, limits, key_prefix=parts.key_prefix)
    return MemoryEphemeral(limits)


@dataclass
class Host:
    """The whole stack as a server sees it, and what its lifespan did."""

    app: ExampleApp
    middleware: TwoFactorMiddleware
    events: list[str] = field(default_factory=list)

    @property
    def guard(self) -> Guard:
        return self.middleware.guard


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


async def _username(request: Request) -> str:
    form = await request.form(max_files=0, max_fields=4, max_part_size=256)
    username = form.get("username")
    assert isinstance(username, str)
    return username


async def home(request: Request) -> Response:
    user = html.escape(str(request.session.get(SESSION_USER_KEY)))
    return HTMLResponse(f"<body {APP_PAGE}><p data-user>{user}</p></body>")


async def login(request: Request) -> Response:
    """Trusts the username: the guard's part starts after the password."""
    username = await _username(request)
    request.session.clear()
    request.session[SESSION_USER_KEY] = username
    target = local_target(request.query_params.get("next"), f"{_root(request)}/")
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse(f"{_root(request)}/login", status_code=303)


async def careless_logout(request: Request) -> Response:
    """What a careless host might do: forget who is logged in and keep the rest."""
    request.session.pop(SESSION_USER_KEY, None)
    return RedirectResponse(f"{_root(request)}/login", status_code=303)


async def switch_user(request: Request) -> Response:
    """What a careless host might do: change who is logged in and keep the rest."""
    request.session[SESSION_USER_KEY] = await _username(request)
    return RedirectResponse(f"{_root(request)}/", status_code=303)


async def lifespan_state(request: Request) -> Response:
    return PlainTextResponse(str(request.state.greeting))


async def hello(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("hallo")
    await websocket.close()


async def anything(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers every method, known or not, so passing the guard always shows."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (APP_HEADER.encode(), b"reached")],
        }
    )
    body = b"" if scope["method"] == "HEAD" else b"host app content"
    await send({"type": "http.response.body", "body": body})


def build_host(
    parts: Parts,
    *,
    backend: object | None = None,
    store: object | None = None,
    ephemeral: object | None = None,
    sessions: bool = True,
    active_offices: Iterable[str] = ("rotterdam",),
    **guard_options: Any,
) -> Host:
    """The host app behind the guard behind the session middleware.

    ``backend``, ``store`` and ``ephemeral`` may be wrappers around the real ones;
    without them the guard builds its own from the parts.
    """
    made: list[TwoFactorMiddleware] = []
    events: list[str] = []
    offices = list(active_offices)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        events.append("startup")
        if offices:
            now = datetime.now(UTC)
            await made[0].guard.store.set_offices_active(
                offices, active=True, actor_id=None, now=now
            )
        yield {"greeting": GREETING}
        events.append("shutdown")

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/switch-user", switch_user, methods=["POST"]),
            Route("/careless-logout", careless_logout, methods=["POST"]),
            Route("/lifespan-state", lifespan_state),
            WebSocketRoute("/ws", hello),
            Mount("/api", app=anything),
        ],
        lifespan=lifespan,
    )
    guard = Guard(
        backend=cast(AuthBackend, backend if backend is not None else demo_backend()),
        settings=settings_for(parts, **guard_options),
        store=cast(Store | None, store),
        ephemeral=cast(Ephemeral | None, ephemeral),
    )
    middleware = TwoFactorMiddleware(app, guard=guard)
    made.append(middleware)
    stack: ASGIApp = middleware
    if sessions:
        stack = SessionMiddleware(middleware, secret_key=parts.secrets.session_secret)
    return Host(ExampleApp(stack, middleware.guard), middleware, events)


# Walking the guard's pages under any root path (tests.support.Browser assumes none).


def submit(client: TestClient, path: str, **fields: str) -> httpx.Response:
    page = client.get(path)
    match = _CSRF.search(page.text)
    assert match, f"no form token on {path} ({page.status_code})"
    return client.post(path, data={"csrf_token": match.group(1), **fields})


def enroll(client: TestClient, clock: FakeClock, *, base: str = "") -> tuple[str, str]:
    """Every enrollment step like a user with a phone; the secret and the reset code."""
    assert client.get(f"{base}/2fa/enroll").status_code == 200
    scan = client.get(f"{base}/2fa/enroll/scan")
    secret = _SECRET.search(scan.text)
    assert secret, f"no key on the scan page ({scan.status_code})"
    code = pyotp.TOTP(secret.group(1)).at(clock.now)
    assert submit(client, f"{base}/2fa/enroll/code", code=code).status_code == 303
    finish = client.get(f"{base}/2fa/enroll/finish")
    reset_code = _RESET_CODE.search(finish.text)
    assert reset_code, f"no reset code on the finish page ({finish.status_code})"
    assert submit(client, f"{base}/2fa/enroll/finish").status_code == 303
    clock.advance(30)
    return secret.group(1), reset_code.group(1)
