"""What was revoked, as this process knows it: ended logins and raised floors.

A verified session carries its own proof (see :mod:`.marker`): the user, the
generation of their enrollment, when they verified and the login it belongs to. Any
process can check that proof without having seen the user before, provided it knows
what was revoked since the proof was made. Two things revoke one:

- a login that ended (a logout): a copy of its cookie must not stay verified;
- a raised floor (a reset, a recovery, "log out everywhere", a deactivation, a new
  phone): the user's proofs of a lower generation count for nothing.

The guard records both in the shared state and tells every process. Each process
keeps them for as long as a proof lives (``verified_max_age_seconds``): a proof older
than that is refused for its age, so older revocations can be forgotten. What a
process holds therefore grows with the logouts and resets of that window, never with
the number of users, offices or processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from .ephemeral.base import LOGIN_TOPIC, Ephemeral, Revoked, parse_floor
from .errors import ServiceUnavailable

__all__ = ["Revocations"]

logger = logging.getLogger("nextens_guard")

# While the shared state cannot be read, a process tries again at most this often
# rather than at every request; it decides meanwhile from what it already holds.
_RETRY_SECONDS = 1.0
# Expired entries are dropped when this many were added since the last sweep.
_SWEEP_EVERY = 1_024
# A proof is stamped on the clock of the process that made it, an entry's end on this
# one's: the entries stay this much longer, so no clock drift lets a proof outlive one.
_CLOCK_MARGIN_SECONDS = 60.0


class Revocations:
    """Ended logins and raised floors of the last ``seconds``, kept current over the
    invalidation channel.

    :attr:`ended` maps ended login ids, :attr:`floors` maps a user to the lowest
    generation of theirs that still counts (None: unknown, so every proof of theirs is
    checked against the store). A process trusts both only once it caught up since it
    last subscribed (:attr:`current`): a message may have been lost while it was not
    listening, so until then the guard asks :meth:`catch_up` before a proof counts.
    """

    def __init__(self, ephemeral: Ephemeral, *, seconds: float, clock: Callable[[], float]) -> None:
        self._ephemeral = ephemeral
        self._seconds = seconds
        self._keep = seconds + _CLOCK_MARGIN_SECONDS
        self._clock = clock
        # Read on every verified request, so plain dicts: id -> when it may be forgotten.
        self.ended: dict[str, float] = {}
        self.floors: dict[str, int | None] = {}
        self._floors_until: dict[str, float] = {}
        self.current = False
        self._subscriptions = 0
        self._added = 0
        self._next_try = 0.0
        self._catching_up: asyncio.Lock | None = None

    def __contains__(self, login_id: object) -> bool:
        return login_id in self.ended

    def __len__(self) -> int:
        return len(self.ended) + len(self.floors)

    def end(self, login_id: str) -> None:
        """Note here at once that ``login_id`` ended."""
        self.ended[login_id] = self._clock() + self._keep
        self._added_one()

    def raise_floor(self, user_id: str, generation: int | None) -> None:
        """Note here at once that ``user_id``'s proofs below ``generation`` are void.

        An unknown floor stays unknown for its time; a known one only ever rises.
        """
        if user_id in self.floors:
            held = self.floors[user_id]
            generation = None if held is None or generation is None else max(held, generation)
        self.floors[user_id] = generation
        self._floors_until[user_id] = self._clock() + self._keep
        self._added_one()

    async def end_login(self, login_id: str) -> None:
        """End ``login_id`` here at once, and in the shared state for every process."""
        self.end(login_id)
        await self._ephemeral.end_login(login_id, seconds=int(self._keep))

    async def raise_floors(self, floors: dict[str, int | None]) -> None:
        """Raise these floors here at once, and in the shared state for every process."""
        for user_id, generation in floors.items():
            self.raise_floor(user_id, generation)
        await self._ephemeral.raise_floors(floors, seconds=int(self._keep))

    def _added_one(self) -> None:
        self._added += 1
        if self._added >= _SWEEP_EVERY:
            self._added = 0
            self._sweep(self._clock())

    def _sweep(self, now: float) -> None:
        # In place: the verified marker holds these very dicts.
        for key in [key for key, until in self.ended.items() if until <= now]:
            del self.ended[key]
        for key in [key for key, until in self._floors_until.items() if until <= now]:
            del self._floors_until[key]
            del self.floors[key]

    def take(self, revoked: Revoked) -> None:
        for login_id in revoked.logins:
            self.end(login_id)
        for user_id, generation in revoked.floors:
            self.raise_floor(user_id, generation)

    # What the invalidation channel delivers (an InvalidationSink).

    def invalidate(self, topic: str) -> None:
        if topic.startswith(LOGIN_TOPIC):
            self.end(topic.removeprefix(LOGIN_TOPIC))
            return
        floor = parse_floor(topic)
        if floor is not None:
            self.raise_floor(*floor)

    def invalidate_all(self) -> None:
        # Subscribed anew, or the subscription was lost: messages may be missing.
        self._subscriptions += 1
        self.current = False

    async def catch_up(self) -> None:
        """Load everything revoked from the shared state, when not :attr:`current`.

        When the shared state cannot be read what is held stays as it is, and the next
        try waits a second: the guard keeps deciding from what it holds, as it keeps
        deciding verified sessions from the database while Redis is down.
        """
        if self.current or self._clock() < self._next_try:
            return
        if self._catching_up is None:
            self._catching_up = asyncio.Lock()
        async with self._catching_up:
            if self.current:
                return
            subscriptions = self._subscriptions
            listening = self._ephemeral.listening
            try:
                revoked = await self._ephemeral.revoked()
            except ServiceUnavailable as exc:
                self._next_try = self._clock() + _RETRY_SECONDS
                logger.warning("revocations unavailable: %s", exc)
                return
            self.take(revoked)
            # Whole only when it listened throughout: then nothing was revoked unheard.
            self.current = (
                listening and self._ephemeral.listening and subscriptions == self._subscriptions
            )
