"""Reading a posted form (or its JSON body) and its token, and saying why it was refused.

A form that cannot be read gets the page again with 400, a missing, stale or foreign
token with 403, a wrong code, reset code or password with 400 (429 with
``Retry-After`` once locked out): each as a :class:`~.detour.Detour` to raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from ..attempts import Attempt, Verdict
from ..csrf import CSRF_FIELD, CsrfTokens
from . import api
from .api import Refusal
from .detour import Detour, FormAgain

__all__ = [
    "CODE_ERRORS",
    "PASSWORD_ERRORS",
    "RESET_CODE_ERRORS",
    "Forms",
    "field",
    "refused",
]

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
    """The body is not a form we can read; ``detail`` says why, for developers."""

    def __init__(self, detail: str = "the body is not a form") -> None:
        super().__init__(detail)
        self.detail = detail


def field(form: FormData, name: str) -> str | None:
    """One text value; repeated or file fields count as missing."""
    values = form.getlist(name)
    if len(values) != 1 or isinstance(values[0], UploadFile):
        return None
    return values[0]


def refused(
    template: str, values: Mapping[str, Any], attempt: Attempt, messages: Mapping[Verdict, str]
) -> Detour:
    """The form of ``template`` again, saying why ``attempt`` failed; ``messages`` name
    the text of each verdict. The form says how many attempts are left, so every form
    that counts attempts warns before the lockout alike."""
    values = {**values, "remaining": attempt.remaining}
    # "error.code_missing" names the field the messages are about: "code".
    name = messages[Verdict.MISSING].removeprefix("error.").removesuffix("_missing")
    if attempt.locked:
        seconds = max(attempt.retry_after, 1)
        return Detour(
            FormAgain(
                template,
                values,
                429,
                "error.locked",
                Refusal("locked", name, retry_after=seconds),
                message_values={"seconds": seconds},
            )
        )
    if attempt.drift_steps is not None:
        return Detour(
            FormAgain(
                template, values, 400, "error.code_drift", Refusal("code_drift", name), drift=True
            )
        )
    key = messages[attempt.verdict]
    return Detour(FormAgain(template, values, 400, key, Refusal(key.removeprefix("error."), name)))


class Forms:
    """Reads a posted form once its token is checked."""

    def __init__(self, csrf: CsrfTokens) -> None:
        self._csrf = csrf

    async def read(self, request: Request, template: str, values: Mapping[str, Any]) -> FormData:
        """The posted form; else the form of ``template`` with ``values`` again, as a detour:
        400 when it cannot be read, 403 when its token is missing, stale or foreign."""
        try:
            form = await _read(request)
        except _BadForm as exc:
            refusal = Refusal("form_unreadable", detail=exc.detail)
            raise Detour(
                FormAgain(template, values, 400, "error.form_unreadable", refusal)
            ) from exc
        # A single-page app may send the token in a header instead; the same token either way.
        token = (
            field(form, CSRF_FIELD) if CSRF_FIELD in form else request.headers.get(api.CSRF_HEADER)
        )
        if not self._csrf.check(request.session, token):
            raise Detour(
                FormAgain(template, values, 403, "error.csrf", Refusal("csrf", CSRF_FIELD))
            )
        return form


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read(request: Request) -> FormData:
    if _media_type(request) == "application/json":
        try:
            return api.fields_of(
                await request.body(), max_fields=_MAX_FIELDS, max_field_bytes=_MAX_FIELD_BYTES
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
