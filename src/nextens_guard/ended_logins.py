"""The logins that ended, as this process knows them.

A logout clears the session in the browser it happened in, but a copy of the cookie
(taken from another machine, a proxy log, a stolen laptop) still names the login and
its verification. So the guard records every login that ends in the shared state and
tells every process; each process keeps the ids, and a verified marker of an ended
login counts for nothing. What a process holds is only these ids, for as long as a
marker lives (``verified_max_age_seconds``), whoever the users are.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from .ephemeral.base import LOGIN_TOPIC, Ephemeral
from .errors import ServiceUnavailable

__all__ = ["EndedLogins"]

logger = logging.getLogger("nextens_guard")

# While the shared state cannot be read, a process tries again at most this often
# rather than at every request; it decides meanwhile from what it already holds.
_RETRY_SECONDS = 1.0
# Expired ids are dropped when this many were added since the last sweep.
_SWEEP_EVERY = 1_024


class EndedLogins:
    """Login ids that ended within ``seconds``, kept current over the invalidation channel.

    A process trusts the list only once it caught up since it last subscribed
    (:attr:`current`): a message may have been lost while it was not listening, so
    until then the guard asks :meth:`catch_up` before it lets a verified session pass.
    """

    def __init__(self, ephemeral: Ephemeral, *, seconds: float, clock: Callable[[], float]) -> None:
        self._ephemeral = ephemeral
        self._seconds = seconds
        self._clock = clock
        # Login id -> when this process may forget it, on its own clock.
        self.ids: dict[str, float] = {}
        self.current = False
        self._subscriptions = 0
        self._added = 0
        self._next_try = 0.0
        self._catching_up: asyncio.Lock | None = None

    def __contains__(self, login_id: object) -> bool:
        return login_id in self.ids

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, login_id: str) -> None:
        now = self._clock()
        self.ids[login_id] = now + self._seconds
        self._added += 1
        if self._added >= _SWEEP_EVERY:
            # In place: the verified marker holds this very dict.
            self._added = 0
            for key in [key for key, until in self.ids.items() if until <= now]:
                del self.ids[key]

    async def end(self, login_id: str) -> None:
        """End ``login_id`` here at once, and in the shared state for every process."""
        self.add(login_id)
        await self._ephemeral.end_login(login_id, seconds=int(self._seconds))

    # What the invalidation channel delivers (an InvalidationSink).

    def invalidate(self, topic: str) -> None:
        if topic.startswith(LOGIN_TOPIC):
            self.add(topic.removeprefix(LOGIN_TOPIC))

    def invalidate_all(self) -> None:
        # Subscribed anew, or the subscription was lost: messages may be missing.
        self._subscriptions += 1
        self.current = False

    async def catch_up(self) -> None:
        """Load every ended login from the shared state, when not :attr:`current`.

        When the shared state cannot be read the list stays as it is, and the next try
        waits a second: the guard keeps deciding from what it holds, as it keeps
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
                ended = await self._ephemeral.ended_logins()
            except ServiceUnavailable as exc:
                self._next_try = self._clock() + _RETRY_SECONDS
                logger.warning("ended logins unavailable: %s", exc)
                return
            for login_id in ended:
                self.add(login_id)
            # Whole only when it listened throughout: then nothing ended unheard.
            self.current = (
                listening and self._ephemeral.listening and subscriptions == self._subscriptions
            )
