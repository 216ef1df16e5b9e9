"""The office settings page: status, the activation wizard, the own reset code, deactivation."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..backend import GuardUser
from ..reset_codes import format_reset_code
from ..services.audit import event_key
from ..services.office import OfficeStatus
from ..services.people import named
from .api import Refusal
from .detour import Detour, Elsewhere
from .kit import Kit
from .links import client_address, guard_url

__all__ = ["PASSWORD_STEP_SECONDS", "OfficeRoutes"]

# The wizard's password step holds for the steps after it for this long.
PASSWORD_STEP_SECONDS = 15 * 60
_CONFIRMED_KEY = "nextens_guard.activation_confirmed"
_WIZARD = "/office/activate"
_WIZARD_STEPS = 5
_DONE = {
    "activated": "office.activated_done",
    "deactivated": "office.deactivated_done",
    "logged-out-everywhere": "logout_everywhere.done_own",
    "trust-on": "trust.saved_on",
    "trust-off": "trust.saved_off",
    "passkeys-off": "passkey_policy.saved_off",
    "passkeys-admins": "passkey_policy.saved_admins",
    "passkeys-everyone": "passkey_policy.saved_everyone",
}


def _linked_names(status: OfficeStatus) -> str | None:
    return ", ".join(office.name for office in status.linked) or None


class OfficeRoutes:
    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        self._guard = kit.guard

    def routes(self) -> list[BaseRoute]:
        route = self._kit.answers.route
        return [
            route("/office", self.office),
            route("/office/activate", self.activate_install),
            route("/office/activate/scan", self.activate_scan),
            route("/office/activate/password", self.activate_password, "GET", "POST"),
            route("/office/activate/code", self.activate_code, "GET", "POST"),
            route("/office/activate/finish", self.activate_finish, "GET", "POST"),
            route("/office/reset-code", self.reset_code, "GET", "POST"),
            route("/office/deactivate", self.deactivate, "GET", "POST"),
        ]

    def _to_office(self, request: Request, query: str = "") -> str:
        return guard_url(request, f"/office{query}", keep_next=False)

    async def office(self, request: Request) -> Response:
        user = await self._kit.gates.verified(request)
        office = self._guard.office
        status = await office.status(user.office_id)
        is_admin = await office.may_manage(user)
        done = _DONE.get(request.query_params.get("done", ""))
        events = await office.recent_events(user.office_id) if is_admin else []
        return self._kit.rendering.render(
            request,
            "office.html",
            status=status,
            linked=_linked_names(status),
            is_admin=is_admin,
            enrolled=await self._guard.enrollment.is_enrolled(user),
            trust_days=await self._guard.trust.max_days_for(user.office_id),
            passkeys_on=self._guard.webauthn.enabled,
            passkeys_required_of=(await self._guard.passkey_policy.rule_for(user.office_id)).value,
            events=events,
            event_key=event_key,
            people=await named(
                self._guard.backend, (i for e in events for i in (e.subject_id, e.actor_id))
            ),
            notice=self._kit.rendering.translator(request)(done) if done else None,
        )

    # The activation wizard: the manual's five steps

    async def _wizard_admin(self, request: Request) -> tuple[GuardUser, dict[str, Any]]:
        """The admin who may take the wizard's steps now, and what every step shows, so it
        does not read like a user's own enrollment; to the office page once it is active."""
        admin = await self._kit.gates.admin(request)
        status = await self._guard.office.status(admin.office_id)
        if status.active:
            raise Detour(Elsewhere(self._to_office(request)))
        return admin, {"wizard_office": status.office.name}

    async def _password_confirmed_admin(self, request: Request) -> tuple[GuardUser, dict[str, Any]]:
        """The wizard's admin once they re-entered their password; else back to that step."""
        admin, wizard = await self._wizard_admin(request)
        marker = request.session.get(_CONFIRMED_KEY)
        if not (
            isinstance(marker, list)
            and len(marker) == 2
            and marker[0] == admin.id
            and isinstance(marker[1], int | float)
            and 0 <= self._guard.settings.clock() - marker[1] < PASSWORD_STEP_SECONDS
        ):
            raise Detour(Elsewhere(guard_url(request, f"{_WIZARD}/password")))
        return admin, wizard

    async def activate_install(self, request: Request) -> Response:
        _, wizard = await self._wizard_admin(request)
        return self._kit.rendering.render(
            request,
            "enroll_install.html",
            step=1,
            total=_WIZARD_STEPS,
            intro_key="activate.intro",
            next_step_url=guard_url(request, f"{_WIZARD}/scan"),
            cancel_url=self._to_office(request),
            notice=None,
            **wizard,
        )

    async def activate_scan(self, request: Request) -> Response:
        admin, wizard = await self._wizard_admin(request)
        return await self._kit.steps.scan(
            request,
            admin,
            total=_WIZARD_STEPS,
            previous=_WIZARD,
            following=f"{_WIZARD}/password",
            shown=wizard,
        )

    async def activate_password(self, request: Request) -> Response:
        admin, wizard = await self._wizard_admin(request)
        await self._kit.steps.pending(request, admin, _WIZARD)
        values: dict[str, Any] = {
            "step": 3,
            "total": _WIZARD_STEPS,
            "body_key": "activate.password.body",
            "form_action": guard_url(request, f"{_WIZARD}/password"),
            "previous_step_url": guard_url(request, f"{_WIZARD}/scan"),
            **wizard,
        }
        if request.method == "GET":
            return self._kit.rendering.render(request, "activate_password.html", **values)
        await self._kit.steps.confirm_password(request, admin, "activate_password.html", values)
        request.session[_CONFIRMED_KEY] = [admin.id, int(self._guard.settings.clock())]
        return self._kit.rendering.go_on(request, guard_url(request, f"{_WIZARD}/code"))

    async def activate_code(self, request: Request) -> Response:
        admin, wizard = await self._password_confirmed_admin(request)
        return await self._kit.steps.code(
            request, admin, flow=_WIZARD, step=4, total=_WIZARD_STEPS, shown=wizard
        )

    async def activate_finish(self, request: Request) -> Response:
        admin, wizard = await self._password_confirmed_admin(request)
        status = await self._guard.office.status(admin.office_id)

        async def activate(admin: GuardUser, owner: str, address: str) -> int | None:
            generation = await self._guard.office.activate(admin, owner, address)
            if generation is not None:
                request.session.pop(_CONFIRMED_KEY, None)
            return generation

        return await self._kit.steps.finish(
            request,
            admin,
            flow=_WIZARD,
            step=5,
            total=_WIZARD_STEPS,
            complete=activate,
            then=self._to_office(request, "?done=activated"),
            shown={
                "note_key": "activate.finish.note",
                "linked": _linked_names(status),
                "linked_offices": status.linked,
                **wizard,
            },
        )

    # The own reset code, behind the password

    async def reset_code(self, request: Request) -> Response:
        user = await self._kit.gates.verified(request)
        values: dict[str, Any] = {
            "form_action": guard_url(request, "/office/reset-code", keep_next=False),
            "reset_code": None,
        }
        if not await self._guard.enrollment.is_enrolled(user):
            error = self._kit.rendering.translator(request)("reset_code.none")
            return self._kit.rendering.render(
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
            return self._kit.rendering.render(request, "office_reset_code.html", **values)
        await self._kit.steps.confirm_password(request, user, "office_reset_code.html", values)
        code = await self._guard.office.reset_code_of(user, client_address(request))
        if code is None:
            raise Detour(Elsewhere(self._to_office(request)))
        values.update(reset_code=code, reset_code_grouped=format_reset_code(code))
        return self._kit.rendering.render(request, "office_reset_code.html", **values)

    # Deactivation, for the whole office group

    async def deactivate(self, request: Request) -> Response:
        admin = await self._kit.gates.admin(request)
        status = await self._guard.office.status(admin.office_id)
        if not status.active:
            raise Detour(Elsewhere(self._to_office(request)))
        values: dict[str, Any] = {
            "form_action": guard_url(request, "/office/deactivate", keep_next=False),
            "linked": _linked_names(status),
            "linked_offices": status.linked,
        }
        if request.method == "GET":
            return self._kit.rendering.render(request, "office_deactivate.html", **values)
        await self._kit.steps.confirm_password(request, admin, "office_deactivate.html", values)
        await self._guard.office.deactivate(admin, client_address(request))
        return self._kit.rendering.go_on(request, self._to_office(request, "?done=deactivated"))
