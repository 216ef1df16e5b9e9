"""``python -m bench.reach``: how soon a change made on one app process shows on another.

Two real ``python -m example_app`` processes (A and B) run on one PostgreSQL database
and one Redis (``DATABASE_URL`` and ``REDIS_URL``, with the test suite's defaults; a
database of the run's own and Redis database 11, see ``bench.processes``). People at
browsers talk to them over HTTP. Per round an admin on A makes a change, and from the
moment A answers, a session on B is asked every 10 ms until B's answer shows the change:

- admin reset: ruben resets rosa on A; rosa's verified session on B goes to enrollment;
- activation: anna or uma switches the office group on through the wizard on A; bram's
  password-only session on B goes to enrollment;
- deactivation: the same admin switches it off on A; bram on B gets in with the password.

B has cached the user's state before each change (it answered the session a few times),
so what is measured is the invalidation reaching B, not a first read. The goal is every
round within 1 s; the table shows the slowest round, the median in the detail.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.processes import Person, Phone, app_pair, redis_database, scratch_database, time_until
from bench.table import Figure, render

__all__ = ["measure_reach"]

DEFAULT_ROUNDS = 6
QUICK_ROUNDS = 2
REACH_REDIS_DB = 11
GOAL_SECONDS = 1.0
# How long a round waits for B before it counts as never reached.
GIVE_UP_SECONDS = 10.0
POLL_SECONDS = 0.01
# Answers B gives the session before the change, so the state is in B's cache.
WARM_REQUESTS = 3
# Admins of the amsterdam/utrecht group take turns: each activation spends a code of
# the admin's, and three per admin are good at any moment (the step before, the
# current and the next one); more would wait for the clock.
GROUP_ADMINS = ("anna", "uma")


def _warm(person: Person, expected: str) -> None:
    for _ in range(WARM_REQUESTS):
        stop = person.first_stop()
        if stop != expected:
            raise AssertionError(f"{person.username} on B went to {stop}, not {expected}")


@dataclass
class Round:
    seconds: float
    # How many answers B gave until one showed the change; 1 means the first already did.
    asks: int


def _reach(person: Person, expected: str) -> Round:
    asks = 0

    def shows_it() -> bool:
        nonlocal asks
        asks += 1
        return person.first_stop() == expected

    delay = time_until(shows_it, timeout=GIVE_UP_SECONDS, interval=POLL_SECONDS)
    return Round(math.inf if delay is None else delay, asks)


def _resets(a: str, b: str, phone: Phone, rounds: int) -> list[Round]:
    delays = []
    with Person(a, "ruben", phone) as ruben:
        ruben.login()
        ruben.enroll()
        for _ in range(rounds):
            with Person(b, "rosa", phone) as rosa:
                rosa.login()
                rosa.enroll()
                _warm(rosa, "app")
                ruben.reset_user("rosa")
                delays.append(_reach(rosa, "/2fa/enroll"))
    return delays


def _office_changes(a: str, b: str, phone: Phone, rounds: int) -> tuple[list[Round], list[Round]]:
    activations: list[Round] = []
    deactivations: list[Round] = []
    admins = [Person(a, name, phone) for name in GROUP_ADMINS]
    try:
        with Person(b, "bram", phone) as bram:
            bram.login()
            for admin in admins:
                admin.login()
            for n in range(rounds):
                admin = admins[n % len(admins)]
                _warm(bram, "app")
                admin.activate_office()
                activations.append(_reach(bram, "/2fa/enroll"))
                _warm(bram, "/2fa/enroll")
                admin.deactivate_office()
                deactivations.append(_reach(bram, "app"))
    finally:
        for admin in admins:
            admin.close()
    return activations, deactivations


def _figure(what: str, rounds: list[Round]) -> Figure:
    delays = [r.seconds for r in rounds]
    missed = sum(1 for d in delays if not math.isfinite(d))
    at_once = sum(1 for r in rounds if r.asks == 1)
    detail = (
        f"slowest of {len(rounds)} rounds, median {statistics.median(delays) * 1000:.0f} ms: "
        f"from A's answer to B's first answer showing it, B asked every "
        f"{POLL_SECONDS * 1000:.0f} ms; B's first answer showed it in {at_once} rounds"
    )
    if missed:
        detail += f"; {missed} rounds not reached within {GIVE_UP_SECONDS:.0f} s"
    return Figure(what=what, value=max(delays), goal=GOAL_SECONDS, unit="s", detail=detail)


def _measure(rounds: int, postgres_url: str, redis_url: str) -> list[Figure]:
    run = uuid.uuid4().hex[:10]
    phone = Phone()
    with (
        tempfile.TemporaryDirectory(prefix="nextens-guard-reach-") as folder,
        redis_database(redis_url, REACH_REDIS_DB) as shared_redis,
        scratch_database(postgres_url, f"ngreach_{run}") as database,
        app_pair(Path(folder) / "apps", database, shared_redis, name=f"ngreach-{run}-") as pair,
    ):
        a, b = pair.base_urls
        resets = _resets(a, b, phone, rounds)
        activations, deactivations = _office_changes(a, b, phone, rounds)
    return [
        _figure("admin reset on one process reaches a session on another", resets),
        _figure("activation on one process reaches a session on another", activations),
        _figure("deactivation on one process reaches a session on another", deactivations),
    ]


async def measure_reach(rounds: int = DEFAULT_ROUNDS, *, quick: bool = False) -> list[Figure]:
    """Start two app processes, make ``rounds`` changes of each kind on one and time how
    soon the other shows them (``quick``: 2 rounds, a smoke test). Needs PostgreSQL and
    Redis (``DATABASE_URL``, ``REDIS_URL``).
    """
    if quick:
        rounds = min(rounds, QUICK_ROUNDS)
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    postgres_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    # The processes, the database set-up and the browsers all block; a worker thread
    # keeps them off the caller's event loop.
    return await asyncio.to_thread(_measure, rounds, postgres_url, redis_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.reach", description=__doc__)
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    arguments = parser.parse_args()
    print(render(asyncio.run(measure_reach(arguments.rounds))))
