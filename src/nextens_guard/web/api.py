"""The guard's pages as JSON, for single-page apps: one representation beside the HTML.

A page handler computes one outcome (a page with its values, a refusal, a step to go
on to, a page that is not for this user now) and ``rendering.py`` (for a refusal or a
detour, ``detour.py``) hands it either to a template or to this module. So the JSON
answers go through the very same gates, services, limits, form tokens and audit as the
forms; only the rendering differs.

Shapes (the OpenAPI description in ``openapi.py`` is built from the tables here):

- a page: ``{"page": NAME, "csrf_token": TOKEN, ...its state}`` with status 200;
- done, go on: ``{"next": URL}`` with status 200 where the form answers 303. A 303
  would make ``fetch`` follow it on its own and hide where it went;
- not this page now: 409 ``{"error": "wrong_step", "message": TEXT, "next": URL}``; not logged in:
  401 ``{"error": "login_required", "message": TEXT, "next": LOGIN_URL}``;
- a refusal: ``{"error": CODE, "message": TEXT, "field": NAME, "retry_after": S,
  "remaining": N}`` with the form's status (400, 403, 409, 429 with ``Retry-After``);
  ``remaining`` is how many wrong attempts are left before a lockout.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.responses import JSONResponse

from ..backend import Office
from ..services.authenticators import App, SignIn
from ..services.office import UserOverview
from ..services.people import Named
from ..services.webauthn import Passkey
from ..store.base import AuditRecord, TrustRecord

__all__ = [
    "CSRF_HEADER",
    "PAGES",
    "BadJson",
    "PageView",
    "Refusal",
    "elsewhere",
    "fields_of",
    "go_on",
    "last_verified_at",
    "login_required",
    "page",
    "two_factor_required",
]

CSRF_HEADER = "x-csrf-token"


class BadJson(ValueError):
    """A JSON body we cannot read as the form's fields; ``detail`` says why, for developers."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a form was refused, for a client that reads JSON. The page keeps the message."""

    code: str
    field: str | None = None
    retry_after: int | None = None
    detail: str | None = None


class _Members(list[tuple[str, Any]]):
    """A JSON object's members in order, repeated names kept, as a form keeps them."""


