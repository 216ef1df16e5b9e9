"""User management: the office's users and resetting one user's two-step verification."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..backend import GuardUser
from ..services.office import UserOverview
from .kit import PageKit

__all__ = ["AdminPages"]


class AdminPages(PageKit):
    def admin_routes(self) -> list[BaseRoute]:
        return [
            Route("/users", self.users, methods=["GET"]),
            Route("/users/{user_id}", self.user, methods=["GET"]),
            Route("/users/{user_id}/reset", self.reset_user, methods=["GET", "POST"]),
        ]

    async def users(self, request: Request) -> Response:
        admin, elsewhere = await self._gate_admin(request)
        if admin is None:
            return elsewhere  # type: ignore[return-value]
        status = await self.guard.office.status(admin.office_id)
        rows = await self.guard.office.users_overview(admin)
        return self.render(request, "users.html", office=status.office, rows=rows)

    async def _own_user(
        self, request: Request
    ) -> tuple[GuardUser | None, UserOverview | None, Response | None]:
        """The admin and a user of their own office; 404 alike for every other user id."""
        admin, elsewhere = await self._gate_admin(request)
        if admin is None:
            return None, None, elsewhere
        row = await self.guard.office.user_of_own_office(admin, request.path_params["user_id"])
        if row is None:
            return None, None, self.error_response(request, 404)
        return admin, row, None

    def _user_url(self, request: Request, row: UserOverview, suffix: str = "") -> str:
        return self._url(request, f"/users/{quote(row.user.id, safe='')}{suffix}", keep_next=False)

    async def user(self, request: Request) -> Response:
        admin, row, elsewhere = await self._own_user(request)
        if admin is None or row is None:
            return elsewhere  # type: ignore[return-value]
        done = request.query_params.get("done") == "reset"
        notice = self._translator(request)("user.reset_done", user=row.user.username)
        return self.render(
            request,
            "user.html",
            row=row,
            reset_url=self._user_url(request, row, "/reset"),
            may_reset=self.guard.office.may_reset(admin, row.user),
            notice=notice if done else None,
        )

    async def reset_user(self, request: Request) -> Response:
        admin, row, elsewhere = await self._own_user(request)
        if admin is None or row is None:
            return elsewhere  # type: ignore[return-value]
        if not self.guard.office.may_reset(admin, row.user):
            return self.error_response(request, 403, message_key="user.no_self_reset")
        values: dict[str, Any] = {
            "row": row,
            "form_action": self._user_url(request, row, "/reset"),
            "user_url": self._user_url(request, row),
        }
        if request.method == "GET":
            return self.render(request, "user_reset.html", **values)
        form, failure = await self._form(request, "user_reset.html", **values)
        if form is None:
            return failure  # type: ignore[return-value]
        await self.guard.office.reset_user(admin, row.user, self._address(request))
        return self._go_on(request, self._user_url(request, row, "?done=reset"))
