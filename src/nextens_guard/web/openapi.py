"""The OpenAPI 3.1 description of the guard's JSON answers, built from the live routes.

The paths and methods come from the router that serves the pages, the page states and
error shapes from ``api.py`` that renders them, so neither can drift from this text: a
route without an entry in ``ENDPOINTS`` stops the build, and the tests send generated
requests to every described operation and check each answer against this description.

The description is served to anyone, like the clock-sync help: it holds no secret and
no user's data, only what the README already says, and tools that generate clients
fetch it before anyone has logged in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from starlette.routing import BaseRoute, Mount, Route, Router

from ..csrf import CSRF_FIELD
from .api import CSRF_HEADER, ERROR_SCHEMA, NEXT_SCHEMA, PAGES

__all__ = ["ENDPOINTS", "Endpoint", "describe"]

Who = Literal["anyone", "enroll", "verify", "passkey", "verified", "enrolled", "admin"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What one guard path does, for whom, and which JSON it answers."""

    summary: str
    who: Who
    page: str | None  # the template whose state a GET answers; None: not a page
    fields: tuple[str, ...] | None = None  # the POST's fields; None: GET only
    post_shows_page: bool = False  # a POST that succeeds answers the page again, not `next`
    follows_next: bool = False  # takes a local `next` to go to when done
    get_may_pass: bool = False  # a GET may answer `next` instead (nothing to ask)
    post_may_not_find: bool = False  # a POST may name something that is not there: 404


ENDPOINTS: dict[str, Endpoint] = {
    "/enroll": Endpoint(
        "Enrollment step 1: install an authenticator app",
        "enroll",
        "enroll_install.html",
        follows_next=True,
    ),
    "/enroll/scan": Endpoint(
        "Enrollment step 2: the secret, as QR code and key; begins the enrollment",
        "enroll",
        "enroll_scan.html",
        follows_next=True,
    ),
    "/enroll/code": Endpoint(
        "Enrollment step 3: the first code from the app",
        "enroll",
        "enroll_code.html",
        ("code",),
        follows_next=True,
    ),
    "/enroll/finish": Endpoint(
        "Enrollment step 4: the reset code; POST activates",
        "enroll",
        "enroll_finish.html",
        (),
        follows_next=True,
    ),
    "/verify": Endpoint(
        "The code prompt after the password login; a trusted browser's GET goes on to "
        "`next`; `trust` = `on` trusts the browser when the page offers it",
        "verify",
        "verify.html",
        ("code", "trust"),
        follows_next=True,
        get_may_pass=True,
    ),
    "/recover": Endpoint(
        "Recovery with the reset code; success starts a fresh enrollment",
        "verify",
        "recover.html",
        ("reset_code",),
        follows_next=True,
    ),
    "/done": Endpoint(
        "After a user's own enrollment: it is set up; a browser passes here on to `next`",
        "verified",
        "done.html",
        follows_next=True,
    ),
    "/verify/passkey": Endpoint(
        "The code prompt answered with a passkey: `credential` is the JSON of"
        " navigator.credentials.get's answer to the page's `passkey_options`",
        "verify",
        "verify.html",
        ("credential",),
        follows_next=True,
    ),
    "/passkey": Endpoint(
        "After the second step, when the office requires a passkey or security key the user"
        " has none of: why, and where to add one; the app stays closed until then",
        "passkey",
        "passkey_required.html",
        follows_next=True,
        get_may_pass=True,
    ),
    "/passkeys": Endpoint(
        "The user's passkeys and security keys beside the app", "enrolled", "passkeys.html"
    ),
    "/passkeys/new": Endpoint(
        "Adding a passkey: its name and the password again; answers the options for"
        " navigator.credentials.create",
        "enrolled",
        "passkey_new.html",
        ("name", "password"),
        post_shows_page=True,
        follows_next=True,
    ),
    "/passkeys/add": Endpoint(
        "Adding a passkey: `credential` is the JSON of navigator.credentials.create's answer",
        "enrolled",
        "passkey_new.html",
        ("name", "credential"),
        follows_next=True,
    ),
    "/passkeys/{passkey_id}/remove": Endpoint(
        "Remove one passkey, after a confirmation; never the last way in while required",
        "enrolled",
        "passkey_remove.html",
        (),
    ),
    "/passkeys/{passkey_id}/rename": Endpoint(
        "Give one passkey another name", "enrolled", "authenticator_rename.html", ("name",)
    ),
    "/app/rename": Endpoint(
        "Give the authenticator app a name", "enrolled", "authenticator_rename.html", ("name",)
    ),
    "/security": Endpoint(
        "The own security page: the app and passkeys, trusted browsers, recent sign-ins",
        "verified",
        "security.html",
    ),
    "/help/sync": Endpoint("Clock-sync help", "anyone", "help_sync.html"),
    "/openapi.json": Endpoint("This description", "anyone", None),
    "/office": Endpoint("The office's two-step verification status", "verified", "office.html"),
    "/office/activate": Endpoint(
        "Activation wizard step 1: install an authenticator app", "admin", "enroll_install.html"
    ),
    "/office/activate/scan": Endpoint(
        "Activation wizard step 2: the secret, as QR code and key", "admin", "enroll_scan.html"
    ),
    "/enroll/password": Endpoint(
        "Enrollment: re-enter the password, for a login older than the last reset",
        "enroll",
        "activate_password.html",
        ("password",),
        follows_next=True,
    ),
    "/office/activate/password": Endpoint(
        "Activation wizard step 3: re-enter the password",
        "admin",
        "activate_password.html",
        ("password",),
    ),
    "/office/activate/code": Endpoint(
        "Activation wizard step 4: the first code from the app",
        "admin",
        "enroll_code.html",
        ("code",),
    ),
    "/office/activate/finish": Endpoint(
        "Activation wizard step 5: the reset code; POST activates the office group",
        "admin",
        "enroll_finish.html",
        (),
    ),
    "/office/reset-code": Endpoint(
        "The own reset code, shown after the password",
        "enrolled",
        "office_reset_code.html",
        ("password",),
        post_shows_page=True,
    ),
    "/office/deactivate": Endpoint(
        "Deactivate two-step verification for the office group",
        "admin",
        "office_deactivate.html",
        ("password",),
    ),
    "/users": Endpoint("The office's users and their status", "admin", "users.html"),
    "/users/{user_id}": Endpoint("One user of the own office", "admin", "user.html"),
    "/users/{user_id}/reset": Endpoint(
        "Reset one user's two-step verification", "admin", "user_reset.html", ()
    ),
    "/users/{user_id}/logout-everywhere": Endpoint(
        "End every verified session of one user; their phone stays theirs",
        "admin",
        "logout_everywhere.html",
        (),
    ),
    "/office/trust": Endpoint(
        "Trusted browsers for the office group: off, or on for at most 1 to 30 days; "
        "behind the password",
        "admin",
        "office_trust.html",
        ("trust", "trust_days", "password"),
    ),
    "/office/passkeys": Endpoint(
        "Whom the office group requires a passkey or security key of: `applies_to` ="
        " `off`, `admins` or `everyone`; behind the password",
        "admin",
        "office_passkeys.html",
        ("applies_to", "password"),
    ),
    "/browsers": Endpoint(
        "The own trusted browsers; POST removes one (`browser`: its id) or all (`all`)",
        "verified",
        "trusted_browsers.html",
        ("browser",),
        post_may_not_find=True,
    ),
    "/users/{user_id}/browsers": Endpoint(
        "The trusted browsers of one user of the own office; POST removes one or all",
        "admin",
        "trusted_browsers.html",
        ("browser",),
    ),
    "/logout-everywhere": Endpoint(
        "End every other verified session of one's own; this one stays",
        "verified",
        "logout_everywhere.html",
        (),
    ),
}

