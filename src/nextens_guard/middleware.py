"""TwoFactorMiddleware: ASGI plumbing around the guard's one decision.

It sits inside the host's SessionMiddleware, asks :meth:`Guard.decide` per request
and acts on the answer: the host app, the guard's pages, a redirect to enrollment or
the code prompt, or a 503 when a part is down. A verified request costs one call to
the backend's ``authenticated_user_id`` (a session read) and two dictionary lookups.
"""

from __future__ import annotations

import logging
import posixpath

from starlette.datastructures import URL
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .cookies import scope_after
from .decision import ANONYMOUS, PASS, Decision
from .errors import ServiceUnavailable
from .guard import Guard
from .http import SecurityHeaders, wants_json, with_query
from .login import recorded
from .marker import VERIFIED_KEY

__all__ = ["USER_ID_SCOPE_KEY", "TwoFactorMiddleware"]

logger = logging.getLogger("nextens_guard")

# Where the user the guard let through is left for the host's routes; the same string
# as nextens_guard.fastapi's, written out so this module imports no web framework.
USER_ID_SCOPE_KEY = "nextens_guard.user_id"

# RFC 6455 7.4.1: 1008 is "policy violation"; sent before accept, the server answers 403.
WS_POLICY_VIOLATION = 1008
WS_INTERNAL_ERROR = 1011


def normalise_path(path: str) -> str:
    """The path a lenient router might resolve ``path`` to: no ``//``, ``.`` or ``..``."""
    clean = posixpath.normpath("/" + path.lstrip("/")) if path else "/"
    return "/" + clean.lstrip("/")


def route_path(scope: Scope) -> str:
    """The path below the app's ``root_path``, as Starlette's router matches it.

    Starlette has this rule only in a private module (``starlette._utils``), which may
    change in any release, so it is written out here.
    """
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if not root or not path.startswith(root):
        return path
    if path == root:
        return ""
    return path[len(root) :] if path[len(root)] == "/" else path


