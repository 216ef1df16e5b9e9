"""TwoFactorMiddleware: per request, pass, send to enrollment, or send to the code prompt.

It sits inside the host's SessionMiddleware. A verified request costs one call to the
backend's ``authenticated_user_id`` (a session read) and two dictionary lookups; the
database, Redis and the backend's slow paths are only touched when the per-process
cache does not know the user, which published invalidations keep honest.
"""

from __future__ import annotations

import logging
import posixpath

from starlette._utils import get_route_path
from starlette.datastructures import URL
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .backend import AuthBackend
from .ephemeral.base import Ephemeral
from .errors import ServiceUnavailable
from .guard import Guard
from .http import SECURITY_HEADERS, wants_json, with_query
from .marker import VERIFIED_KEY
from .settings import GuardSettings
from .state import UserState
from .store.base import Store
from .web.pages import HOST_ROOT_KEY, GuardPages

__all__ = ["TwoFactorMiddleware"]

logger = logging.getLogger("nextens_guard")

# Where the user the guard let through is left for the host's routes; the same string
# as nextens_guard.fastapi's, written out so this module imports no web framework.
USER_ID_SCOPE_KEY = "nextens_guard.user_id"

# RFC 6455 7.4.1: 1008 is "policy violation"; sent before accept, the server answers 403.
WS_POLICY_VIOLATION = 1008


def normalise_path(path: str) -> str:
    """The path a lenient router might resolve ``path`` to: no ``//``, ``.`` or ``..``."""
    clean = posixpath.normpath("/" + path.lstrip("/")) if path else "/"
    return "/" + clean.lstrip("/")


