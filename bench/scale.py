"""``python -m bench.scale``: does a user's state cost more to look up in a big store?

A request whose user's state the process has not cached (the first after a start, a
change or ``cache_ttl_seconds``) asks ``PolicyService.state_of``: the host backend for
the user and their office group, then the store twice, for the group's active flags
(``active_offices``) and the user's enrollment generation (``get_generations``). Both
are primary-key lookups, so their cost should not grow with the number of rows.

This seeds one store with 100,000 confirmed enrollments and the policy rows of 10,000
offices (linked in pairs, half of them active) by bulk insert, another with 10 users,
and times ``state_of`` for random users of each, uncached, one lookup on each side in
turn so neither side gets a quieter machine. The host backend answers from arithmetic
on the ids, alike for both, so the difference is the store's. The goal: the big store's
median within 1.2x of the small one's, on SQLite and on PostgreSQL (``DATABASE_URL``,
with the test suite's default). Both are seeded under table prefixes of their own,
dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import MetaData, Table, text
from starlette.types import Scope

from bench.table import Figure, render
from nextens_guard.backend import GuardUser, Office
from nextens_guard.services.policy import PolicyService
from nextens_guard.store.sql import SQLStore

__all__ = ["ScaleBackend", "measure_scale", "seed"]

DEFAULT_USERS = 100_000
DEFAULT_OFFICES = 10_000
SMALL_USERS = 10
SMALL_OFFICES = 2
DEFAULT_LOOKUPS = 2000
WARM_LOOKUPS = 200
GOAL_RATIO = 1.2
INSERT_CHUNK = 5000
# As large as an AES-GCM envelope of a 32-character secret or a reset code.
CIPHERTEXT_BYTES = 64
DATABASES = ("sqlite", "postgresql")


def user_id(n: int) -> str:
    return f"user{n:06d}"


def office_id(n: int) -> str:
    return f"office{n:05d}"


def office_of(n: int, offices: int) -> int:
    return n % offices


class ScaleBackend:
    """A host with ``users`` users spread over ``offices`` offices, linked in pairs."""

    def __init__(self, *, users: int, offices: int) -> None:
        self._users = users
        self._offices = offices

    def _office(self, office: str) -> int | None:
        number = int(office.removeprefix("office")) if office.startswith("office") else -1
        return number if 0 <= number < self._offices else None

    async def authenticated_user_id(self, scope: Scope) -> str | None:
        return None

    async def get_user(self, user: str) -> GuardUser | None:
        number = int(user.removeprefix("user")) if user.startswith("user") else -1
        if not 0 <= number < self._users:
            return None
        return GuardUser(
            id=user, username=user, office_id=office_id(office_of(number, self._offices))
        )

    async def check_password(self, user_id: str, password: str) -> bool:
        return False

    async def get_office(self, office: str) -> Office | None:
        return None if self._office(office) is None else Office(id=office, name=office)

    async def linked_offices(self, office: str) -> Sequence[Office]:
        number = self._office(office)
        if number is None:
            return []
        pair = {number, number ^ 1} if number ^ 1 < self._offices else {number}
        return [Office(id=office_id(n), name=office_id(n)) for n in sorted(pair)]

    async def has_user_management_rights(self, user_id: str) -> bool:
        return False

    async def users_of_office(self, office: str) -> Sequence[GuardUser]:
        number = self._office(office)
        if number is None:
            return []
        return [
            GuardUser(id=user_id(n), username=user_id(n), office_id=office)
            for n in range(number, self._users, self._offices)
        ]


async def seed(store: SQLStore, table_prefix: str, *, users: int, offices: int) -> None:
    """Confirmed enrollments for ``users`` users and policy rows for ``offices`` offices
    (the even ones active), inserted in bulk with SQLAlchemy Core, then ANALYZEd.

    The tables are read from the database rather than built again here, so the rows go
    into exactly the tables ``store.setup()`` made.
    """
    await store.setup()
    names = [f"{table_prefix}enrollments", f"{table_prefix}office_policies"]
    metadata = MetaData()
    postgres = store.engine.dialect.name == "postgresql"
    now = datetime.now(UTC)
    # The store keeps SQLite's datetimes naive in UTC; PostgreSQL's are aware.
    stamp = now if postgres else now.replace(tzinfo=None)
    async with store.engine.begin() as conn:
        await conn.run_sync(lambda sync: metadata.reflect(sync, only=names))
        enrollments: Table = metadata.tables[names[0]]
        policies: Table = metadata.tables[names[1]]
        for start in range(0, users, INSERT_CHUNK):
            rows = [
                {
                    "user_id": user_id(n),
                    "generation": 1,
                    "secret": secrets.token_bytes(CIPHERTEXT_BYTES),
                    "reset_code": secrets.token_bytes(CIPHERTEXT_BYTES),
                    "confirmed_at": stamp,
                    "last_verified_at": stamp,
                    "updated_at": stamp,
                }
                for n in range(start, min(start + INSERT_CHUNK, users))
            ]
            await conn.execute(enrollments.insert(), rows)
        for start in range(0, offices, INSERT_CHUNK):
            rows = [
                {
                    "office_id": office_id(n),
                    "active": n % 2 == 0,
                    "changed_at": stamp,
                    "changed_by": None,
                }
                for n in range(start, min(start + INSERT_CHUNK, offices))
            ]
            await conn.execute(policies.insert(), rows)
    # What a database that has been running a while knows about its tables.
    async with store.engine.begin() as conn:
        for name in names:
            await conn.execute(text(f'ANALYZE "{name}"'))


@dataclass
class Side:
    users: int
    offices: int
    table_prefix: str
    store: SQLStore
    policy: PolicyService
    times: list[float]


async def _make_side(url: str, table_prefix: str, *, users: int, offices: int) -> Side:
    store = SQLStore.from_url(url, table_prefix=table_prefix)
    await seed(store, table_prefix, users=users, offices=offices)
    policy = PolicyService(ScaleBackend(users=users, offices=offices), store)
    return Side(users, offices, table_prefix, store, policy, [])


async def _lookups(side: Side, count: int, rng: random.Random, *, keep: bool) -> None:
    for _ in range(count):
        user = user_id(rng.randrange(side.users))
        started = time.perf_counter()
        state = await side.policy.state_of(user)
        elapsed = time.perf_counter() - started
        if state.generation != 1:
            raise AssertionError(f"{user} should be enrolled in generation 1, not {state}")
        if keep:
            side.times.append(elapsed)


async def _compare(database: str, url: str, *, users: int, offices: int, lookups: int) -> Figure:
    run = uuid.uuid4().hex[:8]
    sides: list[Side] = []
    try:
        for size, (n_users, n_offices) in {
            "small": (SMALL_USERS, SMALL_OFFICES),
            "big": (users, offices),
        }.items():
            sides.append(
                await _make_side(url, f"ngscale_{run}_{size}_", users=n_users, offices=n_offices)
            )
        small, big = sides
        rng = random.Random(run)
        for side in sides:
            await _lookups(side, WARM_LOOKUPS, rng, keep=False)
        # One lookup on each side in turn, the order swapping every time: a busy moment
        # of the machine falls on both sides alike.
        for n in range(lookups):
            for side in sides if n % 2 == 0 else sides[::-1]:
                await _lookups(side, 1, rng, keep=True)
    finally:
        for side in sides:
            try:
                await side.store.drop()
            finally:
                await side.store.close()
    small_median = statistics.median(small.times)
    big_median = statistics.median(big.times)
    return Figure(
        what=(
            f"uncached state lookup, {users:,} users in {offices:,} offices "
            f"vs {SMALL_USERS} users ({database})"
        ),
        value=big_median / small_median,
        goal=GOAL_RATIO,
        unit="x",
        detail=(
            f"median {big_median * 1e6:.0f} us vs {small_median * 1e6:.0f} us over "
            f"{len(big.times)} random users each: PolicyService.state_of, i.e. "
            "active_offices + get_generations on the store"
        ),
    )


async def measure_scale(
    users: int = DEFAULT_USERS,
    offices: int = DEFAULT_OFFICES,
    lookups: int = DEFAULT_LOOKUPS,
    databases: Sequence[str] = DATABASES,
    *,
    quick: bool = False,
) -> list[Figure]:
    """One figure per database in ``databases`` (``sqlite``, ``postgresql``): the median
    uncached lookup with ``users`` users in ``offices`` offices over the one with 10.

    ``quick``: a tenth of the users, offices and lookups, a smoke test.
    """
    if quick:
        users, offices, lookups = users // 10, offices // 10, lookups // 10
    if users < SMALL_USERS or offices < SMALL_OFFICES or lookups < 1:
        raise ValueError("users, offices and lookups must be at least 10, 2 and 1")
    unknown = set(databases) - set(DATABASES)
    if unknown:
        raise ValueError(f"unknown databases: {sorted(unknown)}")
    figures = []
    with tempfile.TemporaryDirectory(prefix="nextens-guard-scale-") as folder:
        for database in databases:
            if database == "sqlite":
                url = f"sqlite:///{Path(folder) / 'scale.sqlite3'}"
            else:
                url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
            figures.append(
                await _compare(database, url, users=users, offices=offices, lookups=lookups)
            )
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--users", type=int, default=DEFAULT_USERS)
    parser.add_argument("--offices", type=int, default=DEFAULT_OFFICES)
    parser.add_argument("--lookups", type=int, default=DEFAULT_LOOKUPS)
    parser.add_argument("--databases", nargs="+", choices=DATABASES, default=list(DATABASES))
    arguments = parser.parse_args()
    figures = asyncio.run(
        measure_scale(arguments.users, arguments.offices, arguments.lookups, arguments.databases)
    )
    print(render(figures))
