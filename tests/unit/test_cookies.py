"""Who is logged in for the request that follows a response: its Set-Cookie applied."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Scope

from nextens_guard.cookies import scope_after


def request_with(cookie: str | None) -> Scope:
    headers = [(b"host", b"app")]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode("latin-1")))
    return {"type": "http", "method": "POST", "path": "/auth/login", "headers": headers}


def start_of(response: Response) -> Message:
    return {"type": "http.response.start", "status": 204, "headers": response.raw_headers}


def cookies(scope: Scope) -> dict[str, str]:
    return dict(Request(scope).cookies)


def test_a_login_cookie_the_response_sets_is_sent_with_the_next_request() -> None:
    response = Response(status_code=204)
    response.set_cookie("auth", "a.jwt.token", httponly=True, samesite="lax")

    after = scope_after(request_with("session=abc"), start_of(response))

    assert cookies(after) == {"session": "abc", "auth": "a.jwt.token"}


def test_a_login_cookie_the_response_deletes_is_not_sent_with_the_next_request() -> None:
    response = Response(status_code=204)
    response.delete_cookie("auth")

    after = scope_after(request_with("session=abc; auth=a.jwt.token"), start_of(response))

    assert cookies(after) == {"session": "abc"}


def test_a_cookie_that_expired_already_counts_as_deleted() -> None:
    response = Response(status_code=204)
    response.headers.append("set-cookie", "auth=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT")

    assert cookies(scope_after(request_with("auth=y"), start_of(response))) == {}


def test_a_response_that_sets_no_cookie_leaves_the_request_as_it_was() -> None:
    scope = request_with("auth=y")

    assert scope_after(scope, start_of(Response(status_code=204))) is scope


def test_a_broken_set_cookie_header_changes_nothing() -> None:
    response = Response(status_code=204)
    response.headers.append("set-cookie", "\x00; ===")

    assert cookies(scope_after(request_with("auth=y"), start_of(response))) == {"auth": "y"}
