"""``python -m bench.fleet``: what a verified request costs a fleet behind a balancer
without affinity, and how fast a revocation reaches every process.

Each process of the fleet is a real :class:`~nextens_guard.Guard` with its own Redis
connection and subscription, all in this one Python process and sharing one PostgreSQL
store (``DATABASE_URL``) and one Redis (``REDIS_URL``). In-process rather than real
processes because 400 app processes do not fit on a bench machine, and because what is
measured is counted (calls into the store, Redis and the host backend per request), not
timed; the revocation reach is timed, and one event loop serving every subscription
makes it a pessimistic figure (real processes read their sockets in parallel).

A population of users in offices linked in pairs (the even offices have two-step
verification on, so half the users must verify) make requests at random, each to a
random process: every user about once per 10 s of simulated time, the guard's clock.
During the run users log out and in again, admins reset users, users log out
everywhere, and one office group is activated and another deactivated. After every
revocation the run waits until every process knows it, times that, and checks that the
user's next request is refused wherever it lands.

Each fleet size runs twice on the same request sequence: with the guard as it is (the
session's proof, checked against the revocations each process holds) and with the
proof ignored, which leaves the per-process state cache (``cache_ttl_seconds``) of the
design before it, for comparison. The memory a process holds for 1,000,000 users and
100,000 offices is measured by building those structures at that size.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import random
import secrets
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.hot_path import enroll
from bench.scale import ScaleBackend, office_id, office_of, seed, user_id
from bench.services import Services
from bench.table import Figure, render
from nextens_guard import login
from nextens_guard.decision import ENROLL, PASS, VERIFY, Decision
from nextens_guard.ephemeral.memory import MemoryEphemeral
from nextens_guard.guard import Guard, limits_from
from nextens_guard.revocations import Revocations
from nextens_guard.settings import GuardSettings
from nextens_guard.state import DEFAULT_CACHE_ENTRIES, StateCache, UserState
from nextens_guard.store.sql import SQLStore

__all__ = ["Calls", "measure_fleet", "run_fleet"]

PROCESS_COUNTS = (1, 8, 64, 400)
QUICK_PROCESS_COUNTS = (1, 8, 64)
USERS = 4_000
OFFICES = 400
REQUESTS = 20_000
# Every user about once per this many simulated seconds.
SECONDS_BETWEEN_REQUESTS = 10.0
# What happens during one run, spread evenly over it.
EVENTS = {"logout": 40, "reset": 8, "logout_everywhere": 8, "activation": 1, "deactivation": 1}
GOAL_CALLS = 0.01
GOAL_REACH_SECONDS = 1.0
ACTOR = "bench:fleet"
# The memory projection: 1,000,000 users; in the 12 hours a proof lives, each logs out
# at most once (the worst case; most sessions simply expire), and 1% have a reset, a
# recovery, a new phone or "log out everywhere".
PROJECTED_USERS = 1_000_000
PROJECTED_OFFICES = 100_000
PROJECTED_FLOORS = PROJECTED_USERS // 100
GOAL_MEMORY_MB = 256.0


@dataclass
class Calls:
    """Calls into the store, Redis and the host backend (its reads of the request aside)."""

    count: int = 0
    by_name: dict[str, int] = field(default_factory=dict)

    def watch(self, part: object, label: str) -> None:
        for name, method in inspect.getmembers(part, inspect.iscoroutinefunction):
            if not name.startswith("_") and name not in {"authenticated_user_id", "credential"}:
                setattr(part, name, self._counted(f"{label}.{name}", method))

    def _counted(self, name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            self.by_name[name] = self.by_name.get(name, 0) + 1
            return await method(*args, **kwargs)

        return call


class SimClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Person:
    """One user at one browser: their session, and what the guard must answer them."""

    id: str
    session: dict[str, Any]
    expect: Decision
    # Whether the session holds a live proof: their requests are verified requests.
    verified: bool = False


@dataclass
class Run:
    processes: int
    proof: bool
    verified_requests: int = 0
    verified_calls: int = 0
    other_requests: int = 0
    other_calls: int = 0
    reach: list[float] = field(default_factory=list)
    held: int = 0

    @property
    def per_verified(self) -> float:
        return self.verified_calls / max(self.verified_requests, 1)

    @property
    def per_other(self) -> float:
        return self.other_calls / max(self.other_requests, 1)


def _number(uid: str) -> int:
    return int(uid.removeprefix("user"))


def _pair_of(uid: str) -> int:
    return office_of(_number(uid), OFFICES) // 2


class Fleet:
    """``processes`` guards sharing one store and one Redis, and the people using them."""

    def __init__(self, services: Services, store: SQLStore, processes: int, *, proof: bool) -> None:
        assert services.redis_url is not None, "a fleet shares Redis"
        self.services = services
        self.store = store
        self.clock = SimClock()
        self.backend = ScaleBackend(users=USERS, offices=OFFICES)
        self.calls = Calls()
        self.proof = proof
        self.rng = random.Random(f"fleet-{processes}")
        self.key_prefix = f"ngfleet:{services.run_id}:{processes}:{int(proof)}"
        self.guards = [self._guard() for _ in range(processes)]
        self.people = [Person(user_id(n), {}, PASS) for n in range(USERS)]
        self.active_pairs = {pair for pair in range(OFFICES // 2) if pair % 2 == 0}

    def _guard(self) -> Guard:
        settings = GuardSettings(
            secret_key=secrets.token_urlsafe(32),
            encryption_keys={"k1": b"k" * 32},
            database_url=self.services.database_url,
            redis_url=self.services.redis_url,
            key_prefix=self.key_prefix,
            clock=self.clock,
        )
        guard = Guard(backend=self.backend, settings=settings, store=self.store)
        if not self.proof:
            # The design before: each process's cache of the user's state decides.
            guard.proof_holds = lambda session, user_id: False
        # The cache's TTL in simulated time, as the proofs' age is.
        guard.cache._clock = self.clock
        return guard

    async def start(self) -> None:
        for guard in self.guards:
            await guard.startup()
            self.calls.watch(guard.ephemeral, "redis")
        self.calls.watch(self.store, "store")
        self.calls.watch(self.backend, "host")
        for person in self.people:
            await self.sign_in(person)

    async def close(self) -> None:
        for guard in self.guards:
            await guard.ephemeral.close()

    def any_guard(self) -> Guard:
        return self.rng.choice(self.guards)

    async def sign_in(self, person: Person) -> None:
        """A password login and, where the office requires it, the code."""
        guard = self.any_guard()
        generation = await guard.generation_of(person.id)
        login.begin(person.session, person.id, generation)
        person.verified = _pair_of(person.id) in self.active_pairs
        person.expect = PASS
        if person.verified:
            guard.mark_verified(person.session, person.id, generation)

    async def request(self, person: Person, run: Run, *, counted: bool = True) -> None:
        guard = self.any_guard()
        before = self.calls.count
        decision = guard.decide_cached(person.id, person.session)
        if decision is None:
            decision = await guard.decide(person.id, person.session)
        if decision is not person.expect:
            raise AssertionError(f"{person.id} got {decision}, expected {person.expect}")
        if not counted:
            return
        spent = self.calls.count - before
        if person.verified:
            run.verified_requests += 1
            run.verified_calls += spent
        else:
            run.other_requests += 1
            run.other_calls += spent

    async def reached(self, done: Callable[[Guard], bool], started: float, run: Run) -> None:
        """Wait until every process knows the revocation; record how long it took."""
        while not all(done(guard) for guard in self.guards):
            if time.perf_counter() - started > 10:
                raise AssertionError("a revocation did not reach every process in 10 s")
            await asyncio.sleep(0.001)
        run.reach.append(time.perf_counter() - started)

    async def event(self, kind: str, run: Run) -> None:
        verified = [person for person in self.people if person.verified]
        if kind == "logout":
            person = self.rng.choice(verified)
            copy = Person(person.id, dict(person.session), VERIFY)
            login_id = login.recorded(person.session)
            started = time.perf_counter()
            await self.any_guard().end_login(person.session)
            await self.reached(lambda g: login_id in g.revocations, started, run)
            await self.request(copy, run, counted=False)
            await self.sign_in(person)
        elif kind in ("reset", "logout_everywhere"):
            person = self.rng.choice(verified)
            user = await self.backend.get_user(person.id)
            assert user is not None
            started = time.perf_counter()
            if kind == "reset":
                await self.any_guard().office.reset_user_by(ACTOR, user, None)
            else:
                await self.any_guard().office.log_out_everywhere(ACTOR, user, None)
            record = await self.store.get_enrollment(person.id)
            assert record is not None
            floor = record.generation
            await self.reached(lambda g: g.revocations.floors.get(person.id) == floor, started, run)
            person.expect = ENROLL if kind == "reset" else VERIFY
            await self.request(person, run, counted=False)
            if kind == "reset":
                await enroll(self.any_guard(), person.id)
            await self.sign_in(person)
        elif kind == "activation":
            pair = self.rng.choice(sorted(set(range(OFFICES // 2)) - self.active_pairs))
            await self.any_guard().office.activate_group(
                office_id(2 * pair), actor_id=ACTOR, address=None
            )
            self.active_pairs.add(pair)
            for person in self._people_of(pair):
                person.verified, person.expect = False, VERIFY
                await self.request(person, run, counted=False)
                await self.sign_in(person)
        elif kind == "deactivation":
            pair = self.rng.choice(sorted(self.active_pairs))
            members = self._people_of(pair)
            started = time.perf_counter()
            await self.any_guard().office.deactivate_group(
                office_id(2 * pair), actor_id=ACTOR, address=None
            )
            self.active_pairs.discard(pair)
            await self.reached(
                lambda g: all(g.revocations.floors.get(p.id) for p in members), started, run
            )
            for person in members:
                # Their proofs stay in their sessions, below the floor: the policy decides.
                person.verified = False

    def _people_of(self, pair: int) -> list[Person]:
        return [person for person in self.people if _pair_of(person.id) == pair]


async def _seed(store: SQLStore, table_prefix: str) -> None:
    """Every user enrolled at generation 1; the offices of every other pair active."""
    await seed(store, table_prefix, users=USERS, offices=OFFICES)
    now = datetime.now(UTC)
    on = [office_id(n) for n in range(OFFICES) if (n // 2) % 2 == 0]
    off = [office_id(n) for n in range(OFFICES) if (n // 2) % 2 == 1]
    await store.set_offices_active(on, active=True, actor_id=None, now=now)
    await store.set_offices_active(off, active=False, actor_id=None, now=now)


def _schedule(requests: int) -> dict[int, str]:
    """Which request each event comes before, spread evenly over the run."""
    kinds = [kind for kind, count in EVENTS.items() for _ in range(count)]
    random.Random("fleet-events").shuffle(kinds)
    step = requests // (len(kinds) + 1)
    return {step * (n + 1): kind for n, kind in enumerate(kinds)}


async def run_fleet(services: Services, processes: int, *, proof: bool, requests: int) -> Run:
    table_prefix = f"ngfleet_{services.run_id}_{processes}_{int(proof)}_"
    store = SQLStore.from_url(services.database_url, table_prefix=table_prefix)
    fleet = Fleet(services, store, processes, proof=proof)
    run = Run(processes, proof)
    try:
        await _seed(store, table_prefix)
        await fleet.start()
        schedule = _schedule(requests)
        tick = SECONDS_BETWEEN_REQUESTS / USERS
        for person in fleet.people:  # warm: every user once
            await fleet.request(person, run, counted=False)
        for n in range(requests):
            if n in schedule:
                await fleet.event(schedule[n], run)
            fleet.clock.now += tick
            await fleet.request(fleet.rng.choice(fleet.people), run)
        run.held = max(len(guard.revocations) for guard in fleet.guards)
    finally:
        await fleet.close()
        await services.forget_keys(fleet.key_prefix)
        try:
            await store.drop()
        finally:
            await store.close()
    return run


def _megabytes(build: Callable[[], object]) -> float:
    """What ``build``'s result holds, in MB, as tracemalloc counts it."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = build()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del kept
    return held / 1e6


