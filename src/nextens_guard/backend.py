"""The one protocol the host app implements: who is logged in, and who is who.

The host stays the owner of users, passwords, offices and rights; the guard only
asks. Every method is async so a host can reach its own database. ``None`` means
"no such user" or "nobody is logged in"; a host that cannot answer raises
:class:`BackendError` (or anything else) and the guard fails closed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

from starlette.types import Scope

__all__ = [
    "AuthBackend",
    "BackendError",
    "CredentialBackend",
    "FindsUsers",
    "GuardUser",
    "Office",
    "ShieldedBackend",
]


T = TypeVar("T")


class BackendError(Exception):
    """The host backend could not answer; the guard treats the request as unverified."""


@dataclass(frozen=True, slots=True)
class GuardUser:
    """A user as the guard sees one."""

    id: str
    username: str
    office_id: str
    display_name: str = ""

    @property
    def label(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True, slots=True)
class Office:
    """An office (kantoor)."""

    id: str
    name: str


@runtime_checkable
class AuthBackend(Protocol):
    async def authenticated_user_id(self, scope: Scope) -> str | None:
        """The id of the user who logged in with a password on this request, or None.

        Called on every request, so it must be cheap: read the host's session,
        never a database.
        """
        ...

    async def get_user(self, user_id: str) -> GuardUser | None:
        """The user with this id, or None when there is none."""
        ...

    async def check_password(self, user_id: str, password: str) -> bool:
        """Whether ``password`` is this user's password. Never raises for a wrong one."""
        ...

    async def get_office(self, office_id: str) -> Office | None:
        """The office with this id, or None."""
        ...

    async def linked_offices(self, office_id: str) -> Sequence[Office]:
        """Every office of this office's group, itself included (just itself when unlinked)."""
        ...

    async def has_user_management_rights(self, user_id: str) -> bool:
        """Whether this user may manage the users of their office."""
        ...

    async def users_of_office(self, office_id: str) -> Sequence[GuardUser]:
        """The users of one office."""
        ...


class CredentialBackend(AuthBackend, Protocol):
    """A backend whose host logs users in with a token rather than a session.

    ``credential`` is optional: a backend that has it needs no session middleware, and
    the guard keeps its own state per token (see :mod:`.own_sessions`).
    """

    async def credential(self, scope: Scope) -> str | None:
        """The token the login of this request rests on (a JWT from a cookie, a bearer
        token from the Authorization header), or None when it carries none.

        Called on every request, so it must be cheap: read a header, never a database.
        The guard never stores or logs it; it keeps a keyed hash of it.
        """
        ...


@runtime_checkable
class FindsUsers(Protocol):
    """What a backend may add so people are named by username, not only by id.

    Kept out of :class:`AuthBackend`, so a backend written before it still is one; the
    guard looks for the method by name. A list rather than one user: some hosts keep
    usernames unique per office only, and the guard must tell such a name apart from
    a name nobody has.
    """

    async def find_users(self, username: str) -> Sequence[GuardUser]:
        """Every user with this username, by the host's own rules for names (case,
        spaces); empty when nobody has it. Look it up, never scan every office."""
        ...


class ShieldedBackend:
    """The host's backend as the guard's services use it: any failure is a BackendError.

    A host's driver raises its own errors (a dropped connection, a timeout); turning
    them into one type lets every page answer 503 for them and keep 500 for our bugs.
    """

    def __init__(self, backend: AuthBackend) -> None:
        self.host = backend

    async def _call(self, name: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except BackendError:
            raise
        except Exception as exc:
            raise BackendError(f"backend {name} failed ({type(exc).__name__})") from None

    async def authenticated_user_id(self, scope: Scope) -> str | None:
        return await self._call("authenticated_user_id", self.host.authenticated_user_id(scope))

    async def get_user(self, user_id: str) -> GuardUser | None:
        return await self._call("get_user", self.host.get_user(user_id))

    async def check_password(self, user_id: str, password: str) -> bool:
        return await self._call("check_password", self.host.check_password(user_id, password))

    async def get_office(self, office_id: str) -> Office | None:
        return await self._call("get_office", self.host.get_office(office_id))

    async def linked_offices(self, office_id: str) -> Sequence[Office]:
        return await self._call("linked_offices", self.host.linked_offices(office_id))

    async def has_user_management_rights(self, user_id: str) -> bool:
        return await self._call(
            "has_user_management_rights", self.host.has_user_management_rights(user_id)
        )

    async def users_of_office(self, office_id: str) -> Sequence[GuardUser]:
        return await self._call("users_of_office", self.host.users_of_office(office_id))

    async def find_users(self, username: str) -> Sequence[GuardUser] | None:
        """The users with this username; None when the host's backend cannot tell."""
        find = getattr(self.host, "find_users", None)
        if find is None:
            return None
        found: Sequence[GuardUser] = await self._call("find_users", find(username))
        return found