class TwoFactorMiddleware:
    """Pure ASGI middleware that asks for a second step after the host's password login.

    ``exempt_paths`` in the settings (the host's login, logout and static files) pass
    without a second step. A path is exempt only when it is already in normal form and
    matches exactly, so ``//``, ``/./``, ``..``, encoded slashes or other casing never
    reach a protected page.
    """

    def __init__(self, app: ASGIApp, *, guard: Guard) -> None:
        self.app = app
        self.guard = guard
        settings = guard.settings
        self.prefix = settings.prefix
        exempt = [p.rstrip("/") or "/" for p in settings.exempt_paths]
        self.exempt_exact = frozenset(exempt)
        # "/" exempts the home page alone: as a prefix it would exempt every page.
        self.exempt_prefixes = tuple(p + "/" for p in exempt if p != "/")
        self._pages_below = self.prefix + "/"
        # One look tells whether a path may be a guard page or an exempt page; nearly
        # every request is neither and goes straight to the decision.
        self._special_exact = frozenset({self.prefix, *exempt})
        self._special_prefixes = (self._pages_below, *self.exempt_prefixes)
        # The character after the first slash of every special path: a path whose own is
        # not among them needs no further look, which is cheaper than startswith.
        self._special_starts = frozenset(p[1:2] for p in (*self._special_exact, self.prefix))
        # Bound once, since every request reads them. The host backend's method is
        # looked up per request: a host may choose its implementation at call time.
        self._host_backend = guard.host_backend
        self._proof_holds = guard.proof_holds
        self._decide_cached = guard.decide_cached

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in {"http", "websocket"}:
            if kind == "lifespan":
                await self.app(scope, self._lifespan_receive(receive), send)
            else:
                await self.app(scope, receive, send)
            return
        try:
            # Subscripted rather than scope.get: a call less on every request.
            session = scope["session"]
        except KeyError:
            logger.error("SessionMiddleware must wrap TwoFactorMiddleware")
            await self._refuse(scope, receive, send, 503)
            return
        path = route_path(scope) if scope.get("root_path") else scope["path"]
        if (
            path[1:2] in self._special_starts
            and (path in self._special_exact or path.startswith(self._special_prefixes))
            and await self._served_without_decision(path, scope, receive, send)
        ):
            return

        # Written out here rather than in a method: a verified request is the common
        # case and every extra coroutine frame shows in its time.
        try:
            user_id = await self._host_backend.authenticated_user_id(scope)
            # The decision's first step, the one a verified request ends at: the proof
            # the session carries holds against what this process knows was revoked.
            decision: Decision | None
            if user_id is not None and self._proof_holds(session, user_id):
                decision = PASS
            else:
                decision = self._decide_cached(user_id, session)
                if decision is None:
                    decision = await self.guard.decide(user_id, session)
        except Exception as exc:
            # Backend, database or Redis: fail closed, and say nothing secret.
            logger.warning("two-step check unavailable: %s", type(exc).__name__)
            await self._refuse(scope, receive, send, 503)
            return
        if decision is PASS:
            # The user the guard let through, for the host's routes (nextens_guard.fastapi).
            scope[USER_ID_SCOPE_KEY] = user_id
            await self.app(scope, receive, send)
        elif decision is ANONYMOUS:
            # The host's pages decide; one of them may log someone in.
            login_before = recorded(session)
            await self._host_watching(scope, receive, send, None, login_before=login_before)
        else:
            await self._send_to(decision, scope, receive, send)

    async def _served_without_decision(
        self, path: str, scope: Scope, receive: Receive, send: Send
    ) -> bool:
        """Serve a guard page or an exempt page; False when ``path`` is neither."""
        if path == self.prefix or path.startswith(self._pages_below):
            if scope["type"] == "websocket":
                # No guard page is a websocket: refused before accept, as the app's
                # own websockets are for an unverified user, and nothing to log.
                await send({"type": "websocket.close", "code": WS_POLICY_VIOLATION})
            else:
                await self._serve_pages(scope, receive, send)
            return True
        if not self._is_exempt(path):
            return False
        session = scope["session"]
        try:
            user_id = await self._host_backend.authenticated_user_id(scope)
        except Exception:
            user_id = None  # cannot tell who it is for: nothing of the guard's holds
        login_before = recorded(session)
        if VERIFIED_KEY in session:
            # Login and logout pages are exempt: a marker must not outlive the login it
            # was made for, even when the host keeps the rest of the session.
            self.guard.forget_verified(session, unless_for=user_id)
        await self._host_watching(scope, receive, send, user_id, login_before=login_before)
        return True

    async def _host_watching(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        before: str | None,
        *,
        login_before: str | None,
    ) -> None:
        """The host's own page, watching whether it logs someone in or out on the way.

        Who is logged in is asked again as the answer starts, while the session can
        still change: the host's SessionMiddleware, outside this one, writes its cookie
        after that. It is asked for the request the browser sends next: with the
        cookies the answer sets or deletes, for a host whose login is a cookie of its own.
        """
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_watching(message: Message) -> None:
            if message["type"] == "http.response.start":
                try:
                    after = await self._host_backend.authenticated_user_id(
                        scope_after(scope, message)
                    )
                except Exception as exc:
                    # Cannot tell who it is now: no login of the guard's holds.
                    logger.warning("login check unavailable: %s", type(exc).__name__)
                    after = None
                await self.guard.witness(scope["session"], before, after, login_before=login_before)
            await send(message)

        await self.app(scope, receive, send_watching)

    async def _serve_pages(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.guard.started:
            try:
                await self.guard.startup()
            except Exception as exc:
                logger.warning("guard not started yet: %s", type(exc).__name__)
                await self._refuse(scope, receive, send, 503)
                return
        await self.guard.pages(scope, receive, send)

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

    async def _send_to(
        self, decision: Decision, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": WS_POLICY_VIOLATION})
            return
        page = f"{scope.get('root_path', '')}{self.prefix}/{decision.value}"
        if scope["method"] in ("GET", "HEAD"):
            url = URL(scope=scope)
            target = url.path + (f"?{url.query}" if url.query else "")
            page = with_query(page, next=target)
        response: Response
        if wants_json(scope):
            response = JSONResponse(
                {"error": "two_factor_required", "action": decision.value, "url": page},
                status_code=401,
            )
        else:
            response = RedirectResponse(page, status_code=303)
        await SecurityHeaders(response)(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": WS_INTERNAL_ERROR})
            return
        await self.guard.pages.refuse(scope, receive, send, status)
