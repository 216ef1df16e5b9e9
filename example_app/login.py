"""The example's own password login: a form token, and the guard's limits on the password.

``guard.check_login`` counts the host's logins in the same shared state as the guard's
own password checks, so guessing at ``/login`` is limited on every process alike; a
locked-out name or address gets 429 with ``Retry-After`` and costs no password hash.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from nextens_guard import Attempt, Guard, ServiceUnavailable, Verdict
from nextens_guard.csrf import CSRF_FIELD, CsrfTokens
from nextens_guard.http import address_key, local_target

from .backend import SESSION_USER_KEY, DemoBackend
from .pages import render, wait_text, words_for

__all__ = ["LOGIN_FORM_MAX_AGE", "login", "login_tokens", "logout"]

# Long enough for a login page left open over lunch; an older form asks again.
LOGIN_FORM_MAX_AGE = 2 * 60 * 60
# What to wait when the shared state that counts logins does not answer.
UNAVAILABLE_RETRY_AFTER = 30


def login_tokens(session_secret: str) -> CsrfTokens:
    """The login form's tokens: a nonce in the session, signed with the example's session
    secret rather than the guard's key, so a login token is worth nothing to the guard's
    forms and a guard form's token nothing here."""
    return CsrfTokens(session_secret, max_age=LOGIN_FORM_MAX_AGE)


def _login_page(
    request: Request,
    next_url: str,
    *,
    error: str | None = None,
    status_code: int = 200,
    retry_after: int | None = None,
) -> Response:
    tokens: CsrfTokens = request.app.state.login_tokens
    context = {
        "next": next_url,
        "error": error,
        "csrf_field": CSRF_FIELD,
        "csrf_token": tokens.issue(request.session),
    }
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return render(request, "login.html", context, status_code=status_code, headers=headers)


async def login(request: Request) -> Response:
    next_url = local_target(request.query_params.get("next"))
    if request.method == "GET":
        return _login_page(request, next_url)
    words = words_for(request)
    form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    tokens: CsrfTokens = request.app.state.login_tokens
    token = form.get(CSRF_FIELD)
    if not tokens.check(request.session, token if isinstance(token, str) else None):
        # A stale page or a form posted from another site: nothing is checked or counted.
        return _login_page(request, next_url, error=words["expired"], status_code=400)
    username, password = form.get("username"), form.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username.strip():
        return _login_page(request, next_url, error=words["wrong"], status_code=400)

    backend: DemoBackend = request.app.state.backend
    user = backend.find_by_username(username)

    async def check_password() -> bool:
        # Hashed for unknown names too, so the time taken does not tell who exists.
        correct = await backend.check_password(user.id if user else "", password)
        return correct and user is not None

    guard: Guard | None = request.app.state.guard
    if guard is None:
        # `--no-guard`: the very same login without the guard, so nothing limits it;
        # a real app without the guard needs a limit of its own here.
        correct = await check_password()
        attempt = Attempt(Verdict.ACCEPTED if correct else Verdict.REJECTED)
    else:
        # An IPv6 client counts as its /64, as on the guard's own pages.
        address = address_key(request.client.host) if request.client else "unknown"
        try:
            attempt = await guard.check_login(username, address, check_password)
        except ServiceUnavailable:
            # Logins cannot be counted now: fail closed rather than allow unlimited guesses.
            return _login_page(
                request,
                next_url,
                error=words["unavailable"],
                status_code=503,
                retry_after=UNAVAILABLE_RETRY_AFTER,
            )
    if attempt.locked:
        error = words["locked"].format(wait=wait_text(words, attempt.retry_after))
        return _login_page(
            request, next_url, error=error, status_code=429, retry_after=attempt.retry_after
        )
    if not attempt.accepted or user is None:
        return _login_page(request, next_url, error=words["wrong"], status_code=400)
    # A fresh session at login, so nothing of an earlier user carries over.
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    return RedirectResponse(next_url, status_code=303)


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
