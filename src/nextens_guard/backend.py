"""The one protocol the host app implements: who is logged in, and who is who.

The host stays the owner of users, passwords, offices and rights; the guard only
asks. Every method is async so a host can reach its own database. ``None`` means
"no such user" or "nobody is logged in"; a host that cannot answer raises
:class:`BackendError` (or anything else) and the guard fails closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from starlette.types import Scope

__all__ = ["AuthBackend", "BackendError", "GuardUser", "Office"]


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