def fields_of(body: bytes, *, max_fields: int, max_field_bytes: int) -> FormData:
    """A JSON object of text values read as the form it stands for.

    The same rules as a posted form: at most ``max_fields`` members of at most
    ``max_field_bytes`` each; a repeated name stays repeated, so it counts as missing.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson("the body is not UTF-8") from exc
    try:
        document = json.loads(text, object_pairs_hook=_Members)
    except RecursionError as exc:
        raise BadJson("the body nests too deeply") from exc
    except ValueError as exc:
        raise BadJson("the body is not JSON") from exc
    if not isinstance(document, _Members):
        raise BadJson("the body must be a JSON object")
    if len(document) > max_fields:
        raise BadJson(f"the body has more than {max_fields} members")
    pairs: list[tuple[str, str | UploadFile]] = []
    for name, value in document:
        if not isinstance(value, str):
            raise BadJson(f"the member {name!r} must be a string")
        try:
            size = len(value.encode("utf-8")) + len(name.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise BadJson("the body holds text that is not valid Unicode") from exc
        if size > max_field_bytes:
            raise BadJson(f"the member {name!r} is too long")
        pairs.append((name, value))
    return FormData(pairs)


# Answers that are not a page


def go_on(url: str) -> JSONResponse:
    return JSONResponse({"next": url})


def elsewhere(url: str, message: str) -> JSONResponse:
    return JSONResponse({"error": "wrong_step", "message": message, "next": url}, 409)


def login_required(url: str, message: str) -> JSONResponse:
    return JSONResponse({"error": "login_required", "message": message, "next": url}, 401)


def two_factor_required(action: str, url: str) -> JSONResponse:
    return JSONResponse({"error": "two_factor_required", "action": action, "url": url}, 401)


# Pages


_STRING: dict[str, Any] = {"type": "string"}
_NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}
_INTEGER: dict[str, Any] = {"type": "integer"}
_BOOLEAN: dict[str, Any] = {"type": "boolean"}
# A code made since codes grew to 120 bits has 24 characters; one made before, 20. Both
# recover their owner until the next enrollment, so the office page may show either.
_RESET_CODE: dict[str, Any] = {
    "type": "string",
    "pattern": "^([0-9A-HJKMNP-TV-Z]{4}){5,6}$",
    "description": "the reset code, 24 characters of Crockford's base32 (20 for a code "
    "made by version 0.1)",
}
_RESET_CODE_GROUPED: dict[str, Any] = {
    "type": "string",
    "description": "the same, grouped for reading: six groups of four (an older code: "
    "four groups of five)",
}
_OFFICE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": _STRING, "name": _STRING},
}
_OFFICES: dict[str, Any] = {"type": "array", "items": _OFFICE}
_USER: dict[str, Any] = {
    "type": "object",
    "required": ["id", "username", "display_name", "enrolled", "since", "last_verified"],
    "properties": {
        "id": _STRING,
        "username": _STRING,
        "display_name": _STRING,
        "enrolled": _BOOLEAN,
        "since": {**_NULLABLE_STRING, "format": "date-time"},
        "last_verified": {**_NULLABLE_STRING, "format": "date-time"},
    },
}
_EVENT: dict[str, Any] = {
    "type": "object",
    "required": [
        "at",
        "event",
        "outcome",
        "actor_id",
        "actor_username",
        "subject_id",
        "subject_username",
    ],
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "event": _STRING,
        "outcome": _STRING,
        "actor_id": _NULLABLE_STRING,
        # The username the host's backend gives now; null when it knows no such user.
        "actor_username": _NULLABLE_STRING,
        "subject_id": _NULLABLE_STRING,
        "subject_username": _NULLABLE_STRING,
    },
}
_STEP = {"step": _INTEGER, "total": _INTEGER}
_NULLABLE_TIME: dict[str, Any] = {**_NULLABLE_STRING, "format": "date-time"}
_TRUSTED_BROWSER: dict[str, Any] = {
    "type": "object",
    "required": ["id", "browser", "created", "last_used", "expires", "address"],
    "properties": {
        "id": _STRING,
        # "Firefox · Windows"; empty when the browser named none we know.
        "browser": _STRING,
        "created": {"type": "string", "format": "date-time"},
        "last_used": _NULLABLE_TIME,
        "expires": {"type": "string", "format": "date-time"},
        "address": _NULLABLE_STRING,
    },
}
_TRUSTED_BROWSERS: dict[str, Any] = {"type": "array", "items": _TRUSTED_BROWSER}
# The days a trust may last, as the office set it; null when the office does not allow it.
_TRUST_DAYS: dict[str, Any] = {"type": ["integer", "null"], "minimum": 1, "maximum": 30}
# Whom the office requires a passkey or security key of.
_PASSKEY_RULE: dict[str, Any] = {"type": "string", "enum": ["off", "admins", "everyone"]}
_NULLABLE_OBJECT: dict[str, Any] = {"type": ["object", "null"]}
_PASSKEY: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "added_at", "last_used_at"],
    "properties": {
        "id": _STRING,
        "name": _STRING,
        "added_at": {"type": "string", "format": "date-time"},
        "last_used_at": {**_NULLABLE_STRING, "format": "date-time"},
    },
}


def _passkey(passkey: Passkey) -> dict[str, Any]:
    return {
        "id": passkey.id,
        "name": passkey.name,
        "added_at": passkey.added_at.isoformat(),
        "last_used_at": passkey.last_used_at.isoformat() if passkey.last_used_at else None,
    }


_APP: dict[str, Any] = {
    "type": ["object", "null"],
    "description": "the authenticator app; null when the user has not set it up",
    "required": ["name", "set_up_at", "last_used_at"],
    "properties": {
        "name": {**_NULLABLE_STRING, "description": "null until the user names it"},
        "set_up_at": {"type": "string", "format": "date-time"},
        "last_used_at": {**_NULLABLE_STRING, "format": "date-time"},
    },
}
_SIGN_IN: dict[str, Any] = {
    "type": "object",
    "required": ["at", "event", "method", "outcome", "browser", "address"],
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "event": _STRING,
        # What passed a "verified" sign-in; null for other events and older sign-ins.
        "method": {"enum": ["code", "passkey", None]},
        "outcome": {"enum": ["passed", "failed"]},
        # "Firefox · Windows"; empty when the browser named none we know.
        "browser": _STRING,
        "address": _NULLABLE_STRING,
    },
}


def _app(app: App | None) -> dict[str, Any] | None:
    if app is None:
        return None
    return {
        "name": app.name,
        "set_up_at": app.set_up_at.isoformat(),
        "last_used_at": app.last_used_at.isoformat() if app.last_used_at else None,
    }


def _sign_in(sign_in: SignIn) -> dict[str, Any]:
    return {
        "at": sign_in.at.isoformat(),
        "event": sign_in.event,
        "method": sign_in.method.value if sign_in.method else None,
        "outcome": "passed" if sign_in.passed else "failed",
        "browser": sign_in.browser,
        "address": sign_in.address,
    }


@dataclass(frozen=True, slots=True)
class PageView:
    """One page as JSON: its name, the JSON Schema of its state and how to build it."""

    name: str
    properties: Mapping[str, dict[str, Any]]
    build: Callable[[Mapping[str, Any]], dict[str, Any]]

    def schema(self) -> dict[str, Any]:
        properties = {
            "page": {"const": self.name},
            "csrf_token": {"type": "string"},
            **self.properties,
        }
        return {
            "type": "object",
            "required": sorted(properties),
            "properties": properties,
        }


def _office(office: Office) -> dict[str, str]:
    return {"id": office.id, "name": office.name}


def _offices(offices: Sequence[Office] | None) -> list[dict[str, str]]:
    return [_office(office) for office in offices or ()]


def _linked_offices(values: Mapping[str, Any]) -> list[dict[str, str]]:
    return _offices(values.get("linked_offices"))


def last_verified_at(row: UserOverview) -> datetime | None:
    """When the user last typed a right code: at a login, else when setting it up."""
    record = row.record
    if record is None or not row.enrolled:
        return None
    return record.last_verified_at or record.confirmed_at


def _user(row: UserOverview) -> dict[str, Any]:
    record = row.record
    return {
        "id": row.user.id,
        "username": row.user.username,
        "display_name": row.user.display_name,
        "enrolled": row.enrolled,
        "since": record.confirmed_at.isoformat()
        if row.enrolled and record and record.confirmed_at
        else None,
        "last_verified": last_verified.isoformat()
        if (last_verified := last_verified_at(row))
        else None,
    }


def _trusted_browser(record: TrustRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "browser": record.user_agent,
        "created": record.created_at.isoformat(),
        "last_used": record.last_used_at.isoformat() if record.last_used_at else None,
        "expires": record.expires_at.isoformat(),
        "address": record.address,
    }


def _trusted_browsers(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [_trusted_browser(record) for record in values.get("browsers") or ()]


def _event(event: AuditRecord, people: Mapping[str, Named]) -> dict[str, Any]:
    def username(user_id: str | None) -> str | None:
        person = people.get(user_id) if user_id else None
        return None if person is None else person.username

    return {
        "at": event.at.isoformat(),
        "event": event.event,
        "outcome": event.outcome,
        "actor_id": event.actor_id,
        "actor_username": username(event.actor_id),
        "subject_id": event.subject_id,
        "subject_username": username(event.subject_id),
    }


def _picked(**names: str) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """A builder that copies page values under JSON names: ``json_name="value_name"``."""

    def build(values: Mapping[str, Any]) -> dict[str, Any]:
        return {json_name: values.get(value_name) for json_name, value_name in names.items()}

    return build


def _with(
    first: Callable[[Mapping[str, Any]], dict[str, Any]],
    **more: Callable[[Mapping[str, Any]], Any],
) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    def build(values: Mapping[str, Any]) -> dict[str, Any]:
        return {**first(values), **{name: make(values) for name, make in more.items()}}

    return build


def _scan(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "step": values["step"],
        "total": values["total"],
        "secret": values["secret"],
        "otpauth_uri": values["otpauth_uri"],
        "qr_svg": str(values["qr_svg"]),
        "previous_step": values["previous_step_url"],
        "next_step": values["next_step_url"],
    }


def _office_page(values: Mapping[str, Any]) -> dict[str, Any]:
    status = values["status"]
    return {
        "office": _office(status.office),
        "active": status.active,
        "linked_offices": _offices(status.linked),
        "may_manage": values["is_admin"],
        "enrolled": values["enrolled"],
        "trust_days": values.get("trust_days") or None,
        "passkeys_required_of": values.get("passkeys_required_of", "off"),
        "events": [_event(event, values["people"]) for event in values["events"]],
        "notice": values["notice"],
    }


# Keyed by template: every page the guard renders has exactly one JSON view.
PAGES: dict[str, PageView] = {
    "enroll_install.html": PageView(
        "install",
        {**_STEP, "next_step": _STRING},
        _picked(step="step", total="total", next_step="next_step_url"),
    ),
    "enroll_scan.html": PageView(
        "scan",
        {
            **_STEP,
            "secret": {"type": "string", "pattern": "^[A-Z2-7]+$"},
            "otpauth_uri": {"type": "string", "pattern": "^otpauth://totp/"},
            "qr_svg": _STRING,
            "previous_step": _STRING,
            "next_step": _STRING,
        },
        _scan,
    ),
    "enroll_code.html": PageView(
        "code",
        {**_STEP, "action": _STRING, "previous_step": _STRING},
        _picked(
            step="step", total="total", action="form_action", previous_step="previous_step_url"
        ),
    ),
    "activate_password.html": PageView(
        "password",
        {**_STEP, "action": _STRING, "previous_step": _STRING},
        _picked(
            step="step", total="total", action="form_action", previous_step="previous_step_url"
        ),
    ),
    "enroll_finish.html": PageView(
        "finish",
        {
            **_STEP,
            "action": _STRING,
            "reset_code": _RESET_CODE,
            "reset_code_grouped": _RESET_CODE_GROUPED,
            "linked_offices": _OFFICES,
        },
        _with(
            _picked(
                step="step",
                total="total",
                action="form_action",
                reset_code="reset_code",
                reset_code_grouped="reset_code_grouped",
            ),
            linked_offices=_linked_offices,
        ),
    ),
    "verify.html": PageView(
        "verify",
        {
            "action": _STRING,
            "recover_url": _STRING,
            "trust_days": {
                **_TRUST_DAYS,
                "description": "the days a `trust` field of `on` trusts this browser; "
                "null: not offered, and the field is ignored",
            },
            "passkey_options": {
                **_NULLABLE_OBJECT,
                "description": "for navigator.credentials.get; null when the user has no passkey",
            },
            "passkey_action": _STRING,
            "code_allowed": {
                **_BOOLEAN,
                "description": "false when the office requires the passkey the user has:"
                " only `passkey_action` lets them in",
            },
        },
        _with(
            _picked(
                action="form_action",
                recover_url="recover_url",
                trust_days="trust_days",
                passkey_options="passkey_options",
                passkey_action="passkey_action",
            ),
            code_allowed=lambda values: values.get("code_allowed", True),
        ),
    ),
    "passkeys.html": PageView(
        "passkeys",
        {
            "passkeys": {"type": "array", "items": _PASSKEY},
            "add_url": _STRING,
            "notice": _NULLABLE_STRING,
        },
        lambda values: {
            "passkeys": [_passkey(p) for p in values["passkeys"]],
            "add_url": values["add_url"],
            "notice": values["notice"],
        },
    ),
    "passkey_new.html": PageView(
        "passkey_new",
        {
            "action": _STRING,
            "add_action": _STRING,
            "name": _STRING,
            "options": {
                **_NULLABLE_OBJECT,
                "description": "for navigator.credentials.create, once the password is right",
            },
        },
        _picked(action="form_action", add_action="add_action", name="name", options="options"),
    ),
    "passkey_remove.html": PageView(
        "passkey_remove",
        {"passkey": _PASSKEY, "action": _STRING, "cancel_url": _STRING},
        _with(
            _picked(action="form_action", cancel_url="cancel_url"),
            passkey=lambda values: _passkey(values["passkey"]),
        ),
    ),
    "security.html": PageView(
        "security",
        {
            "app": _APP,
            "passkeys": {"type": "array", "items": _PASSKEY},
            "passkeys_on": _BOOLEAN,
            "add_url": _STRING,
            "rename_app_url": _STRING,
            "trusted_browsers": _TRUSTED_BROWSERS,
            "browsers_action": _STRING,
            "sign_ins": {"type": "array", "items": _SIGN_IN},
            "logout_everywhere_url": _STRING,
            "reset_code_url": _STRING,
            "notice": _NULLABLE_STRING,
        },
        _with(
            _picked(
                passkeys_on="passkeys_on",
                add_url="add_url",
                rename_app_url="rename_app_url",
                browsers_action="remove_action",
                logout_everywhere_url="logout_everywhere_url",
                reset_code_url="reset_code_url",
                notice="notice",
            ),
            app=lambda values: _app(values["app"]),
            passkeys=lambda values: [_passkey(p) for p in values["passkeys"]],
            trusted_browsers=_trusted_browsers,
            sign_ins=lambda values: [_sign_in(s) for s in values["sign_ins"]],
        ),
    ),
    "authenticator_rename.html": PageView(
        "authenticator_rename",
        {
            "action": _STRING,
            "cancel_url": _STRING,
            "current_name": {**_NULLABLE_STRING, "description": "null: the app, never named"},
            "name": _STRING,
        },
        _picked(
            action="form_action", cancel_url="cancel_url", current_name="current_name", name="name"
        ),
    ),
    "recover.html": PageView(
        "recover",
        {
            "action": _STRING,
            "verify_url": _STRING,
            "office_admins": {
                **_NULLABLE_STRING,
                "description": "who can reset the user when the reset code is lost too",
            },
        },
        _picked(action="form_action", verify_url="verify_url", office_admins="admins"),
    ),
    "done.html": PageView(
        "done",
        {"continue_url": _STRING},
        _picked(continue_url="continue_url"),
    ),
    "help_sync.html": PageView("help_sync", {}, lambda values: {}),
    "office.html": PageView(
        "office",
        {
            "office": _OFFICE,
            "active": _BOOLEAN,
            "linked_offices": _OFFICES,
            "may_manage": _BOOLEAN,
            "enrolled": _BOOLEAN,
            "trust_days": _TRUST_DAYS,
            "passkeys_required_of": _PASSKEY_RULE,
            "events": {"type": "array", "items": _EVENT},
            "notice": _NULLABLE_STRING,
        },
        _office_page,
    ),
    "office_trust.html": PageView(
        "office_trust",
        {
            "action": _STRING,
            "trust_days": _TRUST_DAYS,
            "min_days": _INTEGER,
            "max_days": _INTEGER,
            "linked_offices": _OFFICES,
        },
        _with(
            _picked(
                action="form_action",
                trust_days="trust_days",
                min_days="min_days",
                max_days="max_days",
            ),
            linked_offices=_linked_offices,
        ),
    ),
    "office_passkeys.html": PageView(
        "office_passkeys",
        {
            "action": _STRING,
            "applies_to": _PASSKEY_RULE,
            "choices": {"type": "array", "items": _PASSKEY_RULE},
            "linked_offices": _OFFICES,
        },
        _with(
            _picked(action="form_action", applies_to="applies_to", choices="choices"),
            linked_offices=_linked_offices,
        ),
    ),
    "passkey_required.html": PageView(
        "passkey_required",
        {"applies_to": _PASSKEY_RULE, "add_url": _STRING},
        _picked(applies_to="applies_to", add_url="add_url"),
    ),
    "trusted_browsers.html": PageView(
        "trusted_browsers",
        {
            "subject": _NULLABLE_STRING,
            "browsers": _TRUSTED_BROWSERS,
            "action": _STRING,
            "notice": _NULLABLE_STRING,
        },
        _with(
            _picked(subject="subject", action="remove_action", notice="notice"),
            browsers=_trusted_browsers,
        ),
    ),
    "office_reset_code.html": PageView(
        "reset_code",
        {
            "action": _STRING,
            "reset_code": {**_RESET_CODE, "type": ["string", "null"]},
            "reset_code_grouped": {**_RESET_CODE_GROUPED, "type": ["string", "null"]},
        },
        _picked(
            action="form_action",
            reset_code="reset_code",
            reset_code_grouped="reset_code_grouped",
        ),
    ),
    "office_deactivate.html": PageView(
        "deactivate",
        {"action": _STRING, "linked_offices": _OFFICES},
        _with(
            _picked(action="form_action"),
            linked_offices=_linked_offices,
        ),
    ),
    "users.html": PageView(
        "users",
        {"office": _OFFICE, "users": {"type": "array", "items": _USER}},
        lambda values: {
            "office": _office(values["office"]),
            "users": [_user(row) for row in values["rows"]],
        },
    ),
    "user.html": PageView(
        "user",
        {
            "user": _USER,
            "may_reset": _BOOLEAN,
            "reset_url": _STRING,
            "notice": _NULLABLE_STRING,
            "trusted_browsers": _TRUSTED_BROWSERS,
            "browsers_url": _STRING,
        },
        _with(
            _picked(
                may_reset="may_reset",
                reset_url="reset_url",
                notice="notice",
                browsers_url="browsers_url",
            ),
            user=lambda values: _user(values["row"]),
            trusted_browsers=_trusted_browsers,
        ),
    ),
    "user_reset.html": PageView(
        "user_reset",
        {"user": _USER, "action": _STRING, "user_url": _STRING},
        _with(
            _picked(action="form_action", user_url="user_url"),
            user=lambda values: _user(values["row"]),
        ),
    ),
    "logout_everywhere.html": PageView(
        "logout_everywhere",
        {"subject": {"type": ["string", "null"]}, "action": _STRING, "cancel_url": _STRING},
        _picked(subject="subject", action="form_action", cancel_url="cancel_url"),
    ),
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string", "description": "for the user, in their language"},
        "field": {"type": "string", "description": "the field the user should correct"},
        "retry_after": {"type": "integer", "minimum": 1},
        "remaining": {
            "type": "integer",
            "minimum": 0,
            "description": "wrong attempts left before a lockout",
        },
        "drift": {"type": "boolean", "description": "the phone's clock seems off"},
        "detail": {"type": "string", "description": "why a body was unreadable, in English"},
        "next": {"type": "string", "description": "where to go instead"},
        "action": {"enum": ["enroll", "verify"], "description": "the step this session needs"},
        "url": {"type": "string", "description": "the page of that step"},
    },
}
NEXT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["next"],
    "properties": {"next": {"type": "string"}},
}


def page(
    template: str,
    status_code: int,
    headers: Mapping[str, str] | None,
    values: Mapping[str, Any],
) -> JSONResponse:
    """The JSON of one rendered page: its state, or the refusal it shows."""
    refusal = values.get("refusal")
    if isinstance(refusal, Refusal):
        body: dict[str, Any] = {"error": refusal.code, "message": values.get("error") or ""}
        if refusal.field:
            body["field"] = refusal.field
        if refusal.retry_after is not None:
            body["retry_after"] = refusal.retry_after
        if isinstance(values.get("remaining"), int):
            body["remaining"] = values["remaining"]
        if values.get("drift"):
            body["drift"] = True
        if refusal.detail:
            body["detail"] = refusal.detail
        return JSONResponse(body, status_code, dict(headers or {}))
    view = PAGES[template]
    state = {"page": view.name, "csrf_token": values["csrf_token"], **view.build(values)}
    return JSONResponse(state, status_code, dict(headers or {}))
