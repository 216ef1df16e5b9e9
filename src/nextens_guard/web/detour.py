"""The one exception a page raises when a request does not get the page it asked for.

A gate (not logged in, not this step now, no rights), a form that cannot be read or
has a stale token, and a wrong code all raise :class:`Detour` with the answer the
request gets instead. The answer is data; :class:`Answers` is the one place that turns
it into a response: a redirect or a page for a browser, the JSON of ``api.py`` for a
client that asks for JSON. Every route is built by :meth:`Answers.route`, so no
handler returns a detour by hand.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..http import wants_json
from . import api
from .api import Refusal
from .rendering import Rendering

__all__ = [
    "Answer",
    "Answers",
    "Detour",
    "Elsewhere",
    "ErrorPage",
    "FormAgain",
    "Handler",
    "LoginFirst",
    "StepFirst",
]

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Elsewhere:
    """This page is not for this user now; ``url`` is: a 303, or a 409 for JSON."""

    url: str


@dataclass(frozen=True, slots=True)
class LoginFirst:
    """Nobody has logged in with a password: to the host's login at ``url``, or a 401."""

    url: str


@dataclass(frozen=True, slots=True)
class StepFirst:
    """The page needs the second step first: to ``url`` (its ``action``), or a 401 saying
    so in the very shape the middleware answers for the app's own JSON."""

    action: str
    url: str


@dataclass(frozen=True, slots=True)
class ErrorPage:
    """A whole-page error: ``status`` with its text, or the text of ``message_key``."""

    status: int
    message_key: str | None = None
    login_url: str | None = None


@dataclass(frozen=True, slots=True)
class FormAgain:
    """The form of ``template`` again, showing what ``values`` hold, with the refusal.

    ``message_key`` (filled with ``message_values``) is the message for the user; a
    refusal with ``retry_after`` also sends ``Retry-After``.
    """

    template: str
    values: Mapping[str, Any]
    status: int
    message_key: str
    refusal: Refusal
    message_values: Mapping[str, object] = field(default_factory=dict)
    drift: bool = False


Answer = Elsewhere | LoginFirst | StepFirst | ErrorPage | FormAgain


class Detour(Exception):
    """The request gets ``answer`` instead of the page it asked for."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(type(answer).__name__)
        self.answer = answer


class Answers:
    """Turns a detour into the answer a browser or a JSON client gets."""

    def __init__(self, rendering: Rendering) -> None:
        self._rendering = rendering

    def route(self, path: str, handler: Handler, *methods: str) -> Route:
        """A route to ``handler`` (GET unless ``methods`` say otherwise) whose detours
        are answered here."""

        async def endpoint(request: Request) -> Response:
            if request.method == "HEAD":
                # The router answers HEAD with this endpoint, and a handler takes any
                # method but GET for a POST: a HEAD would verify, reset or deactivate.
                # It gets the GET page instead (the server sends no body for a HEAD).
                request = Request({**request.scope, "method": "GET"}, request.receive)
            try:
                return await handler(request)
            except Detour as detour:
                return self.respond(request, detour.answer)

        return Route(path, endpoint, methods=list(methods or ("GET",)), name=handler.__name__)

    def respond(self, request: Request, answer: Answer) -> Response:
        as_json = wants_json(request.scope)
        match answer:
            case Elsewhere(url):
                if as_json:
                    return api.elsewhere(
                        url, self._rendering.translator(request)("error.wrong_step")
                    )
                return RedirectResponse(url, status_code=303)
            case LoginFirst(url):
                if as_json:
                    t = self._rendering.translator(request)
                    return api.login_required(url, t("error.login_required"))
                return RedirectResponse(url, status_code=303)
            case StepFirst(action, url):
                if as_json:
                    return api.two_factor_required(action, url)
                return RedirectResponse(url, status_code=303)
            case ErrorPage(status, message_key, login_url):
                return self._rendering.error_page(
                    request, status, message_key=message_key, login_url=login_url
                )
            case FormAgain():
                return self._form_again(request, answer)

    def _form_again(self, request: Request, answer: FormAgain) -> Response:
        retry_after = answer.refusal.retry_after
        return self._rendering.render(
            request,
            answer.template,
            answer.status,
            headers=None if retry_after is None else {"Retry-After": str(retry_after)},
            **{
                **answer.values,
                "error": self._rendering.translator(request)(
                    answer.message_key, **answer.message_values
                ),
                "drift": answer.drift,
                "refusal": answer.refusal,
            },
        )
