"""The host's own login, as a fastapi-users app has it: a user database, a user manager,
and a JWT carried in a cookie (browsers) or an Authorization header (API clients).

The users are the demo users of ``example_app``, with e-mail addresses and UUIDs as
fastapi-users has them, kept in memory: the point is the login, not the storage.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import (
    AuthenticationBackend,
    BearerTransport,
    CookieTransport,
    JWTStrategy,
)
from fastapi_users.db import BaseUserDatabase
from fastapi_users.jwt import generate_jwt
from fastapi_users.password import PasswordHelper

from example_app.demo_data import DEMO_PASSWORD, USERS

__all__ = [
    "AUDIENCE",
    "COOKIE_NAME",
    "Login",
    "MemoryUsers",
    "User",
    "UserRead",
    "UserUpdate",
    "demo_user_id",
]

COOKIE_NAME = "fastapiusersauth"
# fastapi-users' own audience for login tokens.
AUDIENCE = ["fastapi-users:auth"]
TOKEN_SECONDS = 3600
_NAMESPACE = uuid.UUID("6f1c1d0e-5b8e-4a55-9a1e-6b1f0f9d2c11")


def demo_user_id(username: str) -> uuid.UUID:
    """The demo user's id: a UUID, as fastapi-users gives its users."""
    return uuid.uuid5(_NAMESPACE, username)


@dataclass
class User:
    id: uuid.UUID
    email: str
    hashed_password: str
    display_name: str
    office_id: str
    manages_users: bool
    is_active: bool = True
    is_superuser: bool = False
    is_verified: bool = True


class UserRead(schemas.BaseUser[uuid.UUID]):
    display_name: str
    office_id: str


class UserUpdate(schemas.BaseUserUpdate):
    display_name: str | None = None


class MemoryUsers(BaseUserDatabase[User, uuid.UUID]):
    """fastapi-users' user database, in memory."""

    def __init__(self, users: list[User]) -> None:
        self.by_id = {user.id: user for user in users}

    async def get(self, id: uuid.UUID) -> User | None:
        return self.by_id.get(id)

    async def get_by_email(self, email: str) -> User | None:
        wanted = email.casefold()
        return next((u for u in self.by_id.values() if u.email.casefold() == wanted), None)

    async def update(self, user: User, update_dict: dict[str, Any]) -> User:
        # Called on login when the password hash is upgraded.
        updated = replace(user, **update_dict)
        self.by_id[user.id] = updated
        return updated

    @classmethod
    def demo(cls, helper: PasswordHelper) -> MemoryUsers:
        hashed = helper.hash(DEMO_PASSWORD)
        return cls(
            [
                User(
                    id=demo_user_id(user.username),
                    email=f"{user.username}@example.nl",
                    hashed_password=hashed,
                    display_name=user.display_name,
                    office_id=user.office_id,
                    manages_users=user.manages_users,
                )
                for user in USERS
            ]
        )


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    pass


class LoginTokens(JWTStrategy[User, uuid.UUID]):
    """fastapi-users' JWT strategy with a token id (``jti``) of its own per login.

    fastapi-users writes the same token for two logins of one user in the same second:
    the claims are the user, the audience and the expiry. The guard keeps its second
    step per token, so two logins must never share one, or a password-only login made
    beside a verified one would share its verification.
    """

    async def write_token(self, user: User) -> str:
        data = {"sub": str(user.id), "aud": self.token_audience, "jti": secrets.token_urlsafe(16)}
        return generate_jwt(data, self.encode_key, self.lifetime_seconds, algorithm=self.algorithm)


class Login:
    """Everything fastapi-users needs, built once per app."""

    def __init__(self, secret: str, *, cookie_secure: bool = True) -> None:
        self.secret = secret
        self.password_helper = PasswordHelper()
        self.users = MemoryUsers.demo(self.password_helper)

        def strategy() -> JWTStrategy[User, uuid.UUID]:
            return LoginTokens(secret=secret, lifetime_seconds=TOKEN_SECONDS)

        self.cookie = AuthenticationBackend(
            name="cookie",
            transport=CookieTransport(
                cookie_name=COOKIE_NAME, cookie_max_age=TOKEN_SECONDS, cookie_secure=cookie_secure
            ),
            get_strategy=strategy,
        )
        self.bearer = AuthenticationBackend(
            name="jwt",
            transport=BearerTransport(tokenUrl="auth/jwt/login"),
            get_strategy=strategy,
        )

        async def user_manager() -> AsyncIterator[UserManager]:
            manager = UserManager(self.users, self.password_helper)
            manager.reset_password_token_secret = secret
            manager.verification_token_secret = secret
            yield manager

        self.fastapi_users = FastAPIUsers[User, uuid.UUID](user_manager, [self.cookie, self.bearer])
        self.current_active_user = self.fastapi_users.current_user(active=True)
