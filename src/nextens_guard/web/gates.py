"""Who may see a page now: each gate returns the user or raises a :class:`~.detour.Detour`.

The step pages and the pages behind the second step ask the guard's own decision
(:meth:`~nextens_guard.Guard.decide`), the one the middleware asks for the app's pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

from ..backend import GuardUser
from ..decision import Decision
from ..http import with_query
from .detour import Detour, Elsewhere, ErrorPage, LoginFirst, StepFirst
from .links import guard_url, here, host_root, login_url, next_target

if TYPE_CHECKING:
    from ..guard import Guard

__all__ = ["Gates"]


class Gates:
    def __init__(self, guard: Guard) -> None:
        self._guard = guard

    async def logged_in(self, request: Request, *, come_back: bool = False) -> GuardUser:
        """The user who logged in with a password; to the login for anyone else, coming
        back to this page when ``come_back`` (a page of its own, not a step on the way)."""
        user_id = await self._guard.backend.authenticated_user_id(request.scope)
        if user_id is None:
            if come_back:
                login = with_query(
                    f"{host_root(request)}{self._guard.settings.login_path}", next=here(request)
                )
                raise Detour(LoginFirst(login))
            raise Detour(LoginFirst(self._login_url(request)))
        user = await self._guard.backend.get_user(user_id)
        if user is None:
            # A session of a user the host no longer knows: its proof counts for nobody.
            self._guard.forget_verified(request.session)
            login = self._login_url(request)
            raise Detour(ErrorPage(403, "page.unknown_user.body", login_url=login))
        return user

    def _login_url(self, request: Request) -> str:
        settings = self._guard.settings
        return login_url(request, settings.login_path, settings.home_path)

    async def for_step(self, request: Request, want: Decision) -> GuardUser:
        """The user when the guard sends them to the step ``want`` (enroll or verify) now;
        else on to the step it does send them to, or to ``next`` when they pass."""
        user = await self.logged_in(request)
        decision = await self._guard.decide(user.id, request.session)
        if decision is want:
            return user
        if decision is Decision.PASS:
            raise Detour(Elsewhere(next_target(request, self._guard.settings.home_path)))
        raise Detour(Elsewhere(guard_url(request, f"/{decision.value}")))

    async def verified(self, request: Request, *, adding_passkey: bool = False) -> GuardUser:
        """The user when they have passed the guard as the app's pages require it; else to
        the step they still need, coming back here. ``adding_passkey``: the pages that add
        a passkey also take a user whose office requires one they do not have yet."""
        user = await self.logged_in(request, come_back=True)
        decision = await self._guard.decide(user.id, request.session)
        if decision is Decision.PASS or (adding_passkey and decision is Decision.PASSKEY):
            return user
        step = f"{request.scope.get('root_path', '')}/{decision.value}"
        raise Detour(StepFirst(decision.value, with_query(step, next=here(request))))

    async def admin(self, request: Request) -> GuardUser:
        """A verified user with user-management rights; 403 for anyone else."""
        user = await self.verified(request)
        if not await self._guard.office.may_manage(user):
            raise Detour(ErrorPage(403))
        return user
