"""Shared ephemeral state: failed attempts, lockouts, used codes, invalidation.

One interface, two implementations: :mod:`.redis` for any number of processes and
:mod:`.memory` for a single process. Every operation that decides whether an attempt
counts is atomic, so parallel requests cannot slip past a limit.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..attempts import Attempt

__all__ = [
    "ADDRESS_STRIKES",
    "ALL_TOPIC",
    "FLOOR_TOPIC",
    "LAST_STEP_TTL_SECONDS",
    "LOGIN_TOPIC",
    "Ephemeral",
    "InvalidationSink",
    "Limits",
    "Purpose",
    "Revoked",
    "floor_topic",
    "parse_floor",
    "revoked_from",
]

ALL_TOPIC = "*"
# ``login:<login id>``: that login ended (see Ephemeral.end_login).
LOGIN_TOPIC = "login:"
# ``floor:<generation>:<user id>``: the user's verified sessions of a lower generation
# count for nothing; ``?`` for an unknown generation (see Ephemeral.raise_floors).
FLOOR_TOPIC = "floor:"
_UNKNOWN = "?"


def floor_topic(user_id: str, generation: int | None) -> str:
    """The message (and the shared record) of one raised floor."""
    return f"{FLOOR_TOPIC}{_UNKNOWN if generation is None else generation}:{user_id}"


def parse_floor(topic: str) -> tuple[str, int | None] | None:
    """``(user id, generation)`` of a :func:`floor_topic`; None for anything else."""
    if not topic.startswith(FLOOR_TOPIC):
        return None
    generation, sep, user_id = topic.removeprefix(FLOOR_TOPIC).partition(":")
    if not sep:
        return None
    if generation == _UNKNOWN:
        return user_id, None
    return (user_id, int(generation)) if generation.isdigit() else None


@dataclass(frozen=True, slots=True)
class Revoked:
    """What was revoked within its time: the ended logins, and the raised floors in the
    order they were raised (``(user id, generation or None)``)."""

    logins: Sequence[str]
    floors: Sequence[tuple[str, int | None]]


def revoked_from(members: Iterable[str]) -> Revoked:
    """The shared record's members, read: a login id, or a :func:`floor_topic`."""
    logins: list[str] = []
    floors: list[tuple[str, int | None]] = []
    for member in members:
        floor = parse_floor(member)
        if floor is not None:
            floors.append(floor)
        elif not member.startswith(FLOOR_TOPIC):
            logins.append(member)
    return Revoked(logins=logins, floors=floors)


# An office shares one public address. The address limit therefore holds back only
# users who have failed this often themselves, so one person's failures (or a spray
# across users) slows the guessers down without locking out colleagues who type well.
ADDRESS_STRIKES = 3
# How long a user's last accepted TOTP step, and the steps burned for them, are
# remembered. A step can be matched only while it is within one step (30 s) of the
# verifier's clock, so after 90 s no code of that step or an older one can be accepted
# anyway; ten minutes leaves a wide margin for clocks that disagree.
LAST_STEP_TTL_SECONDS = 10 * 60


class Purpose(enum.StrEnum):
    """What a user typed; each has its own failure counters."""

    CODE = "code"
    RESET_CODE = "reset_code"
    PASSWORD = "password"  # noqa: S105 - a purpose name, not a password


@dataclass(frozen=True, slots=True)
class Limits:
    """How failures turn into lockouts (see GuardSettings for the defaults and why)."""

    max_failures: int
    lockout_seconds: int
    lockout_max_seconds: int
    address_max_failures: int
    address_window_seconds: int
    failure_memory_seconds: int

    def lockout_for(self, failures: int) -> int:
        """Seconds of lockout after ``failures`` consecutive failures (0: none yet).

        The wait doubles with every failure past the limit, up to the cap.
        """
        if failures < self.max_failures:
            return 0
        doublings = min(failures - self.max_failures, 30)
        return int(min(self.lockout_seconds * 2**doublings, self.lockout_max_seconds))


