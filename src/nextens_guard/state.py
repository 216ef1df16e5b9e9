"""What each process knows of one user's state, kept cheap and honest.

:class:`UserState` is what the decision needs about one logged-in user;
:class:`StateCache` keeps those in memory so that a verified request is a dictionary
lookup, and drops them when another process publishes a change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .ephemeral.base import ALL_TOPIC, LOGIN_TOPIC, Ephemeral, parse_floor

__all__ = ["DEFAULT_CACHE_ENTRIES", "USER_TOPIC", "StateCache", "UserState", "user_topic"]

DEFAULT_CACHE_ENTRIES = 100_000
USER_TOPIC = "user:"


def user_topic(user_id: str) -> str:
    return USER_TOPIC + user_id


@dataclass(frozen=True, slots=True)
class UserState:
    """What the middleware needs to decide about one logged-in user.

    ``generation`` is None when the user has no confirmed enrollment.
    """

    required: bool
    generation: int | None


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
        if topic.startswith(LOGIN_TOPIC):
            return  # a logout: nothing cached here changes (see revocations)
        self.epoch += 1
        if topic == ALL_TOPIC:
            self._entries.clear()
        elif topic.startswith(USER_TOPIC):
            self._entries.pop(topic.removeprefix(USER_TOPIC), None)
        elif (floor := parse_floor(topic)) is not None:
            # A raised floor: the user's enrollment changed.
            self._entries.pop(floor[0], None)

    def invalidate_all(self) -> None:
        self.epoch += 1
        self._entries.clear()
