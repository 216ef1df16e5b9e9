"""The steps a user's own enrollment and the office's activation wizard share: the QR
code, the first code, the reset code that finishes it, and re-entering the password.

``flow`` is where a flow's steps live (``/enroll`` or ``/office/activate``); ``shown``
is what else the flow's pages show.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from .. import otp
from ..attempts import Verdict
from ..backend import GuardUser
from ..reset_codes import format_reset_code
from ..services.enrollment import PendingEnrollment
from .api import Refusal
from .detour import Detour, Elsewhere, FormAgain
from .forms import CODE_ERRORS, PASSWORD_ERRORS, Forms, field, refused
from .links import client_address, guard_url
from .rendering import Rendering

if TYPE_CHECKING:
    from ..guard import Guard

__all__ = ["Complete", "EnrollmentSteps"]

_ENROLLMENT_KEY = "nextens_guard.enrollment"

# What finishes a flow: (user, owner, address) -> the new generation, None when expired.
Complete = Callable[[GuardUser, str, str], Awaitable[int | None]]


class EnrollmentSteps:
    def __init__(self, guard: Guard, rendering: Rendering, forms: Forms) -> None:
        self._guard = guard
        self._rendering = rendering
        self._forms = forms

    @staticmethod
    def owner(request: Request) -> str:
        """Who an enrollment in progress belongs to: this browser session."""
        nonce = request.session.get(_ENROLLMENT_KEY)
        if not isinstance(nonce, str):
            nonce = secrets.token_urlsafe(24)
            request.session[_ENROLLMENT_KEY] = nonce
        return hashlib.sha256(nonce.encode("ascii")).hexdigest()[:32]

    async def pending(self, request: Request, user: GuardUser, flow: str) -> PendingEnrollment:
        """The enrollment in progress; to the flow's scan step when there is none."""
        pending = await self._guard.enrollment.pending(user, self.owner(request))
        if pending is None:
            raise Detour(Elsewhere(guard_url(request, f"{flow}/scan")))
        return pending

    async def scan(
        self,
        request: Request,
        user: GuardUser,
        *,
        total: int,
        previous: str,
        following: str,
        shown: Mapping[str, Any],
    ) -> Response:
        """Step 2: the QR code of the enrollment in progress, begun here when there is none."""
        pending = await self._guard.enrollment.begin(
            user, self.owner(request), client_address(request)
        )
        secret = pending.secret
        uri = otp.provisioning_uri(
            secret, username=user.username, issuer=self._guard.settings.issuer_name
        )
        return self._rendering.render(
            request,
            "enroll_scan.html",
            step=2,
            total=total,
            qr_svg=Markup(otp.qr_svg(uri)),  # noqa: S704 - SVG made by segno from our own data
            otpauth_uri=uri,
            secret=secret,
            secret_grouped=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            previous_step_url=guard_url(request, previous),
            next_step_url=guard_url(request, following),
            **shown,
        )

    async def code(
        self,
        request: Request,
        user: GuardUser,
        *,
        flow: str,
        step: int,
        total: int,
        shown: Mapping[str, Any],
    ) -> Response:
        """The step that checks the first code from the app."""
        values: dict[str, Any] = {
            "step": step,
            "total": total,
            "form_action": guard_url(request, f"{flow}/code"),
            "previous_step_url": guard_url(request, f"{flow}/scan"),
            **shown,
        }
        if request.method == "GET":
            await self.pending(request, user, flow)
            return self._rendering.render(request, "enroll_code.html", **values)
        form = await self._forms.read(request, "enroll_code.html", values)
        attempt = await self._guard.enrollment.check_code(
            user, self.owner(request), field(form, "code"), client_address(request)
        )
        if attempt.verdict is Verdict.NOT_ENROLLED:
            raise Detour(Elsewhere(guard_url(request, f"{flow}/scan")))
        if not attempt.accepted:
            raise refused("enroll_code.html", values, attempt, CODE_ERRORS)
        return self._rendering.go_on(request, guard_url(request, f"{flow}/finish"))

    async def finish(
        self,
        request: Request,
        user: GuardUser,
        *,
        flow: str,
        step: int,
        total: int,
        complete: Complete,
        then: str,
        shown: Mapping[str, Any],
        confirm: str | None = None,
    ) -> Response:
        """The last step: the reset code to write down; its POST calls ``complete``, marks
        this session verified and goes on to ``then`` (a browser by way of the page
        ``confirm`` when there is one, which says it is done)."""
        pending = await self.pending(request, user, flow)
        if not pending.code_ok:
            raise Detour(Elsewhere(guard_url(request, f"{flow}/code")))
        values: dict[str, Any] = {
            "step": step,
            "total": total,
            "form_action": guard_url(request, f"{flow}/finish"),
            "reset_code": pending.reset_code,
            "reset_code_grouped": format_reset_code(pending.reset_code),
            **shown,
        }
        if request.method == "GET":
            return self._rendering.render(request, "enroll_finish.html", **values)
        await self._forms.read(request, "enroll_finish.html", values)
        generation = await complete(user, self.owner(request), client_address(request))
        if generation is None:
            raise Detour(
                FormAgain("enroll_finish.html", values, 409, "enroll.expired", Refusal("expired"))
            )
        await self._guard.passed(request.scope, user.id, generation)
        return self._rendering.go_on(request, then, browser_url=confirm)

    async def confirm_password(
        self, request: Request, user: GuardUser, template: str, values: Mapping[str, Any]
    ) -> None:
        """Returns when the posted password is the user's; else the form again, saying why."""
        form = await self._forms.read(request, template, values)
        attempt = await self._guard.passwords.check(
            user, field(form, "password"), client_address(request)
        )
        if not attempt.accepted:
            raise refused(template, values, attempt, PASSWORD_ERRORS)
