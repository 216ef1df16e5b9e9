"""User management: the office's users and resetting one user's two-step verification."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..backend import GuardUser
from ..services.office import UserOverview
from .api import last_verified_at
from .detour import Detour, ErrorPage
from .kit import Kit
from .links import client_address, guard_url
from .rendering import translator

__all__ = ["AdminRoutes"]


def _user_url(request: Request, row: UserOverview, suffix: str = "") -> str:
    return guard_url(request, f"/users/{quote(row.user.id, safe='')}{suffix}", keep_next=False)


class AdminRoutes:
    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        self._office = kit.guard.office

    def routes(self) -> list[BaseRoute]:
        route = self._kit.answers.route
        return [
            route("/users", self.users),
            route("/users/{user_id}", self.user),
            route("/users/{user_id}/reset", self.reset_user, "GET", "POST"),
        ]

    async def users(self, request: Request) -> Response:
        admin = await self._kit.gates.admin(request)
        status = await self._office.status(admin.office_id)
        rows = await self._office.users_overview(admin)
        return self._kit.rendering.render(
            request, "users.html", office=status.office, rows=rows, last_verified=last_verified_at
        )

    async def _own_user(self, request: Request) -> tuple[GuardUser, UserOverview]:
        """The admin and a user of their own office; 404 alike for every other user id."""
        admin = await self._kit.gates.admin(request)
        row = await self._office.user_of_own_office(admin, request.path_params["user_id"])
        if row is None:
            raise Detour(ErrorPage(404))
        return admin, row

    async def user(self, request: Request) -> Response:
        admin, row = await self._own_user(request)
        done = request.query_params.get("done") == "reset"
        notice = translator(request)("user.reset_done", user=row.user.username)
        return self._kit.rendering.render(
            request,
            "user.html",
            row=row,
            reset_url=_user_url(request, row, "/reset"),
            may_reset=self._office.may_reset(admin, row.user),
            notice=notice if done else None,
            last_verified=last_verified_at,
        )

    async def reset_user(self, request: Request) -> Response:
        admin, row = await self._own_user(request)
        if not self._office.may_reset(admin, row.user):
            raise Detour(ErrorPage(403, "user.no_self_reset"))
        values: dict[str, Any] = {
            "row": row,
            "form_action": _user_url(request, row, "/reset"),
            "user_url": _user_url(request, row),
        }
        if request.method == "GET":
            return self._kit.rendering.render(request, "user_reset.html", **values)
        await self._kit.forms.read(request, "user_reset.html", values)
        await self._office.reset_user(admin, row.user, client_address(request))
        return self._kit.rendering.go_on(request, _user_url(request, row, "?done=reset"))
