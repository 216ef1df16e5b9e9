"""The example host app, wrapped by the guard in a few lines (see ``build_app``)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from nextens_guard import (
    AuditEvent,
    EventKind,
    Guard,
    GuardSettings,
    ServiceUnavailable,
    TwoFactorMiddleware,
)
from nextens_guard.http import local_target

from .backend import SESSION_USER_KEY, DemoBackend
from .demo_data import ACTIVE_AT_START, OFFICES
from .secrets_file import DevSecrets

HERE = Path(__file__).parent
logger = logging.getLogger("example_app")
templates = Jinja2Templates(directory=HERE / "templates")


async def login(request: Request) -> Response:
    backend: DemoBackend = request.app.state.backend
    next_url = local_target(request.query_params.get("next"))
    if request.method == "GET":
        return templates.TemplateResponse(request, "login.html", {"next": next_url, "error": None})
    form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    username, password = form.get("username"), form.get("password")
    user = backend.find_by_username(username) if isinstance(username, str) else None
    ok = (
        user is not None
        and isinstance(password, str)
        and await backend.check_password(user.id, password)
    )
    if not ok or user is None:
        context = {"next": next_url, "error": "Onjuiste gebruikersnaam of wachtwoord."}
        return templates.TemplateResponse(request, "login.html", context, status_code=400)
    # A fresh session at login, so nothing of an earlier user carries over.
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    return RedirectResponse(next_url, status_code=303)


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def dashboard(request: Request) -> Response:
    backend: DemoBackend = request.app.state.backend
    user_id = await backend.authenticated_user_id(request.scope)
    user = await backend.get_user(user_id) if user_id else None
    if user is None:
        return RedirectResponse("/login?next=/", status_code=303)
    office = await backend.get_office(user.office_id)
    context = {"user": user, "office": office, "guarded": request.app.state.guarded}
    return templates.TemplateResponse(request, "dashboard.html", context)


async def echo(websocket: WebSocket) -> None:
    if SESSION_USER_KEY not in websocket.session:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    with contextlib.suppress(Exception):
        while True:
            await websocket.send_text(await websocket.receive_text())


async def seed_demo_policy(guard: Guard, *, fresh: bool) -> None:
    """Switch two-step verification on for the demo offices that start active.

    Done once per database: the audit trail shows whether it happened already.
    """
    office_ids = [office.id for office in OFFICES]
    now = datetime.now(UTC)
    if fresh:
        users = [u.id for office in office_ids for u in await guard.backend.users_of_office(office)]
        await guard.store.void_enrollments(users, now=now)
        await guard.store.set_offices_active(office_ids, active=False, actor_id=None, now=now)
    elif await guard.store.recent_events(office_ids=office_ids, limit=1):
        return
    await guard.store.set_offices_active(ACTIVE_AT_START, active=True, actor_id=None, now=now)
    for office_id in ACTIVE_AT_START:
        await guard.audit.record(
            AuditEvent(
                kind=EventKind.ACTIVATED,
                outcome="ok",
                at=now,
                office_id=office_id,
                detail="demo data",
            )
        )
    await guard.announce("*")


class ExampleApp:
    """The whole stack as the server sees it; ``guard`` is None with ``--no-guard``."""

    def __init__(self, app: ASGIApp, guard: Guard | None) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def guard_settings(
    secrets: DevSecrets,
    database_url: str,
    redis_url: str | None,
    options: Mapping[str, Any] | None = None,
) -> GuardSettings:
    """The example's guard settings; ``options`` win, so a test can pass more keys while
    one rotates, or its own prefixes."""
    return GuardSettings(
        **{
            "secret_key": secrets.guard_secret,
            "encryption_keys": {secrets.key_id: secrets.encryption_key},
            "database_url": database_url,
            "redis_url": redis_url,
            "exempt_paths": ["/login", "/logout", "/static"],
            **(options or {}),
        }
    )


def build_app(
    *,
    database_url: str,
    redis_url: str | None = None,
    secrets: DevSecrets,
    guard: bool = True,
    fresh: bool = False,
    guard_options: Mapping[str, Any] | None = None,
) -> ExampleApp:
    backend = DemoBackend()
    core = (
        Guard(
            backend=backend,
            settings=guard_settings(secrets, database_url, redis_url, guard_options),
        )
        if guard
        else None
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if core is not None:
            try:
                await core.startup()
                await seed_demo_policy(core, fresh=fresh)
            except ServiceUnavailable as exc:
                # The app still serves; the guard answers 503 until the part is back.
                logger.warning("demo data not checked: %s", exc)
        yield

    app = Starlette(
        routes=[
            Route("/", dashboard),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"]),
            WebSocketRoute("/ws/echo", echo),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.backend = backend
    app.state.guarded = guard

    # This is all it takes to put two-step verification in front of an app.
    inner: ASGIApp = app if core is None else TwoFactorMiddleware(app, guard=core)
    outer = SessionMiddleware(inner, secret_key=secrets.session_secret, same_site="lax")
    return ExampleApp(outer, core)
