"""The user's own security page, and renaming the app and a passkey from it.

One page for everything a user checks about their own account: the ways in, the
trusted browsers, the latest sign-ins, and the links to log out everywhere and to the
reset code. Every part of it is a thing the user already owns; nothing here reaches
another user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..backend import GuardUser
from ..http import with_query
from ..services.authenticators import Renamed
from ..services.webauthn import MAX_NAME_LENGTH
from .api import Refusal
from .detour import Detour, ErrorPage, FormAgain
from .forms import field
from .kit import Kit
from .links import client_address, guard_url

__all__ = ["SecurityRoutes"]

_PAGE = "/security"
# What a change made from this page, or opened from it, says when it comes back here.
_DONE = {
    "renamed": "security.renamed",
    "passkey_removed": "webauthn.removed",
    "browser_removed": "trust.removed",
}
_RENAME = "authenticator_rename.html"


class SecurityRoutes:
    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        self._guard = kit.guard

    def routes(self) -> list[BaseRoute]:
        route = self._kit.answers.route
        return [
            route(_PAGE, self.page),
            route("/app/rename", self.rename_app, "GET", "POST"),
            route("/passkeys/{passkey_id}/rename", self.rename_passkey, "GET", "POST"),
        ]

    def _url(self, request: Request, path: str) -> str:
        return guard_url(request, path, keep_next=False)

    async def page(self, request: Request) -> Response:
        user = await self._kit.gates.verified(request)
        guard = self._guard
        app = await guard.authenticators.app(user)
        passkeys_on = guard.webauthn.enabled and app is not None
        here = self._url(request, _PAGE)
        notice = _DONE.get(request.query_params.get("done", ""))
        return self._kit.rendering.render(
            request,
            "security.html",
            app=app,
            passkeys=await guard.webauthn.passkeys(user) if passkeys_on else [],
            passkeys_on=passkeys_on,
            add_url=self._url(request, "/passkeys/new"),
            rename_app_url=self._url(request, "/app/rename"),
            browsers=await guard.trust.live(user.id),
            # Removing one ends back here (links.returning), not on the list's own page.
            remove_action=with_query(self._url(request, "/browsers"), next=here),
            remove_passkey_next=here,
            sign_ins=await guard.authenticators.recent_sign_ins(user),
            logout_everywhere_url=self._url(request, "/logout-everywhere"),
            reset_code_url=self._url(request, "/office/reset-code"),
            notice=self._kit.rendering.translator(request)(notice) if notice else None,
        )

    def _rename_values(
        self, request: Request, *, action: str, current: str | None, name: str
    ) -> dict[str, Any]:
        return {
            "form_action": self._url(request, action),
            "cancel_url": self._url(request, _PAGE),
            "current_name": current,
            "name": name,
            "max_name_length": MAX_NAME_LENGTH,
        }

    async def rename_app(self, request: Request) -> Response:
        user = await self._kit.gates.verified(request)
        app = await self._guard.authenticators.app(user)
        if app is None:
            raise Detour(ErrorPage(404, "security.app_not_set_up"))
        values = self._rename_values(
            request, action="/app/rename", current=app.name, name=app.name or ""
        )
        return await self._rename(
            request,
            values,
            lambda raw: self._guard.authenticators.rename_app(
                user, raw, address=client_address(request)
            ),
        )

    async def rename_passkey(self, request: Request) -> Response:
        user = await self._passkey_owner(request)
        passkey_id = request.path_params["passkey_id"]
        passkey = await self._guard.webauthn.passkey(user, passkey_id)
        # Another user's id is as unknown here as one that never existed.
        if passkey is None:
            raise Detour(ErrorPage(404))
        values = self._rename_values(
            request,
            action=f"/passkeys/{passkey_id}/rename",
            current=passkey.name,
            name=passkey.name,
        )
        return await self._rename(
            request,
            values,
            lambda raw: self._guard.authenticators.rename_passkey(
                user, passkey_id, raw, address=client_address(request)
            ),
        )

    async def _passkey_owner(self, request: Request) -> GuardUser:
        """As the passkey pages: a verified user whose app is set up, passkeys on; else 404."""
        user = await self._kit.gates.verified(request)
        if not self._guard.webauthn.enabled:
            raise Detour(ErrorPage(404))
        if not await self._guard.enrollment.is_enrolled(user):
            raise Detour(ErrorPage(404, "webauthn.enroll_first"))
        return user

    async def _rename(
        self,
        request: Request,
        values: dict[str, Any],
        rename: Callable[[str | None], Awaitable[Renamed]],
    ) -> Response:
        if request.method == "GET":
            return self._kit.rendering.render(request, _RENAME, **values)
        form = await self._kit.forms.read(request, _RENAME, values)
        raw = field(form, "name")
        # What was typed stays in the field when it is refused, to be corrected.
        values = {**values, "name": raw or ""}
        outcome = await rename(raw)
        if outcome is Renamed.NOT_FOUND:
            raise Detour(ErrorPage(404))
        if outcome is Renamed.BAD_NAME:
            raise Detour(
                FormAgain(
                    _RENAME,
                    values,
                    400,
                    "webauthn.error.name",
                    Refusal("bad_name", "name"),
                )
            )
        return self._kit.rendering.go_on(request, self._url(request, f"{_PAGE}?done=renamed"))
