"""The request as the browser will send it next: its cookies after a response's Set-Cookie.

A host that keeps its login in a cookie of its own (a JWT, a token) logs users in and out
by setting and deleting that cookie in a response. The guard watches the host's login
and logout pages to end a login everywhere and to begin a new one, so it asks the host
who is logged in for the request that follows: the same scope with the cookies the
response set, and without the ones it deleted. A host whose login lives in the session
needs none of this: the session is shared with the guard and already changed.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from http.cookies import CookieError, Morsel, SimpleCookie

from starlette.types import Message, Scope

__all__ = ["scope_after"]


def scope_after(scope: Scope, response_start: Message) -> Scope:
    """``scope`` with the cookies ``response_start`` sets or deletes applied to it.

    The scope itself when the response sets no cookie. Attributes that only narrow
    where a cookie goes (Path, Domain, Secure) are ignored: the question is whether the
    browser holds the cookie, not which page it sends it to.
    """
    changes: dict[str, str | None] = {}
    for name, value in response_start.get("headers", ()):
        if name.lower() != b"set-cookie":
            continue
        parsed = SimpleCookie()
        try:
            # Standard library, not Starlette: Starlette writes Set-Cookie with this very
            # class but has no reader for it.
            parsed.load(value.decode("latin-1"))
        except CookieError:
            continue
        for key, morsel in parsed.items():
            changes[key] = None if _deleted(morsel) else morsel.coded_value
    if not changes:
        return scope
    pairs = dict(_request_cookies(scope))
    for key, coded in changes.items():
        if coded is None:
            pairs.pop(key, None)
        else:
            pairs[key] = coded
    header = "; ".join(f"{key}={coded}" for key, coded in pairs.items()).encode("latin-1")
    headers = [(k, v) for k, v in scope.get("headers", ()) if k.lower() != b"cookie"]
    if header:
        headers.append((b"cookie", header))
    return {**scope, "headers": headers}


def _request_cookies(scope: Scope) -> list[tuple[str, str]]:
    """The request's cookies as sent, name and raw value, in order."""
    pairs: list[tuple[str, str]] = []
    for name, value in scope.get("headers", ()):
        if name.lower() != b"cookie":
            continue
        for chunk in value.decode("latin-1").split(";"):
            key, sep, coded = chunk.strip().partition("=")
            if sep and key:
                pairs.append((key, coded))
    return pairs


def _deleted(morsel: Morsel[str]) -> bool:
    max_age = morsel["max-age"]
    if max_age:
        try:
            return int(max_age) <= 0
        except ValueError:
            return False
    expires = morsel["expires"]
    if expires:
        try:
            return parsedate_to_datetime(expires).timestamp() <= time.time()
        except (TypeError, ValueError):
            return False
    return False
