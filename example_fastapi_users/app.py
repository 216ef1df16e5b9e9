"""The fastapi-users host with the guard, wired as docs/integrator.md says.

fastapi-users has no session: its login is a JWT, in a cookie for browsers and in the
Authorization header for API clients. The backend names that token (``credential``),
and the guard keeps its own state per token, so no session middleware is needed. The
login and logout routes are exempt, and the guard watches them to begin and end
logins. A JWT from a password alone never reaches a route behind the guard.

No ``from __future__ import annotations`` here: FastAPI reads the route's annotations,
which name a dependency made in ``build_app``.
"""

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, FastAPI

from example_app.app import ExampleApp, demo_lifespan, guard_settings
from example_app.secrets_file import DevSecrets
from nextens_guard import Guard, TwoFactorMiddleware

from .guard_backend import FastAPIUsersBackend
from .users import Login, User, UserRead, UserUpdate

__all__ = ["EXEMPT_PATHS", "build_app"]


# fastapi-users' login and logout routes, and the API's description: no second step.
EXEMPT_PATHS = [
    "/auth/cookie/login",
    "/auth/cookie/logout",
    "/auth/jwt/login",
    "/auth/jwt/logout",
    "/docs",
    "/openapi.json",
]


def build_app(
    *,
    database_url: str,
    redis_url: str | None = None,
    secrets: DevSecrets,
    fresh: bool = False,
    cookie_secure: bool = True,
    guard_options: Mapping[str, Any] | None = None,
) -> ExampleApp:
    login = Login(secrets.session_secret, cookie_secure=cookie_secure)
    options = {
        "exempt_paths": EXEMPT_PATHS,
        # The host's only pages are the API's description: the login is there, and a
        # user who gave the code without a page to return to lands there too.
        "login_path": "/docs",
        "home_path": "/docs",
        # Said here too, though the shared settings say it: this host is Nextens as well.
        "product_name": "Nextens",
        **(guard_options or {}),
    }
    guard = Guard(
        backend=FastAPIUsersBackend(login),
        settings=guard_settings(secrets, database_url, redis_url, options),
    )

    api = FastAPI(
        title="Nextens example (fastapi-users)", lifespan=demo_lifespan(guard, fresh=fresh)
    )
    users = login.fastapi_users
    api.include_router(users.get_auth_router(login.cookie), prefix="/auth/cookie", tags=["auth"])
    api.include_router(users.get_auth_router(login.bearer), prefix="/auth/jwt", tags=["auth"])
    api.include_router(
        users.get_users_router(UserRead, UserUpdate), prefix="/users", tags=["users"]
    )

    @api.get("/api/aangiften")
    async def aangiften(user: Annotated[User, Depends(login.current_active_user)]) -> list[str]:
        return [f"IB 2026 {user.display_name}"]

    return ExampleApp(TwoFactorMiddleware(api, guard=guard), guard)