_REASONS = {
    200: "The page's state",
    400: "A refused field or an unreadable body",
    401: "Not logged in (`login_required`) or not verified yet (`two_factor_required`)",
    403: "A missing or foreign CSRF token (`csrf`), missing rights or an unknown user",
    404: "No such user in the own office, no reset code to show, or no such browser",
    409: "Not this step now (`wrong_step`, see `next`) or an expired enrollment (`expired`)",
    413: "The body is larger than the guard reads",
    429: "Too many failures; wait `retry_after` seconds",
    503: "A part the guard needs is down; nobody passes",
}


_TEXT: dict[str, Any] = {"type": "string"}


# No pattern on what a client sends: the guard reads any text and answers a clear 400, and
# a pattern would keep generated clients and the description's tests from trying that.
_FIELD_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "reset_code": {
        "description": "the personal reset code: 24 letters and digits (20 for a code made "
        "by version 0.1), in any case, with or without spaces or dashes"
    },
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error(status: int) -> dict[str, Any]:
    if status == 413:
        # Answered by Starlette's body limit before the guard reads a byte of the body.
        return {"description": _REASONS[413], "content": {"text/plain": {"schema": _TEXT}}}
    answer: dict[str, Any] = {
        "description": _REASONS[status],
        "content": _json({"$ref": "#/components/schemas/Error"}),
    }
    if status in (429, 503):
        answer["headers"] = {
            "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}
        }
    return answer


