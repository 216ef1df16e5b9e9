"""Trusted browsers on the pages: the office's setting behind the password, the lists of
the user and of the admin, and the cookie the code prompt sets and reads.

The trust is checked only at the code prompt, when the session has no proof of the
second step: a verified request never comes here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from .. import login
from ..backend import GuardUser
from ..services.trust import MAX_TRUST_DAYS, MIN_TRUST_DAYS, TRUST_COOKIE, Trusted
from .api import Refusal
from .detour import Detour, ErrorPage, FormAgain
from .forms import field
from .kit import Kit
from .links import client_address, guard_url, host_root, returning

if TYPE_CHECKING:
    from ..guard import Guard

__all__ = ["TrustCookie", "TrustRoutes"]

# What the checkbox may send: a browser sends "on", a JSON client may say it otherwise.
_CHECKED = frozenset({"on", "true", "1", "yes"})
_ALL = "all"
_BROWSERS = "/browsers"


def checked(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _CHECKED


class TrustCookie:
    """The code prompt's side of a trusted browser: skip it, or trust after a right code."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard

    async def days_offered(self, user: GuardUser) -> int | None:
        """The days the checkbox offers; None when the office does not allow trust."""
        return await self._guard.trust.max_days_for(user.office_id) or None

    async def passes(self, request: Request, user: GuardUser) -> bool:
        """Whether this browser's trust lets the user past the code prompt now; then the
        session is marked verified, as a right code does.

        Only in a login the guard recorded for this very user: the password came first.
        """
        cookie = request.cookies.get(TRUST_COOKIE)
        if not cookie or login.login_of(request.session, user.id) is None:
            return False
        generation = await self._guard.trust.use(user, cookie, address=client_address(request))
        if generation is None:
            return False
        return await self._guard.passed(request.scope, user.id, generation)

    async def trust(
        self, request: Request, user: GuardUser, generation: int, response: Response
    ) -> None:
        """Trust this browser after a right code, when the office allows it."""
        trusted = await self._guard.trust.trust(
            user,
            generation,
            user_agent=request.headers.get("user-agent"),
            address=client_address(request),
            replacing=request.cookies.get(TRUST_COOKIE),
        )
        if trusted is not None:
            self.set(request, response, trusted)

    def set(self, request: Request, response: Response, trusted: Trusted) -> None:
        secure = self._guard.settings.trust_cookie_secure
        if secure is None:
            secure = request.url.scheme in ("https", "wss")
        response.set_cookie(
            TRUST_COOKIE,
            trusted.cookie,
            max_age=trusted.max_age,
            path=host_root(request) or "/",
            secure=secure,
            httponly=True,
            samesite="lax",
        )


class TrustRoutes:
    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        self._guard = kit.guard

    def routes(self) -> list[BaseRoute]:
        route = self._kit.answers.route
        return [
            route("/office/trust", self.office_trust, "GET", "POST"),
            route(_BROWSERS, self.own_browsers, "GET", "POST"),
            route("/users/{user_id}/browsers", self.user_browsers, "GET", "POST"),
        ]

    # The office's setting, behind the password like activation

    async def office_trust(self, request: Request) -> Response:
        admin = await self._kit.gates.admin(request)
        office = self._guard.office
        status = await office.status(admin.office_id)
        current = await self._guard.trust.max_days_for(admin.office_id)
        values: dict[str, Any] = {
            "form_action": guard_url(request, "/office/trust", keep_next=False),
            "trust_days": current or None,
            "min_days": MIN_TRUST_DAYS,
            "max_days": MAX_TRUST_DAYS,
            "linked": ", ".join(o.name for o in status.linked) or None,
            "linked_offices": status.linked,
        }
        if request.method == "GET":
            return self._kit.rendering.render(request, "office_trust.html", **values)
        form = await self._kit.forms.read(request, "office_trust.html", values)
        # The choice is checked before the password, so a mistyped number costs no attempt.
        max_days = self._chosen_days(field(form, "trust"), field(form, "trust_days"), values)
        await self._kit.steps.confirm_password(request, admin, "office_trust.html", values)
        await self._guard.trust.set_max_days(
            status.group_ids, max_days, actor_id=admin.id, address=client_address(request)
        )
        done = "trust-on" if max_days else "trust-off"
        return self._kit.rendering.go_on(
            request, guard_url(request, f"/office?done={done}", keep_next=False)
        )

    @staticmethod
    def _chosen_days(choice: str | None, raw_days: str | None, values: dict[str, Any]) -> int:
        """0 for off, else the days: 1 to 30; anything else the form again, saying why."""
        if choice == "off":
            return 0
        if choice != "on":
            raise Detour(
                FormAgain(
                    "office_trust.html",
                    values,
                    400,
                    "trust.choice_missing",
                    Refusal("trust_choice", "trust"),
                )
            )
        text = (raw_days or "").strip()
        days = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None
        if days is None or not MIN_TRUST_DAYS <= days <= MAX_TRUST_DAYS:
            raise Detour(
                FormAgain(
                    "office_trust.html",
                    {**values, "trust_days": None},
                    400,
                    "trust.days_invalid",
                    Refusal("trust_days", "trust_days"),
                    message_values={"min": MIN_TRUST_DAYS, "max": MAX_TRUST_DAYS},
                )
            )
        return days

    # The lists: a user's own, and the admin's of a user of the own office

    async def own_browsers(self, request: Request) -> Response:
        user = await self._kit.gates.verified(request)
        action = guard_url(request, _BROWSERS, keep_next=False)
        return await self._browsers(
            request,
            user.id,
            user,
            subject=None,
            action=action,
            back=guard_url(request, "/office", keep_next=False),
        )

    async def user_browsers(self, request: Request) -> Response:
        admin = await self._kit.gates.admin(request)
        row = await self._guard.office.user_of_own_office(admin, request.path_params["user_id"])
        if row is None:
            raise Detour(ErrorPage(404))
        base = f"/users/{quote(row.user.id, safe='')}"
        return await self._browsers(
            request,
            admin.id,
            row.user,
            subject=row.user.username,
            action=guard_url(request, f"{base}/browsers", keep_next=False),
            back=guard_url(request, base, keep_next=False),
        )

    async def _browsers(
        self,
        request: Request,
        actor_id: str,
        user: GuardUser,
        *,
        subject: str | None,
        action: str,
        back: str,
    ) -> Response:
        values: dict[str, Any] = {
            "subject": subject,
            "browsers": await self._guard.trust.live(user.id),
            "remove_action": action,
            "back_url": back,
            "notice": None,
        }
        if request.method == "GET":
            if request.query_params.get("done") == "removed":
                values["notice"] = self._kit.rendering.translator(request)("trust.removed")
            return self._kit.rendering.render(request, "trusted_browsers.html", **values)
        form = await self._kit.forms.read(request, "trusted_browsers.html", values)
        chosen = field(form, "browser")
        if chosen is None or not chosen.strip():
            raise Detour(
                FormAgain(
                    "trusted_browsers.html",
                    values,
                    400,
                    "trust.browser_missing",
                    Refusal("browser_missing", "browser"),
                )
            )
        chosen = chosen.strip()
        removed = await self._guard.trust.remove(
            actor_id,
            user,
            None if chosen == _ALL else chosen,
            address=client_address(request),
        )
        if not removed and chosen != _ALL:
            raise Detour(ErrorPage(404, "trust.not_found"))
        return self._kit.rendering.go_on(
            request, returning(request, "browser_removed") or f"{action}?done=removed"
        )
