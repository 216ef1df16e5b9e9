"""The example host app, wrapped by the guard in a few lines (see ``build_app``)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from nextens_guard import (
    Guard,
    GuardSettings,
    ServiceUnavailable,
    TwoFactorMiddleware,
)

from .backend import SESSION_USER_KEY, DemoBackend
from .demo_data import ACTIVE_AT_START, OFFICES
from .login import login, login_tokens, logout
from .notifications import Notifications, notifications_page
from .pages import HERE, render
from .secrets_file import DevSecrets

logger = logging.getLogger("example_app")
FAVICON = HERE / "static" / "favicon.ico"
# Who the audit trail says switched the demo offices on.
DEMO_ACTOR = "example_app:demo-data"


async def dashboard(request: Request) -> Response:
    backend: DemoBackend = request.app.state.backend
    user_id = await backend.authenticated_user_id(request.scope)
    user = await backend.get_user(user_id) if user_id else None
    if user is None:
        return RedirectResponse("/login?next=/", status_code=303)
    office = await backend.get_office(user.office_id)
    context = {"user": user, "office": office, "guarded": request.app.state.guard is not None}
    return render(request, "dashboard.html", context)


async def favicon(request: Request) -> Response:
    """For browsers that ask for /favicon.ico whatever the page links to."""
    return FileResponse(
        FAVICON, media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"}
    )


def host_routes() -> list[BaseRoute]:
    """The pages both examples share: the dashboard, login, logout, icon, static files."""
    return [
        Route("/", dashboard),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/favicon.ico", favicon),
        Route("/notifications", notifications_page),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def host_state(
    state: State,
    backend: DemoBackend,
    guard: Guard | None,
    secrets: DevSecrets,
    notifications: Notifications | None = None,
) -> None:
    """What the shared pages read from ``request.app.state``; ``guard`` None without it."""
    state.backend = backend
    state.guard = guard
    state.notifications = notifications
    state.login_tokens = login_tokens(secrets.session_secret)


async def echo(websocket: WebSocket) -> None:
    if SESSION_USER_KEY not in websocket.session:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    with contextlib.suppress(Exception):
        while True:
            await websocket.send_text(await websocket.receive_text())


def demo_lifespan(
    guard: Guard | None, *, fresh: bool
) -> Callable[[object], AbstractAsyncContextManager[None]]:
    """The examples' lifespan: start the guard and seed the demo offices once.

    The guard's shutdown is the middleware's: it sees the lifespan messages pass.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: object) -> AsyncIterator[None]:
        if guard is not None:
            try:
                await guard.startup()
                await seed_demo_policy(guard, fresh=fresh)
            except ServiceUnavailable as exc:
                # The app still serves; the guard answers 503 until the part is back.
                logger.warning("demo data not checked: %s", exc)
        yield

    return lifespan


async def seed_demo_policy(guard: Guard, *, fresh: bool) -> None:
    """Switch two-step verification on for the demo offices that start active.

    Done once per database, through the guard's own office service as an operator would:
    the audit trail shows whether it happened already. ``fresh`` first switches off
    every demo office that is on, which destroys every enrollment in its group.
    """
    office_ids = [office.id for office in OFFICES]
    if fresh:
        for office_id in office_ids:
            if (await guard.office.status(office_id)).active:
                await guard.office.deactivate_group(office_id, actor_id=DEMO_ACTOR, address=None)
    else:
        for office_id in office_ids:
            if await guard.office.recent_events(office_id, limit=1):
                return
    for office_id in ACTIVE_AT_START:
        await guard.office.activate_group(office_id, actor_id=DEMO_ACTOR, address=None)


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
    notifications: Notifications | None = None,
) -> GuardSettings:
    """The example's guard settings; ``options`` win, so a test can pass more keys while
    one rotates, or its own prefixes, or its own ``on_event``."""
    hook = {"on_event": notifications.on_event} if notifications is not None else {}
    return GuardSettings(
        **{
            **hook,
            "secret_key": secrets.guard_secret,
            "encryption_keys": {secrets.key_id: secrets.encryption_key},
            "database_url": database_url,
            "redis_url": redis_url,
            # The guard is product-neutral; this host is Nextens, so its pages say so.
            "product_name": "Nextens",
            # The icon too: a browser asks for it on every page, the guard's own included.
            "exempt_paths": ["/login", "/logout", "/static", "/favicon.ico"],
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
    # The mails the app would send when someone's two-step verification changes.
    notifications = Notifications() if guard else None
    core = (
        Guard(
            backend=backend,
            settings=guard_settings(secrets, database_url, redis_url, guard_options, notifications),
        )
        if guard
        else None
    )

    app = Starlette(
        routes=[*host_routes(), WebSocketRoute("/ws/echo", echo)],
        lifespan=demo_lifespan(core, fresh=fresh),
    )
    host_state(app.state, backend, core, secrets, notifications)

    # This is all it takes to put two-step verification in front of an app.
    inner: ASGIApp = app if core is None else TwoFactorMiddleware(app, guard=core)
    outer = SessionMiddleware(inner, secret_key=secrets.session_secret, same_site="lax")
    return ExampleApp(outer, core)