class TwoFactorMiddleware:
    """Pure ASGI middleware that asks for a second step after the host's password login.

    ``exempt_paths`` in the settings (the host's login, logout and static files) pass
    without a second step. A path is exempt only when it is already in normal form and
    matches exactly, so ``//``, ``/./``, ``..``, encoded slashes or other casing never
    reach a protected page.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        backend: AuthBackend,
        settings: GuardSettings,
        store: Store | None = None,
        ephemeral: Ephemeral | None = None,
    ) -> None:
        self.app = app
        self.guard = Guard(backend=backend, settings=settings, store=store, ephemeral=ephemeral)
        self.pages = GuardPages(self.guard)
        self.prefix = settings.prefix
        self.markers = self.pages.markers
        exempt = [p.rstrip("/") or "/" for p in settings.exempt_paths]
        self.exempt_exact = frozenset(exempt)
        # "/" exempts the home page alone: as a prefix it would exempt every page.
        self.exempt_prefixes = tuple(p + "/" for p in exempt if p != "/")
        self._pages_below = self.prefix + "/"
        # One look tells whether a path may be a guard page or an exempt page; nearly
        # every request is neither and goes straight to the decision.
        self._special_exact = frozenset({self.prefix, *exempt})
        self._special_prefixes = (self._pages_below, *self.exempt_prefixes)
        # Our own methods are bound once, since the decision reads them on every request.
        # The host backend's method is looked up per request: a host may hand over an
        # object that chooses its implementation at call time.
        self._host_backend = self.guard.host_backend
        self._cached_state = self.guard.cache.get
        self._marker_valid = self.markers.valid

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in {"http", "websocket"}:
            if kind == "lifespan":
                await self.app(scope, self._lifespan_receive(receive), send)
            else:
                await self.app(scope, receive, send)
            return
        session = scope.get("session")
        if session is None:
            logger.error("SessionMiddleware must wrap TwoFactorMiddleware")
            await self._refuse(scope, receive, send, 503)
            return
        path = get_route_path(scope) if scope.get("root_path") else scope["path"]
        if (
            path in self._special_exact or path.startswith(self._special_prefixes)
        ) and await self._served_without_decision(path, scope, receive, send):
            return

        # The per-request decision: pass, or send to enrollment or the code prompt. It is
        # written out here, not in a method of its own, because a verified request is
        # the common case and every extra coroutine frame shows in its time.
        try:
            user_id = await self._host_backend.authenticated_user_id(scope)
            state = None if user_id is None else self._cached_state(user_id)
            if state is None and user_id is not None:
                state = await self._state_of(user_id)
        except Exception as exc:
            # Backend, database or Redis: fail closed, and say nothing secret.
            logger.warning("two-step check unavailable: %s", type(exc).__name__)
            await self._refuse(scope, receive, send, 503)
            return
        if user_id is None or state is None:
            # Nobody is logged in: the host's pages decide, and no marker outlives a logout.
            if VERIFIED_KEY in session:
                del session[VERIFIED_KEY]
            await self.app(scope, receive, send)
            return
        if not state.required or self._marker_valid(session, user_id, state.generation):
            # The user the guard let through, for the host's routes (nextens_guard.fastapi).
            scope[USER_ID_SCOPE_KEY] = user_id
            await self.app(scope, receive, send)
            return
        self.markers.forget_unless_for(session, user_id)
        action = "enroll" if state.generation is None else "verify"
        await self._send_to(action, scope, receive, send)

    async def _served_without_decision(
        self, path: str, scope: Scope, receive: Receive, send: Send
    ) -> bool:
        """Serve a guard page or an exempt page; False when ``path`` is neither."""
        if path == self.prefix or path.startswith(self._pages_below):
            await self._serve_pages(scope, receive, send)
            return True
        if not self._is_exempt(path):
            return False
        if VERIFIED_KEY in scope["session"]:
            # Login and logout pages are exempt: a marker must not outlive the login it
            # was made for, even when the host keeps the rest of the session.
            await self._forget_stale_marker(scope)
        await self.app(scope, receive, send)
        return True

    async def _state_of(self, user_id: str) -> UserState:
        """The user's state when this process has none cached: from the database."""
        await self.guard.startup()
        return await self.guard.state_of(user_id)

    async def _serve_pages(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[HOST_ROOT_KEY] = scope.get("root_path", "")
        if not self.guard.started:
            await self._start_or_refuse(scope, receive, send)
            if not self.guard.started:
                return
        await self.pages(scope, receive, send)

    async def _forget_stale_marker(self, scope: Scope) -> None:
        try:
            user_id = await self.guard.host_backend.authenticated_user_id(scope)
        except Exception:
            user_id = None  # cannot tell who it is for: drop it
        self.markers.forget_unless_for(scope["session"], user_id)

    def _is_exempt(self, path: str) -> bool:
        # Normalising costs more than matching, so it only runs for a path that matches.
        if path in self.exempt_exact or path.startswith(self.exempt_prefixes):
            return normalise_path(path) == path
        return False

    def _lifespan_receive(self, receive: Receive) -> Receive:
        async def lifespan_receive() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.guard.startup()
                except ServiceUnavailable as exc:
                    # The app still starts; guarded requests get a 503 until the part is back.
                    logger.warning("guard not started yet: %s", exc)
            elif message["type"] == "lifespan.shutdown":
                await self.guard.shutdown()
            return message

        return lifespan_receive

    async def _start_or_refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.guard.startup()
        except Exception as exc:
            logger.warning("guard not started yet: %s", type(exc).__name__)
            await self._refuse(scope, receive, send, 503)

    async def _send_to(self, action: str, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "")
        page = f"{root}{self.prefix}/{action}"
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": WS_POLICY_VIOLATION})
            return
        if scope["method"] in ("GET", "HEAD"):
            url = URL(scope=scope)
            target = url.path + (f"?{url.query}" if url.query else "")
            page = with_query(page, next=target)
        response: Response
        if wants_json(scope):
            response = JSONResponse(
                {"error": "two_factor_required", "action": action, "url": page},
                status_code=401,
            )
        else:
            response = RedirectResponse(page, status_code=303)
        _secure(response)
        await response(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1011})
            return
        response = self.pages.error_response(HTTPConnection(scope), status)  # type: ignore[arg-type]
        _secure(response)
        await response(scope, receive, send)


def _secure(response: Response) -> None:
    for name, value in SECURITY_HEADERS:
        response.headers[name] = value
    response.headers.add_vary_header("Cookie")
