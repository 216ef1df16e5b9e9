"""The office's requirement of a passkey or security key, behind the password like
activation, for the whole office group."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..services.passkey_policy import PasskeyRule
from .api import Refusal
from .detour import Detour, ErrorPage, FormAgain
from .forms import field
from .kit import Kit
from .links import client_address, guard_url

__all__ = ["PasskeyPolicyRoutes"]

_TEMPLATE = "office_passkeys.html"


class PasskeyPolicyRoutes:
    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        self._guard = kit.guard

    def routes(self) -> list[BaseRoute]:
        return [self._kit.answers.route("/office/passkeys", self.office_passkeys, "GET", "POST")]

    async def office_passkeys(self, request: Request) -> Response:
        admin = await self._kit.gates.admin(request)
        policy = self._guard.passkey_policy
        if not policy.available:
            raise Detour(ErrorPage(404))
        status = await self._guard.office.status(admin.office_id)
        values: dict[str, Any] = {
            "form_action": guard_url(request, "/office/passkeys", keep_next=False),
            "applies_to": (await policy.rule_for(admin.office_id)).value,
            "choices": [rule.value for rule in PasskeyRule],
            "linked": ", ".join(o.name for o in status.linked) or None,
            "linked_offices": status.linked,
        }
        if request.method == "GET":
            return self._kit.rendering.render(request, _TEMPLATE, **values)
        form = await self._kit.forms.read(request, _TEMPLATE, values)
        # The choice is checked before the password, so a slip costs no attempt.
        try:
            rule = PasskeyRule(field(form, "applies_to") or "")
        except ValueError:
            raise Detour(
                FormAgain(
                    _TEMPLATE,
                    values,
                    400,
                    "passkey_policy.choice_missing",
                    Refusal("passkey_policy_choice", "applies_to"),
                )
            ) from None
        await self._kit.steps.confirm_password(request, admin, _TEMPLATE, values)
        await policy.set_rule(
            status.group_ids, rule, actor_id=admin.id, address=client_address(request)
        )
        return self._kit.rendering.go_on(
            request, guard_url(request, f"/office?done=passkeys-{rule.value}", keep_next=False)
        )
