"""FastAPI dependencies that hand a route the user the guard let through.

This module needs FastAPI (``pip install 'nextens-guard[fastapi]'``); the rest of the
package never imports it. For a route behind :class:`~nextens_guard.TwoFactorMiddleware`::

    current_user = verified_user(guard)

    @app.get("/api/me")
    async def me(user: Annotated[GuardUser, Depends(current_user)]) -> dict[str, str]:
        return {"username": user.username}

The middleware names the user it let through in the request scope: verified with a
code, or logged in with a password when their office has two-step verification
switched off. On a route the guard does not cover (an exempt path, an app without the
guard) or for a visitor who is not logged in, the dependencies answer 401, so a route
that asks for the user never runs without one.
"""

# No `from __future__ import annotations` here: FastAPI reads these annotations at
# runtime to wire the dependencies, and a closure's string annotations would not resolve.

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, status
from starlette.requests import HTTPConnection

from .backend import BackendError, GuardUser
from .guard import Guard

# Set by TwoFactorMiddleware for every request it lets through to the host app.
from .middleware import USER_ID_SCOPE_KEY

__all__ = ["USER_ID_SCOPE_KEY", "verified_user", "verified_user_id"]

logger = logging.getLogger("nextens_guard")

_NOT_VERIFIED = "two-step verification did not pass this request"


async def verified_user_id(connection: HTTPConnection) -> str:
    """The id of the user the guard let through; 401 where the guard did not decide."""
    user_id = connection.scope.get(USER_ID_SCOPE_KEY)
    if not isinstance(user_id, str):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=_NOT_VERIFIED)
    return user_id


def verified_user(guard: Guard) -> Callable[..., Awaitable[GuardUser]]:
    """A dependency giving the :class:`~nextens_guard.GuardUser` the guard let through.

    ``guard`` is the one the middleware was given; the user is read from its backend
    per request, so the route sees the user as the host knows them now. A backend that
    cannot answer gives 503, a user it no longer knows 401.
    """
    backend = guard.backend

    async def guard_user(user_id: Annotated[str, Depends(verified_user_id)]) -> GuardUser:
        try:
            user = await backend.get_user(user_id)
        except BackendError as exc:
            logger.warning("verified user unavailable: %s", exc)
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, detail="the user could not be read"
            ) from None
        if user is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=_NOT_VERIFIED)
        return user

    return guard_user