class InvalidationSink(Protocol):
    """What receives invalidation messages in each process."""

    def invalidate(self, topic: str) -> None:
        """A published topic (:data:`ALL_TOPIC` too) reached this process."""

    def invalidate_all(self) -> None:
        """This process (re)subscribed: messages published meanwhile may be lost."""


class Ephemeral(ABC):
    """Ephemeral state shared by every process of the app."""

    #: Whether every process that changes the guard's state (each app process, the
    #: operator CLI) writes and publishes here: only then does a process hear of every
    #: revocation, and trust a session's proof from them alone.
    shared: bool = True

    @abstractmethod
    async def retry_after(self, purpose: Purpose, user_id: str, address: str) -> int:
        """Seconds until this user may try again from this address; 0 when they may now.

        A cheap look before slow work (a password hash); :meth:`settle` decides.
        """

    @abstractmethod
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
        """Record one attempt, atomically, in one round trip.

        In this order: a locked-out user gets ``LOCKED`` and nothing is counted; so does a
        user with at least :data:`ADDRESS_STRIKES` consecutive failures of their own (for
        this purpose) whose address is over its limit. A ``correct`` attempt whose ``step``
        (the TOTP time step matched, or None for things that are not codes) is later than
        every step this user had accepted before gets ``ACCEPTED``: the step is remembered
        and the user's consecutive failures for this purpose are cleared. A correct attempt
        with a step already used (or older), or one that was burned, gets ``REPLAYED`` and
        counts as a failure. Anything else gets ``REJECTED`` and counts as a failure for the
        user (consecutive) and for the address (in a fixed window, per purpose; a success
        does not reset it). A failure that reaches a limit starts a lockout, and its result
        carries ``retry_after > 0``; a failure that does not carries ``remaining``, the
        wrong attempts in a row the user has left before a lockout, so the page can warn
        (``max_failures`` minus the user's consecutive failures). ``burn`` is a future step
        a wrong attempt matched (the clock-drift hint told the user so); it is remembered
        with the failure (an attempt refused as ``LOCKED`` remembers nothing), so that code
        is never accepted when its time comes.
        """

    @abstractmethod
    async def clear(self, user_id: str, purposes: Collection[Purpose]) -> None:
        """Forget this user's failures and lockouts for these purposes, and their used
        and burned steps (after an admin reset, whose new secret starts clean)."""

    @abstractmethod
    async def publish(self, topic: str) -> None:
        """Tell every process that cached state about ``topic`` is stale.

        ``topic`` is ``user:<id>`` for one user or :data:`ALL_TOPIC` for everything.
        """

    @abstractmethod
    async def end_login(self, login_id: str, *, seconds: int) -> None:
        """Record that the login ``login_id`` ended, for ``seconds`` from now, and tell
        every process (the topic ``login:<login id>``)."""

    @abstractmethod
    async def raise_floors(self, floors: Mapping[str, int | None], *, seconds: int) -> None:
        """Record, for ``seconds`` from now, that each user's verified sessions of a
        generation below theirs count for nothing (None: below an unknown one, so each
        must be checked against the store), and tell every process (one
        :func:`floor_topic` per user)."""

    @abstractmethod
    async def revoked(self) -> Revoked:
        """Every login ended and every floor raised within its ``seconds``: what a process
        that starts, or that may have missed a message, must know before it trusts a
        verified session."""

    @abstractmethod
    async def load_session(self, key: str) -> bytes | None:
        """The guard's own session kept under ``key`` (see :mod:`..own_sessions`), or None."""

    @abstractmethod
    async def save_session(self, key: str, value: bytes, *, seconds: int) -> None:
        """Keep ``value`` under ``key`` for ``seconds`` from now, replacing what was there."""

    @abstractmethod
    async def start(self, sink: InvalidationSink) -> None:
        """Begin delivering published topics to ``sink`` in this process."""

    @property
    @abstractmethod
    def listening(self) -> bool:
        """Whether published topics reach this process now; a cache may be trusted only then."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise :class:`~nextens_guard.errors.ServiceUnavailable` when the state is unreachable."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections and stop listening."""
