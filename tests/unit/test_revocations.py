"""What each process holds of the revocations: ended logins and raised floors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from example_app.backend import DemoBackend
from nextens_guard.ephemeral.base import Ephemeral
from nextens_guard.ephemeral.memory import MemoryEphemeral
from nextens_guard.errors import ServiceUnavailable
from nextens_guard.guard import Guard
from nextens_guard.revocations import Revocations
from nextens_guard.settings import GuardSettings
from tests.ephemeral.harness import LIMITS

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def held(ephemeral: Ephemeral, clock: Clock, seconds: float = 3600) -> Revocations:
    return Revocations(ephemeral, seconds=seconds, clock=clock)


async def test_a_floor_only_ever_rises() -> None:
    revocations = held(MemoryEphemeral(LIMITS), Clock())

    revocations.raise_floor("rosa", 5)
    revocations.raise_floor("rosa", 3)

    assert revocations.floors == {"rosa": 5}


async def test_an_unknown_floor_stays_unknown_for_its_time() -> None:
    clock = Clock()
    revocations = held(MemoryEphemeral(LIMITS), clock, seconds=10)

    revocations.raise_floor("rosa", None)
    revocations.raise_floor("rosa", 7)
    assert revocations.floors == {"rosa": None}

    clock.now += 10 + 60 + 1  # its time and the clock margin
    revocations._sweep(clock.now)
    assert revocations.floors == {}


async def test_a_process_that_starts_catches_up_on_what_was_revoked_before() -> None:
    shared = MemoryEphemeral(LIMITS)
    clock = Clock()
    one = held(shared, clock)
    await shared.start(one)
    await one.raise_floors({"rosa": 4})
    await one.end_login("login-of-anna")

    later = held(shared, clock)
    await shared.start(later)
    assert not later.current
    await later.catch_up()

    assert later.current
    assert later.floors == {"rosa": 4}
    assert "login-of-anna" in later


async def test_a_process_that_listens_hears_a_raised_floor_at_once() -> None:
    shared = MemoryEphemeral(LIMITS)
    clock = Clock()
    one, other = held(shared, clock), held(shared, clock)
    await shared.start(one)
    await shared.start(other)

    await one.raise_floors({"rosa": 4, "ruben:x": 2})

    assert other.floors == {"rosa": 4, "ruben:x": 2}


class StoreDown:
    async def list_enrollments(self, user_ids: Any) -> Any:
        raise ServiceUnavailable("database list_enrollments failed")


async def test_a_revocation_the_store_cannot_read_leaves_the_users_floor_unknown(
    tmp_path: Path,
) -> None:
    settings = GuardSettings(
        secret_key="a signing secret for tests of the revocations alone",
        encryption_keys={"k1": b"k" * 32},
        database_url=f"sqlite:///{tmp_path / 'guard.sqlite3'}",
    )
    guard = Guard(backend=DemoBackend(), settings=settings, ephemeral=MemoryEphemeral(LIMITS))
    guard.store.list_enrollments = StoreDown().list_enrollments  # type: ignore[method-assign]
    try:
        await guard.revoke(["rosa", "ruben"])
    finally:
        # The revocation also clears the users' trusted browsers, which opens the store.
        await guard.store.close()

    assert guard.revocations.floors == {"rosa": None, "ruben": None}
