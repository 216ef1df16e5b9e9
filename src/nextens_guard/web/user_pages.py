"""The user's pages: enrollment, the code prompt, recovery and the clock-sync help."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, Router

from ..attempts import Verdict
from ..reset_codes import format_reset_code
from .api import Refusal
from .i18n import Translator, negotiate
from .kit import CODE_ERRORS, HOST_ROOT_KEY, RESET_CODE_ERRORS, PageKit
from .openapi import describe

__all__ = ["UserPages"]


class UserPages(PageKit):
    def user_routes(self) -> list[BaseRoute]:
        return [
            Route("/enroll", self.enroll_install, methods=["GET"]),
            Route("/enroll/scan", self.enroll_scan, methods=["GET"]),
            Route("/enroll/code", self.enroll_code, methods=["GET", "POST"]),
            Route("/enroll/finish", self.enroll_finish, methods=["GET", "POST"]),
            Route("/verify", self.verify, methods=["GET", "POST"]),
            Route("/recover", self.recover, methods=["GET", "POST"]),
            Route("/help/sync", self.help_sync, methods=["GET"]),
            Route("/openapi.json", self.openapi, methods=["GET"]),
        ]

    # Enrollment: the manual's steps 1, 2, 4 and 5

    async def enroll_install(self, request: Request) -> Response:
        user, elsewhere = await self._gate(request, want="enroll")
        if user is None:
            return elsewhere  # type: ignore[return-value]
        return self.render(
            request,
            "enroll_install.html",
            step=1,
            total=4,
            intro_key="enroll.intro",
            next_step_url=self._url(request, "/enroll/scan"),
        )

    async def enroll_scan(self, request: Request) -> Response:
        user, elsewhere = await self._gate(request, want="enroll")
        if user is None:
            return elsewhere  # type: ignore[return-value]
        return await self._scan_step(
            request, user, total=4, previous="/enroll", following="/enroll/code"
        )

    async def enroll_code(self, request: Request) -> Response:
        user, elsewhere = await self._gate(request, want="enroll")
        if user is None:
            return elsewhere  # type: ignore[return-value]
        return await self._code_step(request, user, flow="/enroll", step=3, total=4)

    async def enroll_finish(self, request: Request) -> Response:
        user, elsewhere = await self._gate(request, want="enroll")
        if user is None:
            return elsewhere  # type: ignore[return-value]
        pending = await self.guard.enrollment.pending(user, self._enrollment_owner(request))
        if pending is None or not pending.code_ok:
            step = "/enroll/code" if pending else "/enroll/scan"
            return self._elsewhere(request, self._url(request, step))
        values: dict[str, Any] = {
            "form_action": self._url(request, "/enroll/finish"),
            "reset_code": pending.reset_code,
            "reset_code_grouped": format_reset_code(pending.reset_code),
            "step": 4,
            "total": 4,
            "note_key": None,
            "linked": None,
        }
        if request.method == "GET":
            return self.render(request, "enroll_finish.html", **values)
        form, failure = await self._form(request, "enroll_finish.html", **values)
        if form is None:
            return failure  # type: ignore[return-value]
        generation = await self.guard.enrollment.finish(
            user, self._enrollment_owner(request), self._address(request)
        )
        if generation is None:
            t = Translator(negotiate(request.headers.get("accept-language")))
            return self.render(
                request,
                "enroll_finish.html",
                409,
                error=t("enroll.expired"),
                refusal=Refusal("expired"),
                **values,
            )
        self.markers.mark(request.session, user.id, generation)
        return self._go_on(request, self._next(request))

    # The code prompt

    async def verify(self, request: Request) -> Response:
        user, elsewhere = await self._gate(request, want="verify")
        if user is None:
            return elsewhere  # type: ignore[return-value]
        values: dict[str, Any] = {
            "form_action": self._url(request, "/verify"),
            "recover_url": self._url(request, "/recover"),
        }
        if request.method == "GET":
            return self.render(request, "verify.html", **values)
        form, failure = await self._form(request, "verify.html", **values)
        if form is None:
            return failure  # type: ignore[return-value]
        attempt = await self.guard.verification.verify(
            user, self._field(form, "code"), self._address(request)
        )
        if attempt.verdict is Verdict.NOT_ENROLLED:
            return self._elsewhere(request, self._url(request, "/enroll"))
        if not attempt.accepted or attempt.generation is None:
            return self._attempt_failure(request, "verify.html", attempt, CODE_ERRORS, **values)
        self.markers.mark(request.session, user.id, attempt.generation)
        return self._go_on(request, self._next(request))

    # Recovery with the reset code

    async def recover(self, request: Request) -> Response:
        user, elsewhere = await self._gate(request, want="verify")
        if user is None:
            return elsewhere  # type: ignore[return-value]
        values: dict[str, Any] = {
            "form_action": self._url(request, "/recover"),
            "verify_url": self._url(request, "/verify"),
        }
        if request.method == "GET":
            return self.render(request, "recover.html", **values)
        form, failure = await self._form(request, "recover.html", **values)
        if form is None:
            return failure  # type: ignore[return-value]
        attempt = await self.guard.recovery.recover(
            user, self._field(form, "reset_code"), self._address(request)
        )
        if attempt.verdict is Verdict.NOT_ENROLLED:
            return self._elsewhere(request, self._url(request, "/enroll"))
        if not attempt.accepted:
            return self._attempt_failure(
                request, "recover.html", attempt, RESET_CODE_ERRORS, **values
            )
        self.markers.forget(request.session)
        return self._go_on(request, self._url(request, "/enroll"))

    async def help_sync(self, request: Request) -> Response:
        return self.render(request, "help_sync.html")

    async def openapi(self, request: Request) -> Response:
        """The description of these pages' JSON, for anyone, like the help (see openapi.py)."""
        router: Router = request.scope["router"]
        return JSONResponse(
            describe(router.routes, server=str(request.scope.get(HOST_ROOT_KEY, "")))
        )
