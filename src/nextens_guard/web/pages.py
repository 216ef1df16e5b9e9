"""The guard's own pages as one ASGI app, served by the middleware under its prefix.

It puts the routes of each audience together behind a body limit, error pages and the
security headers, and answers for the middleware when it refuses a request.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..backend import BackendError
from ..errors import ServiceUnavailable
from ..http import SecurityHeaders
from ..services.audit import user_agent_of_request
from .admin_routes import AdminRoutes
from .help_routes import HelpRoutes
from .kit import Kit
from .links import HOST_ROOT_KEY
from .office_routes import OfficeRoutes
from .passkey_policy_routes import PasskeyPolicyRoutes
from .passkey_routes import PasskeyRoutes
from .rendering import Rendering
from .security_routes import SecurityRoutes
from .trust_routes import TrustRoutes
from .user_routes import UserRoutes

if TYPE_CHECKING:
    from ..guard import Guard

__all__ = ["GuardPages"]

logger = logging.getLogger("nextens_guard.web")

# RFC 6455 7.4.1: 1011, the server cannot serve the request.
_WS_INTERNAL_ERROR = 1011


class GuardPages:
    """Every guard page, behind a body limit, error pages and the security headers."""

    def __init__(self, guard: Guard) -> None:
        kit = Kit.of(guard)
        self._rendering = kit.rendering
        inner = Router(
            routes=[
                *UserRoutes(kit).routes(),
                *PasskeyRoutes(kit).routes(),
                *PasskeyPolicyRoutes(kit).routes(),
                *HelpRoutes(kit).routes(),
                *OfficeRoutes(kit).routes(),
                *AdminRoutes(kit).routes(),
                *TrustRoutes(kit).routes(),
                *SecurityRoutes(kit).routes(),
                Mount("/static", StaticFiles(packages=[("nextens_guard", "static")])),
            ],
            default=self._not_found,
            # The router's trailing-slash redirect builds its URL from the Host header:
            # /2fa/verify/ with "Host: evil.example" went to http://evil.example/... .
            # A guard page has one spelling; any other is the 404 page.
            redirect_slashes=False,
        )
        outer = Router(
            routes=[Mount(guard.settings.prefix, app=inner)],
            default=self._not_found,
            redirect_slashes=False,
        )
        self._app: ASGIApp = SecurityHeaders(
            RequestBodyLimitMiddleware(
                _catch_errors(outer, self._rendering), max_body_size=guard.settings.max_body_bytes
            )
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A request for a path at or below the prefix, with the host's scope."""
        scope[HOST_ROOT_KEY] = scope.get("root_path", "")
        user_agent = next((v for k, v in scope.get("headers", ()) if k == b"user-agent"), None)
        with user_agent_of_request(user_agent):
            await self._app(scope, receive, send)

    async def refuse(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        """Answer a request the guard cannot serve now (a 503 when a part is down): the
        error page or its JSON, with the security headers; a websocket is closed."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": _WS_INTERNAL_ERROR})
            return
        response = self._rendering.error_page(Request(scope, receive), status)
        await SecurityHeaders(response)(scope, receive, send)

    async def _not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._rendering.error_page(Request(scope, receive), 404)(scope, receive, send)


def _catch_errors(app: ASGIApp, rendering: Rendering) -> ASGIApp:
    """Turn any failure into a clear page: 503 when a part is down, else a plain 500.

    Never a stack trace to the browser, whatever the host's debug setting.
    """

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await app(scope, receive, tracking_send)
        except ClientDisconnect:
            # The client went away while sending its body: nobody is left to answer,
            # and nothing went wrong on our side.
            logger.debug("client disconnected before its request was read")
        except (ServiceUnavailable, BackendError) as exc:
            logger.warning("guard page unavailable: %s", type(exc).__name__)
            if not started:
                await rendering.error_page(Request(scope), 503)(scope, receive, send)
        except HTTPException as exc:
            # StaticFiles answers a missing file or a wrong method by raising; the
            # routes' own wrong method is a plain 405, so this one is too.
            if not started:
                response: Response = (
                    rendering.error_page(Request(scope), 404)
                    if exc.status_code == 404
                    else PlainTextResponse(exc.detail, exc.status_code, headers=exc.headers)
                )
                await response(scope, receive, send)
        except Exception as exc:
            if type(exc).__name__ == "_RequestBodyTooLarge":
                raise  # answered with 413 by the body limit around us
            logger.exception("guard page failed")
            if not started:
                await rendering.error_page(Request(scope), 500)(scope, receive, send)

    return guarded
