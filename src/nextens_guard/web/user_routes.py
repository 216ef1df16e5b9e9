"""The user's pages: enrollment, the code prompt and recovery with the reset code.

A user who is stuck is always told the next step: a warning before the lockout, the
reset code on the code prompt, and the office's administrators, by name, on recovery.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..attempts import Verdict
from ..backend import GuardUser
from ..decision import Decision
from ..services.passkey_policy import Need
from .api import Refusal
from .detour import Detour, Elsewhere, ErrorPage, FormAgain
from .forms import CODE_ERRORS, RESET_CODE_ERRORS, field, refused
from .kit import Kit
from .links import client_address, guard_url, next_target
from .passkey_routes import passkey_prompt
from .trust_routes import TrustCookie, checked

__all__ = ["UserRoutes"]

_ENROLL = "/enroll"
_STEPS = 4
# Set by a recovery, shown once by the enrollment it starts.
_RECOVERED_KEY = "nextens_guard.recovered"
# Named on the recovery page: enough to know whom to ask, and a bound on backend calls.
_ADMINS_NAMED = 3
_USERS_LOOKED_AT = 200


class UserRoutes:
    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        self._guard = kit.guard
        self._trust = TrustCookie(kit.guard)

    def routes(self) -> list[BaseRoute]:
        route = self._kit.answers.route
        return [
            route("/enroll", self.enroll_install),
            route("/enroll/password", self.enroll_password, "GET", "POST"),
            route("/enroll/scan", self.enroll_scan),
            route("/enroll/code", self.enroll_code, "GET", "POST"),
            route("/enroll/finish", self.enroll_finish, "GET", "POST"),
            route("/verify", self.verify, "GET", "POST"),
            route("/recover", self.recover, "GET", "POST"),
            route("/done", self.done),
            route("/logout-everywhere", self.log_out_everywhere, "GET", "POST"),
        ]

    def _next(self, request: Request) -> str:
        return next_target(request, self._guard.settings.home_path)

    # Enrollment: the manual's steps 1, 2, 4 and 5

    async def enroll_install(self, request: Request) -> Response:
        await self._kit.gates.for_step(request, Decision.ENROLL)
        return self._kit.rendering.render(
            request,
            "enroll_install.html",
            step=1,
            total=_STEPS,
            intro_key="enroll.intro",
            next_step_url=guard_url(request, "/enroll/scan"),
            cancel_url=None,
            notice=self._kit.rendering.translator(request)("recover.done")
            if request.session.pop(_RECOVERED_KEY, None)
            else None,
        )

    async def _enrolling(self, request: Request) -> GuardUser:
        """The user who may bind a phone in this login now; else to the password first.

        A login made before the user's last reset, recovery or deactivation (a copy of
        an old session cookie, say) must show the password before it sees a secret.
        """
        user = await self._kit.gates.for_step(request, Decision.ENROLL)
        if not await self._guard.may_enroll(request.session, user.id):
            raise Detour(Elsewhere(guard_url(request, f"{_ENROLL}/password")))
        return user

    async def enroll_password(self, request: Request) -> Response:
        """The password again, for a login older than the user's last reset."""
        user = await self._kit.gates.for_step(request, Decision.ENROLL)
        if await self._guard.may_enroll(request.session, user.id):
            raise Detour(Elsewhere(guard_url(request, f"{_ENROLL}/scan")))
        values: dict[str, Any] = {
            "step": 2,
            "total": _STEPS,
            "body_key": "enroll.password.body",
            "form_action": guard_url(request, f"{_ENROLL}/password"),
            "previous_step_url": guard_url(request, _ENROLL),
        }
        if request.method == "GET":
            return self._kit.rendering.render(request, "activate_password.html", **values)
        await self._kit.steps.confirm_password(request, user, "activate_password.html", values)
        await self._guard.password_typed(request.session, user.id)
        return self._kit.rendering.go_on(request, guard_url(request, f"{_ENROLL}/scan"))

    async def enroll_scan(self, request: Request) -> Response:
        user = await self._enrolling(request)
        return await self._kit.steps.scan(
            request, user, total=_STEPS, previous=_ENROLL, following="/enroll/code", shown={}
        )

    async def enroll_code(self, request: Request) -> Response:
        user = await self._enrolling(request)
        return await self._kit.steps.code(
            request, user, flow=_ENROLL, step=3, total=_STEPS, shown={}
        )

    async def enroll_finish(self, request: Request) -> Response:
        user = await self._enrolling(request)
        return await self._kit.steps.finish(
            request,
            user,
            flow=_ENROLL,
            step=4,
            total=_STEPS,
            complete=self._guard.enrollment.finish,
            then=self._next(request),
            confirm=guard_url(request, "/done"),
            shown={"note_key": None, "linked": None},
        )

    async def done(self, request: Request) -> Response:
        """After her own "Activeren": it is set up, and on to where she was going."""
        await self._kit.gates.verified(request)
        return self._kit.rendering.render(request, "done.html", continue_url=self._next(request))

    async def log_out_everywhere(self, request: Request) -> Response:
        """Every other browser of the user asks for the code again; this one stays."""
        user = await self._kit.gates.verified(request)
        if not await self._guard.enrollment.is_enrolled(user):
            raise Detour(ErrorPage(409, "logout_everywhere.nothing"))
        values: dict[str, Any] = {
            "subject": None,
            "form_action": guard_url(request, "/logout-everywhere", keep_next=False),
            "cancel_url": guard_url(request, "/office", keep_next=False),
        }
        if request.method == "GET":
            return self._kit.rendering.render(request, "logout_everywhere.html", **values)
        await self._kit.forms.read(request, "logout_everywhere.html", values)
        generation = await self._guard.office.log_out_everywhere(
            user.id, user, client_address(request), actor_name=user.label
        )
        if generation is not None:
            self._guard.mark_verified(request.session, user.id, generation)
        return self._kit.rendering.go_on(
            request, guard_url(request, "/office?done=logged-out-everywhere", keep_next=False)
        )

    # The code prompt

    async def verify(self, request: Request) -> Response:
        user = await self._kit.gates.for_step(request, Decision.VERIFY)
        # An office that requires a passkey takes no code of a user who has one, and no
        # trusted browser of anyone it applies to: both can be phished.
        need = await self._guard.passkey_policy.need(user)
        values: dict[str, Any] = {
            "form_action": guard_url(request, "/verify"),
            "recover_url": guard_url(request, "/recover"),
            "trust_days": await self._trust.days_offered(user) if need is Need.NONE else None,
            "code_allowed": need is not Need.USE,
            # A passkey answers the prompt too, when the user has one.
            **await passkey_prompt(self._kit, request, user),
        }
        if request.method == "GET":
            if need is Need.NONE and await self._trust.passes(request, user):
                return self._kit.rendering.go_on(request, self._next(request))
            return self._kit.rendering.render(request, "verify.html", **values)
        form = await self._kit.forms.read(request, "verify.html", values)
        if need is Need.USE:
            raise _passkey_only(values)
        attempt = await self._guard.verification.verify(
            user, field(form, "code"), client_address(request)
        )
        if attempt.verdict is Verdict.NOT_ENROLLED:
            raise Detour(Elsewhere(guard_url(request, _ENROLL)))
        if not attempt.accepted or attempt.generation is None:
            raise refused("verify.html", values, attempt, CODE_ERRORS)
        if not await self._guard.passed(request.scope, user.id, attempt.generation):
            # A passkey was added in another browser since the prompt was shown.
            raise _passkey_only({**values, "code_allowed": False, "trust_days": None})
        answer = self._kit.rendering.go_on(request, self._next(request))
        if values["trust_days"] and checked(field(form, "trust")):
            await self._trust.trust(request, user, attempt.generation, answer)
        return answer

    # Recovery with the reset code

    async def recover(self, request: Request) -> Response:
        user = await self._kit.gates.for_step(request, Decision.VERIFY)
        values: dict[str, Any] = {
            "form_action": guard_url(request, "/recover"),
            "verify_url": guard_url(request, "/verify"),
            "admins": await self._office_admins(user),
        }
        if request.method == "GET":
            return self._kit.rendering.render(request, "recover.html", **values)
        form = await self._kit.forms.read(request, "recover.html", values)
        attempt = await self._guard.recovery.recover(
            user, field(form, "reset_code"), client_address(request)
        )
        if attempt.verdict is Verdict.NOT_ENROLLED:
            raise Detour(Elsewhere(guard_url(request, _ENROLL)))
        if not attempt.accepted:
            raise refused("recover.html", values, attempt, RESET_CODE_ERRORS)
        self._guard.forget_verified(request.session)
        request.session[_RECOVERED_KEY] = True
        return self._kit.rendering.go_on(request, guard_url(request, _ENROLL))

    async def _office_admins(self, user: GuardUser) -> str | None:
        """Who can reset this user: the names of their office's users with user-management
        rights (not the user), as the host's backend gives them; None when it names none."""
        backend = self._guard.backend
        names: list[str] = []
        colleagues = await backend.users_of_office(user.office_id)
        for colleague in list(colleagues)[:_USERS_LOOKED_AT]:
            if colleague.id == user.id or colleague.office_id != user.office_id:
                continue
            if await backend.has_user_management_rights(colleague.id):
                names.append(colleague.label)
                if len(names) == _ADMINS_NAMED:
                    break
        return ", ".join(names) or None


def _passkey_only(values: dict[str, Any]) -> Detour:
    """The prompt again, for a code its office no longer takes of this user."""
    return Detour(
        FormAgain(
            "verify.html",
            {**values, "code_allowed": False},
            409,
            "passkey_policy.use_passkey",
            Refusal("passkey_required", "code"),
        )
    )
