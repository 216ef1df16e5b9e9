"""TwoFactorMiddleware: ASGI plumbing around the guard's one decision.

It sits inside the host's SessionMiddleware, or alone in front of a host whose login is
a token (the guard then keeps a session per token, :mod:`.own_sessions`). It asks the
guard per request and acts on the answer: the host app, the guard's pages, a redirect
to enrollment or the code prompt (a JSON 401 for anything but a browser), or a 503
when a part is down. A verified request costs the backend's ``authenticated_user_id``
(a session read) and the proof's check against what this process holds.
"""

from __future__ import annotations

import logging
import posixpath

from starlette.datastructures import URL
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .cookies import scope_after
from .decision import ANONYMOUS, PASS, Decision
from .errors import GuardError, ServiceUnavailable
from .guard import Guard
from .http import SecurityHeaders, wants_json, wants_page, with_query
from .login import recorded
from .marker import VERIFIED_KEY, Session
from .own_sessions import OwnSession, OwnSessions

__all__ = ["USER_ID_SCOPE_KEY", "TwoFactorMiddleware"]

logger = logging.getLogger("nextens_guard")

# Where the user the guard let through is left for the host's routes; the same string
# as nextens_guard.fastapi's, written out so this module imports no web framework.
USER_ID_SCOPE_KEY = "nextens_guard.user_id"

# RFC 6455 7.4.1: 1008 is "policy violation"; sent before accept, the server answers 403.
WS_POLICY_VIOLATION = 1008
WS_INTERNAL_ERROR = 1011

