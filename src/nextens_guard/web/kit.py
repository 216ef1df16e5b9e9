"""What every guard page shares: templates, form tokens, forms, redirects and gates.

Routes only translate between HTTP and the services: they read forms, check CSRF
tokens, pick a status and a template. Decisions live in the services. A client that
asks for JSON gets the same outcome rendered by ``api.py`` instead of the template.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import otp
from ..attempts import Attempt, Verdict
from ..backend import BackendError, GuardUser
from ..csrf import CSRF_FIELD, CsrfTokens
from ..errors import ServiceUnavailable
from ..guard import Guard
from ..http import local_target, wants_json, with_query
from ..marker import VerifiedMarker
from . import api
from .api import Refusal
from .i18n import Translator, negotiate
from .templating import build_templates

__all__ = ["CODE_ERRORS", "HOST_ROOT_KEY", "PASSWORD_ERRORS", "RESET_CODE_ERRORS", "PageKit"]

logger = logging.getLogger("nextens_guard.web")

HOST_ROOT_KEY = "nextens_guard.host_root"
_ENROLLMENT_KEY = "nextens_guard.enrollment"
_MAX_FIELDS = 8
_MAX_FIELD_BYTES = 2048
CODE_ERRORS = {
    Verdict.MISSING: "error.code_missing",
    Verdict.MALFORMED: "error.code_malformed",
    Verdict.REJECTED: "error.code_wrong",
    Verdict.REPLAYED: "error.code_replayed",
}
RESET_CODE_ERRORS = {
    Verdict.MISSING: "error.reset_code_missing",
    Verdict.MALFORMED: "error.reset_code_malformed",
    Verdict.REJECTED: "error.reset_code_wrong",
    Verdict.REPLAYED: "error.reset_code_wrong",
}
PASSWORD_ERRORS = {
    Verdict.MISSING: "error.password_missing",
    Verdict.MALFORMED: "error.password_wrong",
    Verdict.REJECTED: "error.password_wrong",
    Verdict.REPLAYED: "error.password_wrong",
}


class _BadForm(Exception):
    """The body is not a form we can read; the user gets the form again with a 400."""

    def __init__(self, detail: str = "the body is not a form") -> None:
        super().__init__(detail)
        self.detail = detail


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


class PageKit:
    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self.templates = build_templates(guard.settings.template_loader)
        self.csrf = CsrfTokens(
            guard.settings.secret_key, max_age=guard.settings.csrf_max_age_seconds
        )
        self.markers = VerifiedMarker(
            clock=guard.settings.clock, max_age=guard.settings.verified_max_age_seconds
        )

    def _catch_errors(self, app: ASGIApp) -> ASGIApp:
        """Turn any failure into a clear page: 503 when a part is down, else a plain 500.

        Never a stack trace to the browser, whatever the host's debug setting.
        """

        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            started = False

            async def tracking_send(message: Message) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                await send(message)

            try:
                await app(scope, receive, tracking_send)
            except (ServiceUnavailable, BackendError) as exc:
                logger.warning("guard page unavailable: %s", type(exc).__name__)
                if not started:
                    await self.error_response(Request(scope), 503)(scope, receive, send)
            except Exception as exc:
                if type(exc).__name__ == "_RequestBodyTooLarge":
                    raise  # answered with 413 by the body limit around us
                logger.exception("guard page failed")
                if not started:
                    await self.error_response(Request(scope), 500)(scope, receive, send)

        return guarded

    def _context(self, request: Request, **values: Any) -> dict[str, Any]:
        language = negotiate(request.headers.get("accept-language"))
        guard_url = request.scope.get("root_path", "")
        return {
            "lang": language,
            "t": Translator(language),
            "guard_url": guard_url,
            "static_url": f"{guard_url}/static",
            "app_url": f"{self._host_root(request)}/",
            "csrf_token": self.csrf.issue(request.session),
            "drift": False,
            "error": None,
            **values,
        }

    def render(
        self,
        request: Request,
        template: str,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        **values: Any,
    ) -> Response:
        context = self._context(request, **values)
        if wants_json(request.scope):
            return api.page(template, status_code, headers, context)
        return self.templates.TemplateResponse(
            request,
            f"nextens_guard/{template}",
            context,
            status_code=status_code,
            headers=headers,
        )

    def error_response(
        self, request: Request, status: int, *, message_key: str | None = None, **values: Any
    ) -> Response:
        language = negotiate(request.headers.get("accept-language"))
        t = Translator(language)
        headers = {"Retry-After": "5"} if status == 503 else None
        body = t(message_key or f"page.{status}.body", **values)
        if wants_json(request.scope):
            answer: dict[str, str] = {"error": f"http_{status}", "message": body}
            if values.get("login_url"):
                answer["next"] = values["login_url"]
            return JSONResponse(answer, status, headers)
        guard_url = request.scope.get("root_path", "")
        if not guard_url.endswith(self.guard.settings.prefix):
            guard_url += self.guard.settings.prefix
        return self.templates.TemplateResponse(
            request,
            "nextens_guard/error.html",
            {
                "lang": language,
                "t": t,
                "guard_url": guard_url,
                "static_url": f"{guard_url}/static",
                "status": status,
                "heading": t(f"page.{status}.title"),
                "message": body,
                "login_url": values.get("login_url"),
            },
            status_code=status,
            headers=headers,
        )

    async def _not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.error_response(Request(scope, receive), 404)(scope, receive, send)

    def _host_root(self, request: Request) -> str:
        return str(request.scope.get(HOST_ROOT_KEY, ""))

    def _next(self, request: Request) -> str:
        return local_target(request.query_params.get("next"), f"{self._host_root(request)}/")

    def _url(self, request: Request, path: str, *, keep_next: bool = True) -> str:
        target = request.query_params.get("next") if keep_next else None
        return with_query(f"{request.scope.get('root_path', '')}{path}", next=target)

    def _redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303)

    def _go_on(self, request: Request, url: str) -> Response:
        """Done here, on to ``url``: a 303 for a browser, ``{"next": url}`` for JSON."""
        if wants_json(request.scope):
            return api.go_on(url)
        return self._redirect(url)

    def _elsewhere(self, request: Request, url: str) -> Response:
        """This page is not for this user now; ``url`` is: a 303, or a 409 for JSON."""
        if wants_json(request.scope):
            return api.elsewhere(url, self._translator(request)("error.wrong_step"))
        return self._redirect(url)

    def _login_url(self, request: Request) -> str:
        return with_query(
            f"{self._host_root(request)}{self.guard.settings.login_path}",
            next=self._next(request),
        )

    @staticmethod
    def _address(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    async def _current_user(self, request: Request) -> GuardUser | None:
        user_id = await self.guard.backend.authenticated_user_id(request.scope)
        if user_id is None:
            return None
        return await self.guard.backend.get_user(user_id)

    async def _read_form(self, request: Request) -> FormData:
        if _media_type(request) == "application/json":
            try:
                return api.fields_of(
                    await request.body(),
                    max_fields=_MAX_FIELDS,
                    max_field_bytes=_MAX_FIELD_BYTES,
                )
            except api.BadJson as exc:
                raise _BadForm(exc.detail) from exc
        try:
            return await request.form(
                max_files=0, max_fields=_MAX_FIELDS, max_part_size=_MAX_FIELD_BYTES
            )
        except (ValueError, UnicodeDecodeError, AssertionError) as exc:
            raise _BadForm from exc
        except Exception as exc:
            # python-multipart and Starlette raise their own types for broken bodies.
            if type(exc).__name__ in {"MultiPartException", "HTTPException"}:
                raise _BadForm from exc
            raise

    @staticmethod
    def _field(form: FormData, name: str) -> str | None:
        """One text value; repeated or file fields count as missing."""
        values = form.getlist(name)
        if len(values) != 1 or isinstance(values[0], UploadFile):
            return None
        return values[0]

    async def _form(
        self, request: Request, template: str, **values: Any
    ) -> tuple[FormData | None, Response | None]:
        """The posted form, or the page again: 400 when it cannot be read, 403 when its
        token is missing, stale or from another session."""
        try:
            form = await self._read_form(request)
        except _BadForm as exc:
            error = self._translator(request)("error.form_unreadable")
            refusal = Refusal("form_unreadable", detail=exc.detail)
            return None, self.render(request, template, 400, error=error, refusal=refusal, **values)
        # A single-page app may send the token in a header instead; the same token either way.
        token = (
            self._field(form, CSRF_FIELD)
            if CSRF_FIELD in form
            else request.headers.get(api.CSRF_HEADER)
        )
        if not self.csrf.check(request.session, token):
            return None, self._csrf_failure(request, template, **values)
        return form, None

    def _attempt_failure(
        self,
        request: Request,
        template: str,
        attempt: Attempt,
        messages: dict[Verdict, str],
        **values: Any,
    ) -> Response:
        # "error.code_missing" names the field the messages are about: "code".
        field = messages[Verdict.MISSING].removeprefix("error.").removesuffix("_missing")
        if attempt.locked:
            seconds = max(attempt.retry_after, 1)
            return self.render(
                request,
                template,
                429,
                headers={"Retry-After": str(seconds)},
                error=Translator(negotiate(request.headers.get("accept-language")))(
                    "error.locked", seconds=seconds
                ),
                refusal=Refusal("locked", field, retry_after=seconds),
                **values,
            )
        t = Translator(negotiate(request.headers.get("accept-language")))
        if attempt.drift_steps is not None:
            return self.render(
                request,
                template,
                400,
                error=t("error.code_drift"),
                drift=True,
                refusal=Refusal("code_drift", field),
                **values,
            )
        key = messages[attempt.verdict]
        return self.render(
            request,
            template,
            400,
            error=t(key),
            refusal=Refusal(key.removeprefix("error."), field),
            **values,
        )

    def _csrf_failure(self, request: Request, template: str, **values: Any) -> Response:
        t = Translator(negotiate(request.headers.get("accept-language")))
        refusal = Refusal("csrf", CSRF_FIELD)
        return self.render(request, template, 403, error=t("error.csrf"), refusal=refusal, **values)

    async def _logged_in(self, request: Request) -> tuple[GuardUser | None, Response | None]:
        """The user who logged in with a password, or where to send whoever this is."""
        user = await self._current_user(request)
        if user is not None:
            return user, None
        if await self.guard.backend.authenticated_user_id(request.scope) is not None:
            self.markers.forget(request.session)
            return None, self.error_response(
                request,
                403,
                message_key="page.unknown_user.body",
                login_url=self._login_url(request),
            )
        if wants_json(request.scope):
            return None, api.login_required(
                self._login_url(request), self._translator(request)("error.login_required")
            )
        return None, self._redirect(self._login_url(request))

    async def _gate(
        self, request: Request, *, want: str
    ) -> tuple[GuardUser | None, Response | None]:
        """The user when this page is for them now, else where they should go instead.

        ``want`` is "enroll" (office requires it, not enrolled) or "verify" (enrolled,
        not verified in this session).
        """
        user, elsewhere = await self._logged_in(request)
        if user is None:
            return None, elsewhere
        state = await self.guard.state_of(user.id)
        if not state.required:
            return None, self._elsewhere(request, self._next(request))
        if state.generation is None:
            if want == "enroll":
                return user, None
            return None, self._elsewhere(request, self._url(request, "/enroll"))
        if self.markers.valid(request.session, user.id, state.generation):
            return None, self._elsewhere(request, self._next(request))
        if want == "verify":
            return user, None
        return None, self._elsewhere(request, self._url(request, "/verify"))

    async def _gate_verified(self, request: Request) -> tuple[GuardUser | None, Response | None]:
        """The user when they have passed the guard as the app's pages require it."""
        user, elsewhere = await self._logged_in(request)
        if user is None:
            return None, elsewhere
        state = await self.guard.state_of(user.id)
        if state.required and not self.markers.valid(request.session, user.id, state.generation):
            step = "/enroll" if state.generation is None else "/verify"
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target = with_query(f"{request.scope.get('root_path', '')}{step}", next=here)
            if wants_json(request.scope):
                # What the middleware answers for the app's own JSON, so a client needs one rule.
                return None, api.two_factor_required(step.lstrip("/"), target)
            return None, self._redirect(target)
        return user, None

    async def _gate_admin(self, request: Request) -> tuple[GuardUser | None, Response | None]:
        """A verified user with user-management rights; 403 for anyone else."""
        user, elsewhere = await self._gate_verified(request)
        if user is None:
            return None, elsewhere
        if not await self.guard.office.may_manage(user):
            return None, self.error_response(request, 403)
        return user, None

    @staticmethod
    def _enrollment_owner(request: Request) -> str:
        """Who an enrollment in progress belongs to: this browser session."""
        nonce = request.session.get(_ENROLLMENT_KEY)
        if not isinstance(nonce, str):
            nonce = secrets.token_urlsafe(24)
            request.session[_ENROLLMENT_KEY] = nonce
        return hashlib.sha256(nonce.encode("ascii")).hexdigest()[:32]

    def _translator(self, request: Request) -> Translator:
        return Translator(negotiate(request.headers.get("accept-language")))

    async def _code_step(
        self,
        request: Request,
        user: GuardUser,
        *,
        flow: str,
        step: int,
        total: int,
        **shown: Any,
    ) -> Response:
        """The enrollment step that checks the first code, for a user and in the wizard.

        ``flow`` is where the steps live: ``/enroll`` or ``/office/activate``; ``shown``
        is what else the flow's pages show.
        """
        values: dict[str, Any] = {
            "step": step,
            "total": total,
            "form_action": self._url(request, f"{flow}/code"),
            "previous_step_url": self._url(request, f"{flow}/scan"),
            **shown,
        }
        owner = self._enrollment_owner(request)
        if request.method == "GET":
            if await self.guard.enrollment.pending(user, owner) is None:
                return self._elsewhere(request, self._url(request, f"{flow}/scan"))
            return self.render(request, "enroll_code.html", **values)
        form, failure = await self._form(request, "enroll_code.html", **values)
        if form is None:
            return failure  # type: ignore[return-value]
        attempt = await self.guard.enrollment.check_code(
            user, owner, self._field(form, "code"), self._address(request)
        )
        if attempt.verdict is Verdict.NOT_ENROLLED:
            return self._elsewhere(request, self._url(request, f"{flow}/scan"))
        if not attempt.accepted:
            return self._attempt_failure(
                request, "enroll_code.html", attempt, CODE_ERRORS, **values
            )
        return self._go_on(request, self._url(request, f"{flow}/finish"))

    async def _password_refused(
        self, request: Request, user: GuardUser, template: str, **values: Any
    ) -> Response | None:
        """None when the posted password is the user's; else the form again, saying why."""
        form, failure = await self._form(request, template, **values)
        if form is None:
            return failure
        attempt = await self.guard.passwords.check(
            user, self._field(form, "password"), self._address(request)
        )
        if not attempt.accepted:
            return self._attempt_failure(request, template, attempt, PASSWORD_ERRORS, **values)
        return None

    async def _scan_step(
        self,
        request: Request,
        user: GuardUser,
        *,
        total: int,
        previous: str,
        following: str,
        **shown: Any,
    ) -> Response:
        """Step 2, for a user and in the wizard: the QR code of the enrollment in progress,
        begun here when there is none."""
        pending = await self.guard.enrollment.begin(
            user, self._enrollment_owner(request), self._address(request)
        )
        secret = pending.secret
        uri = otp.provisioning_uri(
            secret, username=user.username, issuer=self.guard.settings.issuer
        )
        return self.render(
            request,
            "enroll_scan.html",
            step=2,
            total=total,
            qr_svg=Markup(otp.qr_svg(uri)),  # noqa: S704 - SVG made by segno from our own data
            otpauth_uri=uri,
            secret=secret,
            secret_grouped=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            previous_step_url=self._url(request, previous),
            next_step_url=self._url(request, following),
            **shown,
        )
