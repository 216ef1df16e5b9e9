"""The guard's AuthBackend for the fastapi-users host: who is logged in is whoever the
JWT names, from the cookie or the Authorization header.

The token is decoded, not looked up: the guard asks this on every request, and a JWT
carries its user. Decoding one costs more than the guard's whole check (PyJWT checks the
signature: about 130 us here), so each process keeps the subject and expiry of the tokens
it decoded, by the token itself: the same string has the same valid signature, and the
expiry is still compared on every request. fastapi-users' own routes check the user in
the database as they always do.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence

import jwt
from fastapi_users.jwt import decode_jwt
from starlette.requests import HTTPConnection
from starlette.types import Scope

from example_app.demo_data import OFFICES
from nextens_guard import GuardUser, Office

from .users import AUDIENCE, COOKIE_NAME, Login, User

__all__ = ["FastAPIUsersBackend"]

# Tokens whose subject a process keeps: about 400 bytes each, so 4 MB at most.
DECODED_TOKENS = 10_000


class FastAPIUsersBackend:
    """Implements :class:`nextens_guard.AuthBackend` over fastapi-users."""

    def __init__(self, login: Login) -> None:
        self._login = login
        self._decoded: dict[str, tuple[str, float]] = {}

    async def credential(self, scope: Scope) -> str | None:
        """The JWT of this request: the bearer token when there is one, else the cookie's,
        as fastapi-users' own authentication backends pick it."""
        connection = HTTPConnection(scope)
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            return token
        return connection.cookies.get(COOKIE_NAME) or None

    async def authenticated_user_id(self, scope: Scope) -> str | None:
        token = await self.credential(scope)
        if not token:
            return None
        decoded = self._decoded.get(token)
        if decoded is not None:
            return decoded[0] if time.time() < decoded[1] else None
        try:
            claims = decode_jwt(token, self._login.secret, AUDIENCE)
        except jwt.PyJWTError:
            return None
        subject, expires = claims.get("sub"), claims.get("exp")
        if not isinstance(subject, str):
            return None
        if isinstance(expires, int | float):
            if len(self._decoded) >= DECODED_TOKENS:
                # The oldest out first: one lookup per request, where an LRU moves entries.
                del self._decoded[next(iter(self._decoded))]
            self._decoded[token] = (subject, float(expires))
        return subject

    def _user(self, user_id: str) -> User | None:
        try:
            return self._login.users.by_id.get(uuid.UUID(user_id))
        except ValueError:
            return None

    @staticmethod
    def _guard_user(user: User) -> GuardUser:
        return GuardUser(
            id=str(user.id),
            username=user.email,
            office_id=user.office_id,
            display_name=user.display_name,
        )

    async def get_user(self, user_id: str) -> GuardUser | None:
        user = self._user(user_id)
        return self._guard_user(user) if user is not None and user.is_active else None

    async def check_password(self, user_id: str, password: str) -> bool:
        user = self._user(user_id)
        if user is None:
            return False
        verified, _ = self._login.password_helper.verify_and_update(password, user.hashed_password)
        return verified

    async def get_office(self, office_id: str) -> Office | None:
        office = next((o for o in OFFICES if o.id == office_id), None)
        return Office(office.id, office.name) if office else None

    async def linked_offices(self, office_id: str) -> Sequence[Office]:
        own = next((o for o in OFFICES if o.id == office_id), None)
        if own is None:
            return []
        return [Office(o.id, o.name) for o in OFFICES if o.group == own.group]

    async def has_user_management_rights(self, user_id: str) -> bool:
        user = self._user(user_id)
        return bool(user and user.manages_users)

    async def find_users(self, username: str) -> Sequence[GuardUser]:
        """The optional lookup by username: the e-mail address, as fastapi-users finds
        it at login (regardless of case)."""
        user = await self._login.users.get_by_email(username)
        return [self._guard_user(user)] if user is not None and user.is_active else []

    async def users_of_office(self, office_id: str) -> Sequence[GuardUser]:
        return [
            self._guard_user(user)
            for user in self._login.users.by_id.values()
            if user.office_id == office_id
        ]
