"""How a guard page is answered: a template for a browser, ``api.py``'s JSON for a client
that asks for it, in the language the browser prefers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..csrf import CsrfTokens
from ..http import wants_json, with_query
from ..settings import GuardSettings
from . import api
from .i18n import Catalogs, Translator
from .links import here, home_url, host_root
from .templating import build_templates

__all__ = ["Rendering"]


class Rendering:
    """The templates and the JSON views of every guard page, and the whole-page errors.

    Building it reads the host's catalogs (``locale_dirs``) and checks
    ``default_language``: a guard that cannot speak stops at start.
    """

    def __init__(self, settings: GuardSettings, csrf: CsrfTokens) -> None:
        self.templates = build_templates(settings.template_loader)
        self.catalogs = Catalogs(
            default_language=settings.default_language,
            locale_dirs=settings.locale_dirs,
            product_name=settings.product_name,
        )
        self._csrf = csrf
        self._prefix = settings.prefix
        self._home_path = settings.home_path
        self._logout_path = settings.logout_path
        self._product_name = settings.product_name
        self._zone = settings.zone

    def translator(self, request: HTTPConnection) -> Translator:
        """The words in the language this request's browser prefers."""
        catalogs = self.catalogs
        return catalogs.translator(catalogs.negotiate(request.headers.get("accept-language")))

    def _common(self, request: Request, t: Translator, guard_url: str) -> dict[str, Any]:
        """What the base layout shows on every page: the way back to the app, the host's
        logout, the clock help (coming back here), and times in the office's time zone."""
        root = host_root(request)
        help_url = f"{guard_url}/help/sync"
        return {
            "lang": t.language,
            "t": t,
            "product_name": self._product_name,
            "guard_url": guard_url,
            "static_url": f"{guard_url}/static",
            "app_url": home_url(request, self._home_path),
            "logout_url": f"{root}{self._logout_path}",
            "help_url": help_url
            if request.url.path.endswith(help_url)
            else with_query(help_url, next=here(request)),
            "when": lambda moment: t.when(moment, self._zone),
        }

    def render(
        self,
        request: Request,
        template: str,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        **values: Any,
    ) -> Response:
        """The page of ``template`` with ``values``, or its JSON view."""
        t = self.translator(request)
        guard_url = request.scope.get("root_path", "")
        context: dict[str, Any] = {
            **self._common(request, t, guard_url),
            "csrf_token": self._csrf.issue(request.session),
            "drift": False,
            "error": None,
            "refusal": None,
            "remaining": None,
            **values,
        }
        if wants_json(request.scope):
            return api.page(template, status_code, headers, context)
        return self.templates.TemplateResponse(
            request,
            f"nextens_guard/{template}",
            context,
            status_code=status_code,
            headers=headers,
        )

    def error_page(
        self,
        request: Request,
        status: int,
        *,
        message_key: str | None = None,
        login_url: str | None = None,
    ) -> Response:
        """A whole-page error; it reads no session, so it serves a request without one."""
        t = self.translator(request)
        headers = {"Retry-After": "5"} if status == 503 else None
        key = message_key or f"page.{status}.body"
        body = t(key) if login_url is None else t(key, login_url=login_url)
        if wants_json(request.scope):
            answer: dict[str, str] = {"error": f"http_{status}", "message": body}
            if login_url:
                answer["next"] = login_url
            return JSONResponse(answer, status, headers)
        # Below the prefix root_path ends with it; a request the middleware refuses is
        # still at the host's root.
        guard_url = request.scope.get("root_path", "")
        if not guard_url.endswith(self._prefix):
            guard_url += self._prefix
        return self.templates.TemplateResponse(
            request,
            "nextens_guard/error.html",
            {
                **self._common(request, t, guard_url),
                "status": status,
                "heading": t(f"page.{status}.title"),
                "message": body,
                "login_url": login_url,
            },
            status_code=status,
            headers=headers,
        )

    @staticmethod
    def go_on(request: Request, url: str, *, browser_url: str | None = None) -> Response:
        """Done here, on to ``url``: a 303 for a browser, ``{"next": url}`` for JSON.
        ``browser_url`` is a page a browser sees first (a confirmation on the way to
        ``url``); a JSON client shows its own."""
        if wants_json(request.scope):
            return api.go_on(url)
        return RedirectResponse(browser_url or url, status_code=303)