def _revocations_at(ended: int, floors: int) -> Revocations:
    revocations = Revocations(
        MemoryEphemeral(limits_from(_UNUSED)), seconds=43_200, clock=time.time
    )
    for _ in range(ended):
        revocations.end(secrets.token_urlsafe(16))
    for n in range(floors):
        revocations.raise_floor(f"user-{uuid.UUID(int=n)}", 3)
    return revocations


async def _listening_cache(entries: int) -> StateCache:
    ephemeral = MemoryEphemeral(limits_from(_UNUSED))
    cache = StateCache(ephemeral, ttl=30, max_entries=entries)
    await ephemeral.start(cache)  # a cache keeps entries only while it listens
    return cache


def _cache_filled(cache: StateCache, entries: int) -> StateCache:
    for n in range(entries):
        cache.put(f"user-{uuid.UUID(int=n)}", UserState(required=True, generation=n % 7), epoch=0)
    return cache


_UNUSED = GuardSettings(
    secret_key=secrets.token_urlsafe(32),
    encryption_keys={"k1": b"k" * 32},
)


async def memory_figures() -> list[Figure]:
    worst = _megabytes(lambda: _revocations_at(PROJECTED_USERS, PROJECTED_FLOORS))
    typical = _megabytes(lambda: _revocations_at(PROJECTED_USERS // 10, PROJECTED_FLOORS))
    empty = await _listening_cache(DEFAULT_CACHE_ENTRIES)
    cache = _megabytes(lambda: _cache_filled(empty, DEFAULT_CACHE_ENTRIES))
    return [
        Figure(
            what=f"memory per process, {PROJECTED_USERS:,} users, {PROJECTED_OFFICES:,} offices",
            value=worst + cache,
            goal=GOAL_MEMORY_MB,
            unit="MB",
            detail=(
                f"revocations {worst:.0f} MB when every user logs out within the 12 h a "
                f"proof lives ({typical:.0f} MB when one in ten does) and "
                f"{PROJECTED_FLOORS:,} raised floors; the state cache at its bound of "
                f"{DEFAULT_CACHE_ENTRIES:,} users {cache:.0f} MB (only users without a "
                "proof use it); nothing per office or per process in the fleet"
            ),
        )
    ]


async def measure_fleet(services: Services | None = None, *, quick: bool = False) -> list[Figure]:
    services = services or Services.shared()
    counts = QUICK_PROCESS_COUNTS if quick else PROCESS_COUNTS
    requests = REQUESTS // 10 if quick else REQUESTS
    figures: list[Figure] = []
    reach: list[float] = []
    for processes in counts:
        before = await run_fleet(services, processes, proof=False, requests=requests)
        now = await run_fleet(services, processes, proof=True, requests=requests)
        reach.extend(now.reach)
        figures.append(
            Figure(
                what=f"fleet of {processes}: store + Redis + host calls per verified request",
                value=now.per_verified,
                goal=GOAL_CALLS,
                unit="calls",
                detail=(
                    f"{now.verified_calls} calls in {now.verified_requests:,} verified "
                    f"requests of {USERS:,} users at random processes; with the per-process "
                    f"state cache alone {before.per_verified:.2f}; requests without a proof "
                    f"(office not required, just revoked) {now.per_other:.2f}; each "
                    f"process held {now.held} revocations"
                ),
            )
        )
    figures.append(
        Figure(
            what=f"fleet of up to {counts[-1]}: a revocation reaching every process",
            value=max(reach),
            goal=GOAL_REACH_SECONDS,
            unit="s",
            detail=(
                f"slowest of {len(reach)} (logouts, resets, log out everywhere, a "
                f"deactivation), median {statistics.median(reach) * 1000:.1f} ms; every "
                "process in one event loop, so a pessimistic figure"
            ),
        )
    )
    figures.extend(await memory_figures())
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="8,000 requests, up to 64")
    arguments = parser.parse_args(argv)
    print(render(asyncio.run(measure_fleet(quick=arguments.quick))))


if __name__ == "__main__":
    main()
