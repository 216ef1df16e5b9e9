"""How the guard answers: headers on every guard response, JSON or HTML, local `next` targets."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "SECURITY_HEADERS",
    "SecurityHeaders",
    "address_key",
    "local_target",
    "vary_on_cookie",
    "wants_json",
    "wants_page",
    "with_query",
]

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Cache-Control", "no-store"),
    ("Pragma", "no-cache"),
    (
        "Content-Security-Policy",
        # Scripts only from the guard's own static files (the reset code's copy button);
        # no inline script, no eval.
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
)


class SecurityHeaders:
    """Adds the guard's headers to every response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers[name] = value
                vary_on_cookie(headers, scope)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def vary_on_cookie(headers: MutableHeaders, scope: Scope) -> None:
    """Say once that the response depends on the cookie: one ``Vary: Cookie``, never two.

    Starlette's SessionMiddleware, which wraps the guard, appends its own
    ``Vary: Cookie`` to every response whose session was accessed, without looking at
    what is there: ours beside it made ``Vary: Cookie, Cookie``. So when the session is
    one of Starlette's, we mark it accessed (every guard answer depends on it) and let
    the session middleware add the one value; a host with another session middleware
    gets ours, unless the response says so already.
    """
    mark_accessed = getattr(scope.get("session"), "mark_accessed", None)
    if callable(mark_accessed):
        mark_accessed()
        return
    present = {
        token.strip().lower() for value in headers.getlist("vary") for token in value.split(",")
    }
    if "cookie" not in present and "*" not in present:
        headers.add_vary_header("Cookie")


def address_key(host: str) -> str:
    """The address as the per-address limits count it.

    One IPv6 host holds a whole /64 (its addresses are free to pick), so every address
    of a /64 counts as one, written as the network (``2001:db8:1:2::/64``). An
    IPv4-mapped IPv6 address is its IPv4 address; IPv4 is itself. Anything else (a test
    client's name, a key made here already) is kept as it is.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    # int() drops a zone id ("fe80::1%eth0"): the network is what counts.
    return str(ipaddress.IPv6Network(((int(address) >> 64) << 64, 64)))


def wants_json(scope: Scope) -> bool:
    """Whether the client asks for JSON rather than a page."""
    headers = Headers(scope=scope)
    accept = headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return True
    return headers.get("content-type", "").split(";")[0].strip() == "application/json"


def wants_page(scope: Scope) -> bool:
    """Whether a redirect to one of the guard's pages serves this client.

    Only a browser does: it asks for HTML and sends no Authorization header. An API
    client (curl, fetch and httpx all send ``Accept: */*``) or any client with a token
    gets the JSON answer instead, which names the step and its page.
    """
    headers = Headers(scope=scope)
    return "text/html" in headers.get("accept", "") and "authorization" not in headers


def local_target(raw: str | None, default: str = "/") -> str:
    """``raw`` when it is a path on this site, else ``default``.

    Refuses anything a browser could read as another host: a scheme, ``//host``,
    ``/\\host`` and control characters. ``raw`` is the already percent-decoded query
    value, so encoded forms arrive here decoded.
    """
    if not raw or len(raw) > 2048 or not raw.startswith("/") or raw.startswith(("//", "/\\")):
        return default
    if any(ord(c) < 0x20 or ord(c) == 0x7F or c == "\\" for c in raw):
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return default
    return raw


def with_query(path: str, **params: str | None) -> str:
    query = urlencode({key: value for key, value in params.items() if value})
    return f"{path}?{query}" if query else path
