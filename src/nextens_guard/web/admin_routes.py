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

__all__ = ["AdminRoutes"]


# What a profile says after an action on it, by the ``done`` of its query.
_DONE = {"reset": "user.reset_done", "logged-out-everywhere": "logout_everywhere.done_user"}


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
            route("/users/{user_id}/logout-everywhere", self.log_out_everywhere, "GET", "POST"),
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
        done = _DONE.get(request.query_params.get("done", ""))
        notice = (
            self._kit.rendering.translator(request)(done, user=row.user.username) if done else None
        )
        return self._kit.rendering.render(
            request,
            "user.html",
            row=row,
            reset_url=_user_url(request, row, "/reset"),
            logout_everywhere_url=_user_url(request, row, "/logout-everywhere"),
            may_reset=self._office.may_reset(admin, row.user),
            notice=notice,
            last_verified=last_verified_at,
            browsers=await self._kit.guard.trust.live(row.user.id),
            browsers_url=_user_url(request, row, "/browsers"),
        )

    async def log_out_everywhere(self, request: Request) -> Response:
        """Every verified session of a user of the own office asks for a code again."""
        admin, row = await self._own_user(request)
        if not row.enrolled:
            raise Detour(ErrorPage(409, "logout_everywhere.nothing"))
        values: dict[str, Any] = {
            "subject": row.user.username,
            "form_action": _user_url(request, row, "/logout-everywhere"),
            "cancel_url": _user_url(request, row),
        }
        if request.method == "GET":
            return self._kit.rendering.render(request, "logout_everywhere.html", **values)
        await self._kit.forms.read(request, "logout_everywhere.html", values)
        generation = await self._office.log_out_everywhere(
            admin.id, row.user, client_address(request), actor_name=admin.label
        )
        if generation is not None and row.user.id == admin.id:
            # Their own sessions elsewhere end; this one, where they asked, stays.
            self._kit.guard.mark_verified(request.session, admin.id, generation)
        return self._kit.rendering.go_on(
            request, _user_url(request, row, "?done=logged-out-everywhere")
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
