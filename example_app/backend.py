"""The example app's AuthBackend: users and offices from the demo data, passwords hashed."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence

import anyio.to_thread
from starlette.types import Scope

from nextens_guard import GuardUser, Office

from .demo_data import DEMO_PASSWORD, OFFICES, USERS, DemoUser

SESSION_USER_KEY = "user_id"
# scrypt from the standard library: a real password hash, no extra dependency for a demo.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)


class DemoBackend:
    """Implements :class:`nextens_guard.AuthBackend` over the demo data."""

    def __init__(self) -> None:
        self._users = {user.id: user for user in USERS}
        self._by_name = {user.username: user for user in USERS}
        self._offices = {office.id: office for office in OFFICES}
        self._hashes: dict[str, tuple[bytes, bytes]] = {}
        for user in USERS:
            salt = os.urandom(16)
            self._hashes[user.id] = (salt, hash_password(DEMO_PASSWORD, salt))

    def find_by_username(self, username: str) -> DemoUser | None:
        return self._by_name.get(username.strip().lower())

    @staticmethod
    def _guard_user(user: DemoUser) -> GuardUser:
        return GuardUser(
            id=user.id,
            username=user.username,
            office_id=user.office_id,
            display_name=user.display_name,
        )

    async def authenticated_user_id(self, scope: Scope) -> str | None:
        user_id = scope["session"].get(SESSION_USER_KEY)
        return user_id if isinstance(user_id, str) else None

    async def get_user(self, user_id: str) -> GuardUser | None:
        user = self._users.get(user_id)
        return self._guard_user(user) if user else None

    async def check_password(self, user_id: str, password: str) -> bool:
        if "\x00" in password:
            # scrypt pads short keys with zero bytes: "pw" and "pw\0" would hash alike.
            return False
        salt, expected = self._hashes.get(user_id, (b"\0" * 16, b""))
        # Hash even for unknown users, so timing does not tell who exists; in a worker
        # thread, so a burst of logins does not stall every other request.
        actual = await anyio.to_thread.run_sync(hash_password, password, salt)
        return bool(expected) and hmac.compare_digest(actual, expected)

    async def get_office(self, office_id: str) -> Office | None:
        office = self._offices.get(office_id)
        return Office(office.id, office.name) if office else None

    async def linked_offices(self, office_id: str) -> Sequence[Office]:
        own = self._offices.get(office_id)
        if own is None:
            return []
        return [Office(o.id, o.name) for o in OFFICES if o.group == own.group]

    async def has_user_management_rights(self, user_id: str) -> bool:
        user = self._users.get(user_id)
        return bool(user and user.manages_users)

    async def users_of_office(self, office_id: str) -> Sequence[GuardUser]:
        return [self._guard_user(u) for u in USERS if u.office_id == office_id]

    async def find_users(self, username: str) -> Sequence[GuardUser]:
        """The optional lookup by username, by the login page's own rules for names."""
        user = self.find_by_username(username)
        return [self._guard_user(user)] if user else []