def _page_ref(template: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{_schema_name(template)}"}


def _schema_name(template: str) -> str:
    return "".join(part.title() for part in PAGES[template].name.split("_")) + "Page"


# Paths that name something that may not be there (a user, a passkey), or that are not
# there while passkeys are off: 404.
_MAY_BE_MISSING = ("/users/", "/passkeys/", "/office/passkeys")


def _gate_statuses(who: Who) -> list[int]:
    """What the gate of a page answers instead of the page (see ``gates.py``)."""
    if who == "anyone":
        return []
    # 409: a step out of order, or the office in another state than the page is for.
    statuses = [401, 403, 409, 503]
    if who == "enrolled":
        statuses.append(404)
    return statuses


def _parameters(path: str, endpoint: Endpoint) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "minLength": 1},
        }
        for name in _path_names(path)
    ]
    if endpoint.follows_next:
        parameters.append(
            {
                "name": "next",
                "in": "query",
                "required": False,
                "description": "A local path to go to when done; anything else is ignored",
                "schema": {"type": "string"},
            }
        )
    return parameters


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def _get(path: str, endpoint: Endpoint) -> dict[str, Any]:
    if endpoint.page is None:
        ok: dict[str, Any] = {
            "description": "This description",
            "content": _json({"type": "object"}),
        }
    elif endpoint.get_may_pass:
        ok = {
            "description": "The page's state, or `next` when it has nothing to ask"
            " (a trusted browser; a requirement switched off since)",
            "content": _json(
                {"oneOf": [_page_ref(endpoint.page), {"$ref": "#/components/schemas/Next"}]}
            ),
        }
    else:
        ok = {"description": _REASONS[200], "content": _json(_page_ref(endpoint.page))}
    statuses = _gate_statuses(endpoint.who)
    if path.startswith(_MAY_BE_MISSING):
        statuses.append(404)
    return {
        "summary": endpoint.summary,
        "operationId": _operation_id("get", path),
        "parameters": _parameters(path, endpoint),
        "responses": {
            "200": ok,
            **{str(status): _error(status) for status in sorted(set(statuses))},
        },
    }


def _post(path: str, endpoint: Endpoint) -> dict[str, Any]:
    assert endpoint.fields is not None  # noqa: S101 - only called for endpoints with a form
    assert endpoint.page is not None  # noqa: S101
    properties = {
        name: {"type": "string", **_FIELD_DESCRIPTIONS.get(name, {})}
        for name in (*endpoint.fields, CSRF_FIELD)
    }
    done: dict[str, Any] = (
        _page_ref(endpoint.page)
        if endpoint.post_shows_page
        else {"$ref": "#/components/schemas/Next"}
    )
    statuses = {*_gate_statuses(endpoint.who), 400, 403, 413}
    if endpoint.fields:
        statuses.add(429)
    if endpoint.fields == ():
        statuses.add(409)  # the finish steps: an enrollment that expired meanwhile
    if path.startswith(_MAY_BE_MISSING) or endpoint.post_may_not_find:
        statuses.add(404)
    return {
        "summary": endpoint.summary,
        "operationId": _operation_id("post", path),
        "parameters": [
            *_parameters(path, endpoint),
            {
                "name": "X-CSRF-Token",
                "in": "header",
                "required": False,
                "description": f"The `csrf_token` of a GET, when the body has no `{CSRF_FIELD}`",
                "schema": {"type": "string"},
            },
        ],
        "requestBody": {
            "required": True,
            "content": _json(
                {
                    "type": "object",
                    "properties": properties,
                    "additionalProperties": {"type": "string"},
                    "maxProperties": 8,
                }
            ),
        },
        "responses": {
            "200": {
                "description": "Done: go on to `next`"
                if not endpoint.post_shows_page
                else "The page with what was asked for",
                "content": _json(done),
            },
            **{str(status): _error(status) for status in sorted(statuses)},
        },
    }


def _operation_id(method: str, path: str) -> str:
    words = [
        part.strip("{}") for part in path.replace("-", "_").replace(".", "_").split("/") if part
    ]
    return method + "_" + "_".join(words)


def _routes(routes: Iterable[BaseRoute], prefix: str = "") -> Iterable[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Route):
            yield prefix, route
        elif isinstance(route, Mount) and isinstance(route.app, Router):
            yield from _routes(route.routes, prefix + route.path)


def describe(routes: Sequence[BaseRoute], *, server: str) -> dict[str, Any]:
    """The OpenAPI document of the guard pages in ``routes``, for the host at ``server``."""
    paths: dict[str, Any] = {}
    for mount, route in _routes(routes):
        local = route.path
        endpoint = ENDPOINTS[local]  # a KeyError here means a page was added without a line above
        methods = route.methods or set()
        item: dict[str, Any] = {}
        if "GET" in methods:
            item["get"] = _get(local, endpoint)
        if "POST" in methods:
            item["post"] = _post(local, endpoint)
        paths[f"{mount}{local}"] = item
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA, "Next": NEXT_SCHEMA}
    for template in PAGES:
        schemas[_schema_name(template)] = PAGES[template].schema()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "nextens_guard JSON API",
            "version": "1",
            "description": (
                "Every guard page answers JSON when the request asks for it (`Accept: "
                "application/json` without `text/html`, or a JSON body). A GET answers the "
                "page's state and a `csrf_token`; a POST needs that token in the body's "
                f"`{CSRF_FIELD}` or in the `{CSRF_HEADER}` header. The host's session cookie "
                "identifies the user."
            ),
        },
        "servers": [{"url": server or "/"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
