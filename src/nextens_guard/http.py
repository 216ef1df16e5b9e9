"""How the guard answers: headers on every guard response, JSON or HTML, local `next` targets."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "SECURITY_HEADERS",
    "SecurityHeaders",
    "local_target",
    "wants_json",
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
                headers.add_vary_header("Cookie")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def wants_json(scope: Scope) -> bool:
    """Whether the client asks for JSON rather than a page."""
    headers = Headers(scope=scope)
    accept = headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return True
    return headers.get("content-type", "").split(";")[0].strip() == "application/json"


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
