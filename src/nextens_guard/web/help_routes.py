"""Pages for anyone, logged in or not: the clock-sync help and the JSON description."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Router

from .kit import Kit
from .links import host_root, next_target
from .openapi import describe

__all__ = ["HelpRoutes"]


class HelpRoutes:
    def __init__(self, kit: Kit) -> None:
        self._kit = kit

    def routes(self) -> list[BaseRoute]:
        route = self._kit.answers.route
        return [
            route("/help/sync", self.help_sync),
            route("/openapi.json", self.openapi),
        ]

    async def help_sync(self, request: Request) -> Response:
        # Back to the page the help was opened from (a local `next`), else to the app.
        return self._kit.rendering.render(
            request,
            "help_sync.html",
            back_url=next_target(request, self._kit.guard.settings.home_path),
        )

    async def openapi(self, request: Request) -> Response:
        """The description of these pages' JSON, for anyone, like the help (see openapi.py)."""
        router: Router = request.scope["router"]
        return JSONResponse(describe(router.routes, server=host_root(request)))
