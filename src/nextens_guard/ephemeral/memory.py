"""Ephemeral state for a single process, kept in dictionaries.

Every operation runs without an ``await`` between reading and writing, so on one event
loop each is atomic by construction. Expired entries are swept out as writes come in,
so a flood of made-up user ids or addresses cannot grow the process without bound.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from ..attempts import Attempt, Verdict
from .base import (
    ADDRESS_STRIKES,
    LAST_STEP_TTL_SECONDS,
    LOGIN_TOPIC,
    Ephemeral,
    InvalidationSink,
    Limits,
    Purpose,
    Revoked,
    floor_topic,
    revoked_from,
)

__all__ = ["MemoryEphemeral"]

logger = logging.getLogger(__name__)

# A full sweep costs one pass over every entry; running it only after as many writes as
# there are entries keeps the cost per write constant while never letting expired
# entries outnumber live ones by more than this floor.
_SWEEP_MIN_WRITES = 1024
# A sweep also runs when this much clock time has passed, so memory shrinks after a
# flood even when few writes follow it.
_SWEEP_EVERY_SECONDS = 60.0


@dataclass(slots=True)
class _UserFailures:
    count: int
    locked_until: float
    forget_at: float


@dataclass(slots=True)
class _AddressWindow:
    count: int
    ends_at: float


@dataclass(slots=True)
class _LastStep:
    step: int
    forget_at: float


@dataclass(slots=True)
class _BurnedSteps:
    # One expiry for the whole set, renewed by every burn, as the Redis set's is. It
    # grows by one per counted failure at most, which the lockouts keep few.
    forget_at: float
    steps: set[int] = field(default_factory=set)


def _whole_seconds(seconds: float) -> int:
    # Rounded up, so a client that waits exactly this long is never a moment early.
    return max(1, math.ceil(seconds))


class MemoryEphemeral(Ephemeral):
    """Failures, lockouts, used and burned steps and invalidation for one process.

    ``clock`` returns seconds; it only needs to move forward (tests pass a fake one).
    """

    # The operator CLI, another process, cannot reach this memory: what it revokes the
    # app learns from the store, within cache_ttl_seconds.
    shared = False

    def __init__(self, limits: Limits, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._failures: dict[tuple[Purpose, str], _UserFailures] = {}
        self._addresses: dict[tuple[Purpose, str], _AddressWindow] = {}
        self._steps: dict[str, _LastStep] = {}
        self._burned: dict[str, _BurnedSteps] = {}
        self._sinks: list[InvalidationSink] = []
        # What was revoked (a login id or a floor_topic) -> when it may be forgotten.
        self._ended: dict[str, float] = {}
        self._sessions: dict[str, tuple[float, bytes]] = {}
        self._writes_since_sweep = 0
        self._last_sweep = clock()

    def __len__(self) -> int:
        """Entries held now, expired ones included until the next sweep.

        A user's burned steps are one entry: they come and go together.
        """
        return (
            len(self._failures)
            + len(self._addresses)
            + len(self._steps)
            + len(self._burned)
            + len(self._ended)
            + len(self._sessions)
        )

    async def retry_after(self, purpose: Purpose, user_id: str, address: str) -> int:
        wait = self._wait(purpose, user_id, address, self._clock())
        return _whole_seconds(wait) if wait > 0 else 0

    async def settle(
        self,
        purpose: Purpose,
        user_id: str,
        address: str,
        *,
        correct: bool,
        step: int | None = None,
        burn: int | None = None,
    ) -> Attempt:
        now = self._clock()
        wait = self._wait(purpose, user_id, address, now)
        if wait > 0:
            return Attempt(Verdict.LOCKED, retry_after=_whole_seconds(wait))

        verdict = Verdict.REJECTED
        if correct:
            if step is None or self._fresh_step(user_id, step, now):
                if step is not None:
                    self._steps[user_id] = _LastStep(step, now + LAST_STEP_TTL_SECONDS)
                self._failures.pop((purpose, user_id), None)
                self._wrote(now)
                return Attempt(Verdict.ACCEPTED)
            verdict = Verdict.REPLAYED

        limits = self._limits
        failures = self._user_failures(purpose, user_id, now)
        if failures is None:
            failures = _UserFailures(0, 0.0, 0.0)
            self._failures[(purpose, user_id)] = failures
        failures.count += 1
        lock = limits.lockout_for(failures.count)
        if lock > 0:
            failures.locked_until = now + lock
        failures.forget_at = now + max(limits.failure_memory_seconds, lock)

        if burn is not None and not correct:
            self._burn(user_id, burn, now)

        window = self._address_window(purpose, address, now)
        if window is None:
            window = _AddressWindow(0, now + limits.address_window_seconds)
            self._addresses[(purpose, address)] = window
        window.count += 1
        wait = float(lock)
        if window.count >= limits.address_max_failures and failures.count >= ADDRESS_STRIKES:
            wait = max(wait, window.ends_at - now)

        self._wrote(now)
        if wait > 0:
            return Attempt(
                verdict, retry_after=_whole_seconds(wait), remaining=0, failures=failures.count
            )
        return Attempt(
            verdict,
            remaining=max(limits.max_failures - failures.count, 0),
            failures=failures.count,
        )

    async def clear(self, user_id: str, purposes: Collection[Purpose]) -> None:
        for purpose in purposes:
            self._failures.pop((purpose, user_id), None)
        self._steps.pop(user_id, None)
        self._burned.pop(user_id, None)

    async def publish(self, topic: str) -> None:
        for sink in list(self._sinks):
            _deliver(sink, topic)

    async def end_login(self, login_id: str, *, seconds: int) -> None:
        await self._revoke([login_id], [LOGIN_TOPIC + login_id], seconds)

    async def raise_floors(self, floors: Mapping[str, int | None], *, seconds: int) -> None:
        topics = [floor_topic(user_id, generation) for user_id, generation in floors.items()]
        await self._revoke(topics, topics, seconds)

    async def _revoke(self, members: list[str], topics: list[str], seconds: int) -> None:
        now = self._clock()
        for member in members:
            # Re-inserted, so the dict keeps the order they were raised in.
            self._ended.pop(member, None)
            self._ended[member] = now + seconds
        self._wrote(now)
        for topic in topics:
            await self.publish(topic)

    async def revoked(self) -> Revoked:
        now = self._clock()
        return revoked_from(member for member, until in self._ended.items() if until > now)

    async def load_session(self, key: str) -> bytes | None:
        kept = self._sessions.get(key)
        if kept is None or kept[0] <= self._clock():
            return None
        return kept[1]

    async def save_session(self, key: str, value: bytes, *, seconds: int) -> None:
        now = self._clock()
        self._sessions[key] = (now + seconds, value)
        self._wrote(now)

    async def start(self, sink: InvalidationSink) -> None:
        self._sinks.append(sink)

    @property
    def listening(self) -> bool:
        return bool(self._sinks)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._sinks.clear()

    def _wait(self, purpose: Purpose, user_id: str, address: str, now: float) -> float:
        failures = self._user_failures(purpose, user_id, now)
        if failures is None:
            # No failures of their own: neither locked out nor held back by the address.
            return 0.0
        wait = max(failures.locked_until - now, 0.0)
        if failures.count >= ADDRESS_STRIKES:
            window = self._address_window(purpose, address, now)
            if window is not None and window.count >= self._limits.address_max_failures:
                wait = max(wait, window.ends_at - now)
        return wait

    def _user_failures(self, purpose: Purpose, user_id: str, now: float) -> _UserFailures | None:
        failures = self._failures.get((purpose, user_id))
        if failures is not None and failures.forget_at <= now:
            del self._failures[(purpose, user_id)]
            return None
        return failures

    def _address_window(self, purpose: Purpose, address: str, now: float) -> _AddressWindow | None:
        window = self._addresses.get((purpose, address))
        if window is not None and window.ends_at <= now:
            del self._addresses[(purpose, address)]
            return None
        return window

    def _last_step(self, user_id: str, now: float) -> int | None:
        last = self._steps.get(user_id)
        if last is not None and last.forget_at <= now:
            del self._steps[user_id]
            return None
        return None if last is None else last.step

    def _burned_steps(self, user_id: str, now: float) -> set[int]:
        burned = self._burned.get(user_id)
        if burned is not None and burned.forget_at <= now:
            del self._burned[user_id]
            return set()
        return set() if burned is None else burned.steps

    def _burn(self, user_id: str, step: int, now: float) -> None:
        burned = self._burned.get(user_id)
        if burned is None or burned.forget_at <= now:
            burned = self._burned[user_id] = _BurnedSteps(now)
        burned.steps.add(step)
        burned.forget_at = now + LAST_STEP_TTL_SECONDS

    def _fresh_step(self, user_id: str, step: int, now: float) -> bool:
        """Whether ``step`` is later than every step accepted before and was not burned."""
        last = self._last_step(user_id, now)
        return (last is None or step > last) and step not in self._burned_steps(user_id, now)

    def _wrote(self, now: float) -> None:
        self._writes_since_sweep += 1
        if (
            self._writes_since_sweep >= max(_SWEEP_MIN_WRITES, len(self))
            or now - self._last_sweep >= _SWEEP_EVERY_SECONDS
        ):
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        self._failures = {k: v for k, v in self._failures.items() if v.forget_at > now}
        self._addresses = {k: v for k, v in self._addresses.items() if v.ends_at > now}
        self._steps = {k: v for k, v in self._steps.items() if v.forget_at > now}
        self._burned = {k: v for k, v in self._burned.items() if v.forget_at > now}
        self._ended = {k: v for k, v in self._ended.items() if v > now}
        self._sessions = {k: v for k, v in self._sessions.items() if v[0] > now}
        self._writes_since_sweep = 0
        self._last_sweep = now


def _deliver(sink: InvalidationSink, topic: str) -> None:
    # A failing cache must not make the publisher fail, nor stop other sinks hearing it.
    try:
        sink.invalidate(topic)
    except Exception:
        logger.exception("an invalidation sink failed")
