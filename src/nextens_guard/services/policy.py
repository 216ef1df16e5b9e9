"""Who must use two-step verification, and the per-process cache that keeps it cheap.

A user must when any office of their office group has it switched on: an office that
is active never becomes inactive by being linked, until someone deactivates. The
answer for one user, together with the generation of their enrollment, is a
:class:`UserState`; :class:`StateCache` keeps those in memory so that a verified
request is a dictionary lookup, and drops them when another process publishes a change.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..backend import AuthBackend, GuardUser, Office
from ..ephemeral.base import ALL_TOPIC, Ephemeral
from ..store.base import Store

__all__ = ["PolicyService", "StateCache", "UserState", "user_topic"]

DEFAULT_CACHE_ENTRIES = 100_000


def user_topic(user_id: str) -> str:
    return f"user:{user_id}"


@dataclass(frozen=True, slots=True)
class UserState:
    """What the middleware needs to decide about one logged-in user.

    ``generation`` is None when the user has no confirmed enrollment.
    """

    required: bool
    generation: int | None


class PolicyService:
    def __init__(self, backend: AuthBackend, store: Store) -> None:
        self._backend = backend
        self._store = store

    async def office_group(self, office_id: str) -> Sequence[Office]:
        """The offices of this office's group as the host reports them now, itself included."""
        offices = list(await self._backend.linked_offices(office_id))
        if not any(office.id == office_id for office in offices):
            own = await self._backend.get_office(office_id)
            if own is not None:
                offices.insert(0, own)
        return offices

    async def required_for_office(self, office_id: str) -> bool:
        group = await self.office_group(office_id)
        ids = {office.id for office in group} | {office_id}
        return bool(await self._store.active_offices(ids))

    async def state_of(self, user_id: str) -> UserState:
        user = await self._backend.get_user(user_id)
        if user is None:
            # A session naming a user the host no longer knows: send it to the guard's
            # pages, which refuse it, rather than to the app.
            return UserState(required=True, generation=None)
        return await self.state_of_user(user)

    async def state_of_user(self, user: GuardUser) -> UserState:
        required = await self.required_for_office(user.office_id)
        generations = await self._store.get_generations([user.id])
        return UserState(required=required, generation=generations.get(user.id))


class StateCache:
    """Per-process cache of :class:`UserState`, kept fresh by published invalidations.

    Entries are trusted only while the ephemeral state says invalidations reach this
    process; they also expire after ``ttl`` seconds, which bounds how long a change the
    guard is not told about (the host linking offices) takes to apply. The epoch makes
    sure a state read before an invalidation is never stored after it.
    """

    def __init__(
        self,
        ephemeral: Ephemeral,
        *,
        ttl: float,
        max_entries: int = DEFAULT_CACHE_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ephemeral = ephemeral
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[UserState, float]] = {}
        self.epoch = 0

    def get(self, user_id: str) -> UserState | None:
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        state, expires = entry
        if expires < self._clock() or not self._ephemeral.listening:
            self._entries.pop(user_id, None)
            return None
        return state

    def put(self, user_id: str, state: UserState, *, epoch: int) -> None:
        if epoch != self.epoch or not self._ephemeral.listening or self._ttl <= 0:
            return
        if len(self._entries) >= self._max_entries:
            # Oldest first: dicts keep insertion order.
            self._entries.pop(next(iter(self._entries)))
        self._entries[user_id] = (state, self._clock() + self._ttl)

    def invalidate(self, topic: str) -> None:
        self.epoch += 1
        if topic == ALL_TOPIC:
            self._entries.clear()
        elif topic.startswith("user:"):
            self._entries.pop(topic.removeprefix("user:"), None)

    def invalidate_all(self) -> None:
        self.epoch += 1
        self._entries.clear()
