"""The guard's own pages as one ASGI app, mounted by the middleware under its prefix."""

from __future__ import annotations

from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.routing import Mount, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from ..guard import Guard
from ..http import SecurityHeaders
from .admin_pages import AdminPages
from .kit import HOST_ROOT_KEY
from .office_pages import OfficePages
from .user_pages import UserPages

__all__ = ["HOST_ROOT_KEY", "GuardPages"]


class GuardPages(UserPages, OfficePages, AdminPages):
    """Every guard page, behind a body limit, error pages and the security headers."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(guard)
        inner = Router(
            routes=[
                *self.user_routes(),
                *self.office_routes(),
                *self.admin_routes(),
                Mount("/static", StaticFiles(packages=[("nextens_guard", "static")])),
            ],
            default=self._not_found,
        )
        self._app: ASGIApp = SecurityHeaders(
            RequestBodyLimitMiddleware(
                self._catch_errors(
                    Router(
                        routes=[Mount(guard.settings.prefix, app=inner)], default=self._not_found
                    )
                ),
                max_body_size=guard.settings.max_body_bytes,
            )
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)
