"""People, not ids: who an id is, and who a name given on the command line means.

The store keeps user ids, since a name may change; whatever shows an id to a person
asks the host's backend for the name as it is now, once per distinct id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..backend import GuardUser, ShieldedBackend

__all__ = [
    "MAX_NAMED",
    "Ambiguous",
    "Found",
    "Named",
    "NotFound",
    "find_person",
    "is_user_id",
    "named",
]

# A page of events names at most this many people: each costs the host one lookup.
MAX_NAMED = 50
# Lookups at once: enough to hide the host's latency, few enough for its connection pool.
_AT_ONCE = 8


def is_user_id(actor_id: str) -> bool:
    """Whether an actor id may be a user's: the operator command line (``cli:<os user>``)
    and a host's own scripts (``example_app:demo-data``) name themselves ``tool:who``.

    Only the ids the backend does not know are judged by it, so a host whose user ids
    hold a colon still sees its users' names.
    """
    return ":" not in actor_id


@dataclass(frozen=True, slots=True)
class Named:
    """An id as a person reads it: the user's name, or the id when nobody has it."""

    id: str
    user: GuardUser | None

    @property
    def known(self) -> bool:
        return self.user is not None

    @property
    def label(self) -> str:
        """The user's display name (or username); the id itself for no known user."""
        return self.id if self.user is None else self.user.label

    @property
    def username(self) -> str | None:
        return None if self.user is None else self.user.username

    @property
    def unknown_user(self) -> bool:
        """An id that looks like a user's and that the backend no longer knows."""
        return self.user is None and is_user_id(self.id)


async def named(
    backend: ShieldedBackend, ids: Iterable[str | None], *, limit: int = MAX_NAMED
) -> Mapping[str, Named]:
    """Each distinct id of ``ids``, looked up once, the first ``limit`` of them at most.

    An id left out by the limit is absent from the answer, and shows as itself.
    """
    distinct = list(dict.fromkeys(i for i in ids if i))[:limit]
    gate = asyncio.Semaphore(_AT_ONCE)

    async def look_up(user_id: str) -> GuardUser | None:
        async with gate:
            return await backend.get_user(user_id)

    try:
        async with asyncio.TaskGroup() as group:
            lookups = [group.create_task(look_up(user_id)) for user_id in distinct]
    except ExceptionGroup as failed:
        # One failure is the answer (a BackendError, a 503), as for any other call.
        raise failed.exceptions[0] from None
    return {
        user_id: Named(user_id, lookup.result())
        for user_id, lookup in zip(distinct, lookups, strict=True)
    }


class NotFound(LookupError):
    """No user has this id or this username."""

    def __init__(self, given: str, *, by_name: bool) -> None:
        self.given = given
        # Whether the backend could look users up by username at all.
        self.by_name = by_name
        super().__init__(given)


class Ambiguous(LookupError):
    """Several users have this username."""

    def __init__(self, given: str, users: Iterable[GuardUser]) -> None:
        self.given = given
        self.users = sorted(users, key=lambda user: (user.office_id, user.id))
        super().__init__(given)


@dataclass(frozen=True, slots=True)
class Found:
    user: GuardUser
    # Another user whose username is the id given, when the id won.
    shadowed: tuple[GuardUser, ...] = ()


async def find_person(backend: ShieldedBackend, given: str) -> Found:
    """The user an operator means by ``given``: the user with that id, else the one user
    with that username.

    An id wins over a username, so every user stays reachable by their id whatever
    names others pick; the users it hides come back in ``shadowed`` to be mentioned.
    """
    by_id = await backend.get_user(given)
    by_name = await backend.find_users(given)
    if by_id is not None:
        others = tuple(user for user in by_name or () if user.id != by_id.id)
        return Found(by_id, others)
    if not by_name:
        raise NotFound(given, by_name=by_name is not None)
    if len({user.id for user in by_name}) > 1:
        raise Ambiguous(given, by_name)
    return Found(by_name[0])
