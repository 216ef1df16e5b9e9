"""The office settings page: status, the activation wizard, the own reset code, deactivation."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..backend import GuardUser
from ..reset_codes import format_reset_code
from ..services.office import OfficeStatus
from .api import Refusal
from .kit import PageKit

__all__ = ["OfficePages"]

# The wizard's password step holds for the steps after it for this long.
PASSWORD_STEP_SECONDS = 15 * 60
_CONFIRMED_KEY = "nextens_guard.activation_confirmed"
_WIZARD_STEPS = 5
_DONE = {"activated": "office.activated_done", "deactivated": "office.deactivated_done"}


class OfficePages(PageKit):
    def office_routes(self) -> list[BaseRoute]:
        return [
            Route("/office", self.office, methods=["GET"]),
            Route("/office/activate", self.activate_install, methods=["GET"]),
            Route("/office/activate/scan", self.activate_scan, methods=["GET"]),
            Route("/office/activate/password", self.activate_password, methods=["GET", "POST"]),
            Route("/office/activate/code", self.activate_code, methods=["GET", "POST"]),
            Route("/office/activate/finish", self.activate_finish, methods=["GET", "POST"]),
            Route("/office/reset-code", self.reset_code, methods=["GET", "POST"]),
            Route("/office/deactivate", self.deactivate, methods=["GET", "POST"]),
        ]

    @staticmethod
    def _linked_names(status: OfficeStatus) -> str | None:
        return ", ".join(office.name for office in status.linked) or None

    async def office(self, request: Request) -> Response:
        user, elsewhere = await self._gate_verified(request)
        if user is None:
            return elsewhere  # type: ignore[return-value]
        status = await self.guard.office.status(user.office_id)
        is_admin = await self.guard.office.may_manage(user)
        done = _DONE.get(request.query_params.get("done", ""))
        return self.render(
            request,
            "office.html",
            status=status,
            linked=self._linked_names(status),
            is_admin=is_admin,
            enrolled=await self.guard.enrollment.is_enrolled(user),
            events=await self.guard.office.recent_events(user.office_id) if is_admin else [],
            notice=self._translator(request)(done) if done else None,
        )

    # The activation wizard: the manual's five steps

    async def _wizard_gate(
        self, request: Request
    ) -> tuple[GuardUser | None, Response | None, dict[str, Any]]:
        """The admin who may take the wizard's steps now, else where to go instead; and
        what every step shows, so it does not read like a user's own enrollment."""
        user, elsewhere = await self._gate_admin(request)
        if user is None:
            return None, elsewhere, {}
        status = await self.guard.office.status(user.office_id)
        if status.active:
            url = self._url(request, "/office", keep_next=False)
            return None, self._elsewhere(request, url), {}
        return user, None, {"wizard_office": status.office.name}

    def _password_confirmed(self, request: Request, user: GuardUser) -> bool:
        marker = request.session.get(_CONFIRMED_KEY)
        return (
            isinstance(marker, list)
            and len(marker) == 2
            and marker[0] == user.id
            and isinstance(marker[1], int | float)
            and 0 <= time.time() - marker[1] < PASSWORD_STEP_SECONDS
        )

    async def activate_install(self, request: Request) -> Response:
        user, elsewhere, wizard = await self._wizard_gate(request)
        if user is None:
            return elsewhere  # type: ignore[return-value]
        return self.render(
            request,
            "enroll_install.html",
            step=1,
            total=_WIZARD_STEPS,
            intro_key="activate.intro",
            next_step_url=self._url(request, "/office/activate/scan"),
            **wizard,
        )

    async def activate_scan(self, request: Request) -> Response:
        user, elsewhere, wizard = await self._wizard_gate(request)
        if user is None:
            return elsewhere  # type: ignore[return-value]
        return await self._scan_step(
            request,
            user,
            total=_WIZARD_STEPS,
            previous="/office/activate",
            following="/office/activate/password",
            **wizard,
        )

    async def activate_password(self, request: Request) -> Response:
        user, elsewhere, wizard = await self._wizard_gate(request)
        if user is None:
            return elsewhere  # type: ignore[return-value]
        if await self.guard.enrollment.pending(user, self._enrollment_owner(request)) is None:
            return self._elsewhere(request, self._url(request, "/office/activate/scan"))
        values: dict[str, Any] = {
            "step": 3,
            "total": _WIZARD_STEPS,
            "form_action": self._url(request, "/office/activate/password"),
            "previous_step_url": self._url(request, "/office/activate/scan"),
            **wizard,
        }
        if request.method == "GET":
            return self.render(request, "activate_password.html", **values)
        refused = await self._password_refused(request, user, "activate_password.html", **values)
        if refused is not None:
            return refused
        request.session[_CONFIRMED_KEY] = [user.id, int(time.time())]
        return self._go_on(request, self._url(request, "/office/activate/code"))

    async def activate_code(self, request: Request) -> Response:
        user, elsewhere, wizard = await self._wizard_gate(request)
        if user is None:
            return elsewhere  # type: ignore[return-value]
        if not self._password_confirmed(request, user):
            return self._elsewhere(request, self._url(request, "/office/activate/password"))
        return await self._code_step(
            request, user, flow="/office/activate", step=4, total=_WIZARD_STEPS, **wizard
        )

    async def activate_finish(self, request: Request) -> Response:
        user, elsewhere, wizard = await self._wizard_gate(request)
        if user is None:
            return elsewhere  # type: ignore[return-value]
        if not self._password_confirmed(request, user):
            return self._elsewhere(request, self._url(request, "/office/activate/password"))
        pending = await self.guard.enrollment.pending(user, self._enrollment_owner(request))
        if pending is None or not pending.code_ok:
            step = "/office/activate/code" if pending else "/office/activate/scan"
            return self._elsewhere(request, self._url(request, step))
        status = await self.guard.office.status(user.office_id)
        values: dict[str, Any] = {
            "step": 5,
            "total": _WIZARD_STEPS,
            "form_action": self._url(request, "/office/activate/finish"),
            "reset_code": pending.reset_code,
            "reset_code_grouped": format_reset_code(pending.reset_code),
            "note_key": "activate.finish.note",
            "linked": self._linked_names(status),
            "linked_offices": status.linked,
            **wizard,
        }
        if request.method == "GET":
            return self.render(request, "enroll_finish.html", **values)
        form, failure = await self._form(request, "enroll_finish.html", **values)
        if form is None:
            return failure  # type: ignore[return-value]
        generation = await self.guard.office.activate(
            user, self._enrollment_owner(request), self._address(request)
        )
        if generation is None:
            error = self._translator(request)("enroll.expired")
            refusal = Refusal("expired")
            return self.render(
                request, "enroll_finish.html", 409, error=error, refusal=refusal, **values
            )
        request.session.pop(_CONFIRMED_KEY, None)
        self.markers.mark(request.session, user.id, generation)
        return self._go_on(request, self._url(request, "/office?done=activated", keep_next=False))

    # The own reset code, behind the password

    async def reset_code(self, request: Request) -> Response:
        user, elsewhere = await self._gate_verified(request)
        if user is None:
            return elsewhere  # type: ignore[return-value]
        values: dict[str, Any] = {
            "form_action": self._url(request, "/office/reset-code", keep_next=False),
            "reset_code": None,
        }
        if not await self.guard.enrollment.is_enrolled(user):
            error = self._translator(request)("reset_code.none")
            return self.render(
                request,
                "error.html",
                404,
                status=404,
                heading=error,
                message=error,
                login_url=None,
                refusal=Refusal("not_enrolled"),
            )
        if request.method == "GET":
            return self.render(request, "office_reset_code.html", **values)
        refused = await self._password_refused(request, user, "office_reset_code.html", **values)
        if refused is not None:
            return refused
        code = await self.guard.office.reset_code_of(user, self._address(request))
        if code is None:
            return self._elsewhere(request, self._url(request, "/office", keep_next=False))
        values.update(reset_code=code, reset_code_grouped=format_reset_code(code))
        return self.render(request, "office_reset_code.html", **values)

    # Deactivation, for the whole office group

    async def deactivate(self, request: Request) -> Response:
        user, elsewhere = await self._gate_admin(request)
        if user is None:
            return elsewhere  # type: ignore[return-value]
        status = await self.guard.office.status(user.office_id)
        if not status.active:
            return self._elsewhere(request, self._url(request, "/office", keep_next=False))
        values: dict[str, Any] = {
            "form_action": self._url(request, "/office/deactivate", keep_next=False),
            "linked": self._linked_names(status),
            "linked_offices": status.linked,
        }
        if request.method == "GET":
            return self.render(request, "office_deactivate.html", **values)
        refused = await self._password_refused(request, user, "office_deactivate.html", **values)
        if refused is not None:
            return refused
        await self.guard.office.deactivate(user, self._address(request))
        return self._go_on(request, self._url(request, "/office?done=deactivated", keep_next=False))
