"""The user's passkeys and security keys: the list, adding one, removing one, and
answering the code prompt with one.

Adding is sensitive (a new way in): only a verified user whose app is set up may, and
only after typing the password again; the browser's challenge is handed out only then.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from .. import login
from ..backend import GuardUser
from ..decision import Decision
from ..http import local_target
from ..services.passkey_policy import Need
from ..services.webauthn import MAX_NAME_LENGTH, Outcome, clean_name
from .api import Refusal
from .detour import Detour, ErrorPage, FormAgain
from .forms import PASSWORD_ERRORS, field, refused
from .kit import Kit
from .links import client_address, guard_url, next_target, returning
from .trust_routes import TrustCookie

__all__ = ["PasskeyRoutes"]

_LIST = "/passkeys"
# Why an answer of the browser is refused, as the pages say it.
_REFUSALS = {
    Outcome.REJECTED: (400, "webauthn.error.rejected"),
    Outcome.EXPIRED: (409, "webauthn.error.expired"),
    Outcome.CLONED: (400, "webauthn.error.cloned"),
    Outcome.DUPLICATE: (409, "webauthn.error.duplicate"),
    Outcome.BAD_NAME: (400, "webauthn.error.name"),
    Outcome.LAST: (409, "webauthn.error.last"),
    Outcome.REQUIRED: (409, "webauthn.error.required"),
}


class PasskeyRoutes:
    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        self._guard = kit.guard

    def routes(self) -> list[BaseRoute]:
        route = self._kit.answers.route
        return [
            route("/passkey", self.required),
            route(_LIST, self.list_page),
            route(f"{_LIST}/new", self.new, "GET", "POST"),
            route(f"{_LIST}/add", self.add, "GET", "POST"),
            route(f"{_LIST}/{{passkey_id}}/remove", self.remove, "GET", "POST"),
            route("/verify/passkey", self.verify, "GET", "POST"),
        ]

    async def _owner(self, request: Request) -> GuardUser:
        """A verified user whose app is set up, when passkeys are on; else 404. A user
        whose office requires a passkey they do not have yet may add one too."""
        user = await self._kit.gates.verified(request, adding_passkey=True)
        if not self._guard.webauthn.enabled:
            raise Detour(ErrorPage(404))
        if not await self._guard.enrollment.is_enrolled(user):
            raise Detour(ErrorPage(404, "webauthn.enroll_first"))
        return user

    def _login_id(self, request: Request, user: GuardUser) -> str:
        return login.current(request.session, user.id)

    async def required(self, request: Request) -> Response:
        """The step after the code when the office requires a passkey the user lacks:
        why, and the way to add one; nothing else of the app opens before it."""
        user = await self._kit.gates.for_step(request, Decision.PASSKEY)
        policy = self._guard.passkey_policy
        state = await self._guard.state_of(user.id)
        if state.generation is not None and await policy.need(user) is not Need.ADD:
            # Switched off since the code was given: the code counts as it always did.
            await self._guard.passed(request.scope, user.id, state.generation)
            return self._kit.rendering.go_on(
                request, next_target(request, self._guard.settings.home_path)
            )
        rule = await policy.rule_for(user.office_id)
        return self._kit.rendering.render(
            request,
            "passkey_required.html",
            applies_to=rule.value,
            add_url=guard_url(request, f"{_LIST}/new"),
        )

    async def list_page(self, request: Request) -> Response:
        user = await self._owner(request)
        notice = {"added": "webauthn.added", "removed": "webauthn.removed"}.get(
            request.query_params.get("done", "")
        )
        return self._kit.rendering.render(
            request,
            "passkeys.html",
            passkeys=await self._guard.webauthn.passkeys(user),
            app=await self._guard.authenticators.app(user),
            add_url=guard_url(request, f"{_LIST}/new", keep_next=False),
            notice=self._kit.rendering.translator(request)(notice) if notice else None,
        )

    def _new_values(self, request: Request, name: str | None) -> dict[str, Any]:
        # ``next`` goes along: a user the office sends here goes on to it once added.
        return {
            "form_action": guard_url(request, f"{_LIST}/new"),
            "add_action": guard_url(request, f"{_LIST}/add"),
            "cancel_url": guard_url(request, _LIST, keep_next=False),
            "name": name or "",
            "max_name_length": MAX_NAME_LENGTH,
            "options": None,
        }

    async def new(self, request: Request) -> Response:
        """The name and the password again; then the browser's challenge."""
        user = await self._owner(request)
        values = self._new_values(request, None)
        if request.method == "GET":
            return self._kit.rendering.render(request, "passkey_new.html", **values)
        form = await self._kit.forms.read(request, "passkey_new.html", values)
        name = clean_name(field(form, "name"))
        values["name"] = field(form, "name") or ""
        if name is None:
            raise _refused(values, Outcome.BAD_NAME, "name")
        attempt = await self._guard.passwords.check(
            user, field(form, "password"), client_address(request)
        )
        if not attempt.accepted:
            raise refused("passkey_new.html", values, attempt, PASSWORD_ERRORS)
        values["name"] = name
        values["options"] = await self._guard.webauthn.registration_options(
            request.session, user, self._login_id(request, user)
        )
        return self._kit.rendering.render(request, "passkey_new.html", **values)

    async def add(self, request: Request) -> Response:
        """The browser's answer to the challenge: the new passkey, kept by its name."""
        user = await self._owner(request)
        values = self._new_values(request, None)
        if request.method == "GET":
            return self._kit.rendering.render(request, "passkey_new.html", **values)
        form = await self._kit.forms.read(request, "passkey_new.html", values)
        values["name"] = field(form, "name") or ""
        outcome = await self._guard.webauthn.register(
            request.session,
            user,
            self._login_id(request, user),
            field(form, "credential"),
            name=field(form, "name"),
            address=client_address(request),
        )
        if outcome is not Outcome.ACCEPTED:
            raise _refused(values, outcome, "name" if outcome is Outcome.BAD_NAME else None)
        state = await self._guard.state_of(user.id)
        if state.generation is not None and (
            await self._guard.decide(user.id, request.session) is Decision.PASSKEY
        ):
            # The passkey the office required: the second step given, the app opens.
            await self._guard.passed(
                request.scope, user.id, state.generation, phishing_resistant=True
            )
            return self._kit.rendering.go_on(
                request, next_target(request, self._guard.settings.home_path)
            )
        return self._kit.rendering.go_on(
            request, guard_url(request, f"{_LIST}?done=added", keep_next=False)
        )

    async def remove(self, request: Request) -> Response:
        """Remove one, after a confirmation; never the last while the office requires it."""
        user = await self._owner(request)
        passkey_id = request.path_params["passkey_id"]
        passkey = await self._guard.webauthn.passkey(user, passkey_id)
        if passkey is None:
            raise Detour(ErrorPage(404))
        values: dict[str, Any] = {
            "passkey": passkey,
            "form_action": guard_url(request, f"{_LIST}/{passkey_id}/remove"),
            "cancel_url": local_target(
                request.query_params.get("next"), guard_url(request, _LIST, keep_next=False)
            ),
        }
        if request.method == "GET":
            return self._kit.rendering.render(request, "passkey_remove.html", **values)
        await self._kit.forms.read(request, "passkey_remove.html", values)
        state = await self._guard.state_of(user.id)
        outcome = await self._guard.webauthn.remove(
            user,
            passkey_id,
            required=state.required,
            passkey_required=await self._guard.passkey_policy.applies_to(user),
            address=client_address(request),
        )
        if outcome is Outcome.NOT_FOUND:
            raise Detour(ErrorPage(404))
        if outcome in (Outcome.LAST, Outcome.REQUIRED):
            status, key = _REFUSALS[outcome]
            raise Detour(FormAgain("passkey_remove.html", values, status, key, Refusal(_code(key))))
        return self._kit.rendering.go_on(
            request,
            returning(request, "passkey_removed")
            or guard_url(request, f"{_LIST}?done=removed", keep_next=False),
        )

    async def verify(self, request: Request) -> Response:
        """The code prompt answered with a passkey: verified exactly as with a code."""
        user = await self._kit.gates.for_step(request, Decision.VERIFY)
        need = await self._guard.passkey_policy.need(user)
        values: dict[str, Any] = {
            "form_action": guard_url(request, "/verify"),
            "recover_url": guard_url(request, "/recover"),
            "code_allowed": need is not Need.USE,
            "passkey_options": None,
            "passkey_action": guard_url(request, "/verify/passkey"),
            # The prompt shown again holds the code form, its trust checkbox included
            # when the office's rule leaves trust to the user.
            "trust_days": (
                await TrustCookie(self._guard).days_offered(user) if need is Need.NONE else None
            ),
        }
        if request.method == "GET":
            values.update(await passkey_prompt(self._kit, request, user))
            return self._kit.rendering.render(request, "verify.html", **values)
        # The challenge this answer is for stays in place until the answer is checked.
        form = await self._kit.forms.read(request, "verify.html", values)
        verified = await self._guard.webauthn.authenticate(
            request.session,
            user,
            self._login_id(request, user),
            field(form, "credential"),
            client_address(request),
        )
        if verified.outcome is not Outcome.ACCEPTED or verified.generation is None:
            # The refused form carries a fresh challenge, so the user can try again.
            values = {**values, **await passkey_prompt(self._kit, request, user)}
            status, key = _REFUSALS.get(verified.outcome, (400, "webauthn.error.rejected"))
            raise Detour(
                FormAgain("verify.html", values, status, key, Refusal(_code(key), "credential"))
            )
        await self._guard.passed(
            request.scope, user.id, verified.generation, phishing_resistant=True
        )
        return self._kit.rendering.go_on(
            request, next_target(request, self._guard.settings.home_path)
        )


async def passkey_prompt(kit: Kit, request: Request, user: GuardUser) -> dict[str, Any]:
    """What the code prompt needs to offer a passkey: a challenge when the user has one."""
    webauthn = kit.guard.webauthn
    options = None
    if webauthn.enabled:
        options = await webauthn.authentication_options(
            request.session, user, login.current(request.session, user.id)
        )
    return {
        "passkey_options": options,
        "passkey_action": guard_url(request, "/verify/passkey"),
    }


def _refused(values: dict[str, Any], outcome: Outcome, name: str | None) -> Detour:
    status, key = _REFUSALS.get(outcome, (400, "webauthn.error.rejected"))
    return Detour(FormAgain("passkey_new.html", values, status, key, Refusal(_code(key), name)))


def _code(key: str) -> str:
    """The JSON error code of a message: ``webauthn.error.cloned`` is ``passkey_cloned``."""
    return "passkey_" + key.rsplit(".", 1)[1]
