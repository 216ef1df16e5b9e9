"""Where the guard's pages point: the host's home, a local ``next``, guard URLs, the login.

Inside the pages ``root_path`` is the host's root path plus the guard's prefix; the
host's own root path is kept under ``HOST_ROOT_KEY`` when a request enters the pages.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import HTTPConnection

from ..http import address_key, local_target, with_query

__all__ = [
    "HOST_ROOT_KEY",
    "client_address",
    "guard_url",
    "here",
    "home_url",
    "host_root",
    "login_url",
    "next_target",
    "returning",
]

HOST_ROOT_KEY = "nextens_guard.host_root"


def host_root(request: HTTPConnection) -> str:
    """The host app's root path, without the guard's prefix."""
    return str(request.scope.get(HOST_ROOT_KEY, ""))


def home_url(request: HTTPConnection, home_path: str) -> str:
    """The host's home page (``home_path``), below the host's root path."""
    return f"{host_root(request)}{home_path}"


def next_target(request: HTTPConnection, home_path: str) -> str:
    """Where to go when done: the local ``next`` of the query, else the host's home page."""
    return local_target(request.query_params.get("next"), home_url(request, home_path))


def guard_url(request: HTTPConnection, path: str, *, keep_next: bool = True) -> str:
    """The guard page at ``path``, passing this request's ``next`` on unless told not to."""
    target = request.query_params.get("next") if keep_next else None
    return with_query(f"{request.scope.get('root_path', '')}{path}", next=target)


def returning(request: HTTPConnection, done: str) -> str | None:
    """The local ``next`` a change was opened with, told what was ``done`` there; None
    without one. The security page lists passkeys and trusted browsers too, and a user who
    removes one from it expects to be back on it, not on that list's own page."""
    target = local_target(request.query_params.get("next"), "")
    if not target:
        return None
    return f"{target}{'&' if '?' in target else '?'}{urlencode({'done': done})}"


def login_url(request: HTTPConnection, login_path: str, home_path: str) -> str:
    """The host's login page, coming back to where this request would go when done."""
    return with_query(f"{host_root(request)}{login_path}", next=next_target(request, home_path))


def here(request: HTTPConnection) -> str:
    """This request's path and query, to come back to."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def client_address(request: HTTPConnection) -> str:
    """The address that counts for per-address limits and the audit: an IPv6 client's
    /64, since one host may use any address in it (see :func:`~..http.address_key`)."""
    return address_key(request.client.host) if request.client else "unknown"