MISCONFIGURED = (
    "Two-step verification is wired wrongly: TwoFactorMiddleware found no session. "
    "Wrap it in Starlette's SessionMiddleware (add_middleware(SessionMiddleware, ...) "
    "after add_middleware(TwoFactorMiddleware, ...), so the session comes first), or "
    "give the backend a credential() for a host whose login is a token."
)


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
        # A host whose login is a token: the guard keeps a session per token itself.
        self._own_sessions = guard.own_sessions
        self._told_misconfigured = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in {"http", "websocket"}:
            if kind == "lifespan":
                await self.app(scope, self._lifespan_receive(receive, scope), send)
            else:
                await self.app(scope, receive, send)
            return
        if self._own_sessions is not None:
            await self._with_own_session(self._own_sessions, scope, receive, send)
            return
        try:
            # Subscripted rather than scope.get: a call less on every request.
            session = scope["session"]
        except KeyError:
            await self._misconfigured(scope, receive, send)
            return
        path = route_path(scope) if scope.get("root_path") else scope["path"]
        if (
            path[1:2] in self._special_starts
            and (path in self._special_exact or path.startswith(self._special_prefixes))
            and await self._served_without_decision(path, scope, receive, send, session)
        ):
            return

        # Written out here rather than in a method: a verified request is the common
        # case and every extra coroutine frame shows in its time.
        try:
            user_id = await self._host_backend.authenticated_user_id(scope)
        except Exception as exc:
            # Cannot tell who it is: fail closed, and say nothing secret.
            logger.warning("two-step check unavailable: %s", type(exc).__name__)
            await self._refuse(scope, receive, send, 503)
            return
        # The decision's first step, the one a verified request ends at: the proof the
        # session carries holds against what this process knows was revoked.
        if user_id is not None and self._proof_holds(session, user_id):
            # The user the guard let through, for the host's routes (nextens_guard.fastapi).
            scope[USER_ID_SCOPE_KEY] = user_id
            await self.app(scope, receive, send)
        else:
            await self._decided(user_id, session, scope, receive, send)

    async def _decided(
        self, user_id: str | None, session: Session, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """The rest of the decision, for a request the proof did not settle, and what
        follows from it: the host app, the host's own page watched, or the step."""
        try:
            decision = self._decide_cached(user_id, session)
            if decision is None:
                decision = await self.guard.decide(user_id, session)
        except Exception as exc:
            # Backend, database or Redis: fail closed, and say nothing secret.
            logger.warning("two-step check unavailable: %s", type(exc).__name__)
            await self._refuse(scope, receive, send, 503)
            return
        if decision is PASS:
            scope[USER_ID_SCOPE_KEY] = user_id
            await self.app(scope, receive, send)
        elif decision is ANONYMOUS:
            # The host's pages decide; one of them may log someone in.
            login_before = recorded(session)
            await self._host_watching(
                scope, receive, send, None, session, login_before=login_before
            )
        else:
            await self._send_to(decision, scope, receive, send)

    async def _with_own_session(
        self, sessions: OwnSessions, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """A request to a host whose login is a token: the guard's own session for it.

        The same steps as for a session host, with the session loaded from the shared
        state, and kept there as the answer starts. A verified request finds its
        session among the ones this process saw proven, and reads nothing.
        """
        path = route_path(scope) if scope.get("root_path") else scope["path"]
        special = path[1:2] in self._special_starts and (
            path in self._special_exact or path.startswith(self._special_prefixes)
        )
        try:
            # key_for written out: a verified request pays for no coroutine of ours.
            key = sessions.key_of(await sessions.credential(scope))
            user_id = await self._host_backend.authenticated_user_id(scope)
        except Exception as exc:
            logger.warning("two-step check unavailable: %s", type(exc).__name__)
            await self._refuse(scope, receive, send, 503)
            return
        if user_id is not None and key is not None and not special:
            proven = sessions.proven(key)
            if proven is not None and self._proof_holds(proven, user_id):
                scope[USER_ID_SCOPE_KEY] = user_id
                await self.app(scope, receive, send)
                return
        try:
            # A token that names nobody (expired, forged) reads nothing: its login, if
            # it had one, can no longer be used anyway.
            session = await sessions.load(key if user_id is not None else None)
        except Exception as exc:
            logger.warning("two-step check unavailable: %s", type(exc).__name__)
            await self._refuse(scope, receive, send, 503)
            return
        send = self._keeping(sessions, session, scope, receive, send)
        if special and await self._served_without_decision(path, scope, receive, send, session):
            return
        await self._decided(user_id, session, scope, receive, send)

    def _keeping(
        self, sessions: OwnSessions, session: OwnSession, scope: Scope, receive: Receive, send: Send
    ) -> Send:
        """``send``, keeping ``session`` in the shared state before the answer starts, so
        the client's next request finds it; a 503 instead when it cannot be kept."""
        failed = False

        async def send_keeping(message: Message) -> None:
            nonlocal failed
            if failed:
                return
            if message["type"] == "http.response.start":
                try:
                    await sessions.save(session)
                except Exception as exc:
                    failed = True
                    logger.warning("two-step state could not be kept: %s", type(exc).__name__)
                    await self._refuse(scope, receive, send, 503)
                    return
            await send(message)

        return send_keeping

    async def _served_without_decision(
        self, path: str, scope: Scope, receive: Receive, send: Send, session: Session
    ) -> bool:
        """Serve a guard page or an exempt page; False when ``path`` is neither."""
        if path == self.prefix or path.startswith(self._pages_below):
            if scope["type"] == "websocket":
                # No guard page is a websocket: refused before accept, as the app's
                # own websockets are for an unverified user, and nothing to log.
                await send({"type": "websocket.close", "code": WS_POLICY_VIOLATION})
            elif isinstance(session, OwnSession):
                # The guard's pages read the session where Starlette keeps one; the
                # host's own pages never see the guard's.
                await self._serve_pages({**scope, "session": session}, receive, send)
            else:
                await self._serve_pages(scope, receive, send)
            return True
        if not self._is_exempt(path):
            return False
        try:
            user_id = await self._host_backend.authenticated_user_id(scope)
        except Exception:
            user_id = None  # cannot tell who it is for: nothing of the guard's holds
        login_before = recorded(session)
        if VERIFIED_KEY in session:
            # Login and logout pages are exempt: a marker must not outlive the login it
            # was made for, even when the host keeps the rest of the session.
            self.guard.forget_verified(session, unless_for=user_id)
        await self._host_watching(scope, receive, send, user_id, session, login_before=login_before)
        return True

    async def _host_watching(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        before: str | None,
        session: Session,
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
                next_scope = scope_after(scope, message)
                try:
                    after = await self._host_backend.authenticated_user_id(next_scope)
                except Exception as exc:
                    # Cannot tell who it is now: no login of the guard's holds.
                    logger.warning("login check unavailable: %s", type(exc).__name__)
                    after = None
                if isinstance(session, OwnSession) and self._own_sessions is not None:
                    await self._witness_token(
                        self._own_sessions,
                        session,
                        next_scope,
                        before,
                        after,
                        login_before=login_before,
                    )
                else:
                    await self.guard.witness(session, before, after, login_before=login_before)
            await send(message)

        await self.app(scope, receive, send_watching)

    async def _witness_token(
        self,
        sessions: OwnSessions,
        session: OwnSession,
        next_scope: Scope,
        before: str | None,
        after: str | None,
        *,
        login_before: str | None,
    ) -> None:
        """:meth:`Guard.witness` for a host whose login is a token: an answer that sets
        another token (a login) or takes it away (a logout) ends the login of the one
        before; the new token's session records a login seen being made."""
        try:
            next_key = await sessions.key_for(next_scope) if after else None
        except Exception as exc:
            logger.warning("login check unavailable: %s", type(exc).__name__)
            next_key, after = None, None
        if next_key == session.key:
            await self.guard.witness(session, before, after, login_before=login_before)
            return
        await self.guard.witness(session, before, None, login_before=login_before)
        if next_key is None or after is None:
            return
        try:
            fresh = await sessions.load(next_key)
            await self.guard.witness(fresh, None, after, login_before=recorded(fresh))
            await sessions.save(fresh)
        except Exception as exc:
            # The new login goes on unseen: it types the password before enrolling a phone.
            logger.warning("login record unavailable: %s", type(exc).__name__)

    async def _serve_pages(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.guard.started:
            try:
                await self.guard.startup()
            except Exception as exc:
                logger.warning("guard not started yet: %s", type(exc).__name__)
                await self._refuse(scope, receive, send, 503)
                return
        await self.guard.pages(scope, receive, send)

    async def _misconfigured(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A host with neither a session nor a token for the guard: wired wrongly, not
        down. A 500 that names the mistake, logged once rather than on every request."""
        if not self._told_misconfigured:
            self._told_misconfigured = True
            logger.error("%s", MISCONFIGURED)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": WS_INTERNAL_ERROR})
            return
        response: Response
        if wants_json(scope) or not wants_page(scope):
            response = JSONResponse({"error": "misconfigured", "detail": MISCONFIGURED}, 500)
        else:
            response = PlainTextResponse(MISCONFIGURED, status_code=500)
        await SecurityHeaders(response)(scope, receive, send)

    def _is_exempt(self, path: str) -> bool:
        # Normalising costs more than matching, so it only runs for a path that matches.
        if path in self.exempt_exact or path.startswith(self.exempt_prefixes):
            return normalise_path(path) == path
        return False

    def _wiring_mistake(self, scope: Scope) -> str | None:
        """A misordered SessionMiddleware, read from the Starlette app's own list of
        middleware (outermost first) where the guard is one of them; None when it looks
        right or cannot be told. A session middleware of another kind is not recognised,
        so a missing one is found at the first request instead."""
        if self._own_sessions is not None:
            return None
        stack = getattr(scope.get("app"), "user_middleware", None)
        if not isinstance(stack, list):
            return None
        classes = [getattr(entry, "cls", None) for entry in stack]
        ours = [i for i, cls in enumerate(classes) if cls is type(self)]
        sessions = [
            i
            for i, cls in enumerate(classes)
            if isinstance(cls, type) and issubclass(cls, SessionMiddleware)
        ]
        if ours and sessions and min(sessions) > ours[0]:
            return MISCONFIGURED
        return None

    def _lifespan_receive(self, receive: Receive, scope: Scope) -> Receive:
        async def lifespan_receive() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                mistake = self._wiring_mistake(scope)
                if mistake is not None:
                    self._told_misconfigured = True
                    logger.error("%s", mistake)
                    # Raised, so the server reports a failed start with the reason.
                    raise GuardError(mistake)
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
        if wants_page(scope):
            response = RedirectResponse(page, status_code=303)
        else:
            response = JSONResponse(
                {"error": "two_factor_required", "action": decision.value, "url": page},
                status_code=401,
            )
        await SecurityHeaders(response)(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": WS_INTERNAL_ERROR})
            return
        await self.guard.pages.refuse(scope, receive, send, status)
