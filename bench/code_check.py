"""Checking a typed code against Redis: round trips (counted) and p99 latency.

The check is the one every code prompt makes (``CodeChecker.attempt``): the RFC 6238
arithmetic, then rate limit, lockout, replay and counters settled in Redis. The guard
is built as an app would build it, with ``RedisEphemeral.from_url`` on loopback.

Round trips are counted at the Redis driver: every command or pipeline a connection
sends is one round trip. One check on a warm connection must send exactly one.

Latency: 32 asyncio clients check codes at once, each code for a user of its own (a
user whose code was accepted once cannot use it again, so reusing users would measure
the replay path). The phone's part, making the code, is not timed.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyotp

from example_app.secrets_file import DevSecrets
from nextens_guard import otp
from nextens_guard.backend import GuardUser
from nextens_guard.ephemeral.redis import RedisEphemeral
from nextens_guard.guard import Guard
from nextens_guard.services.verification import CodeChecker
from nextens_guard.settings import GuardSettings

from .hot_path import DriverCalls
from .services import Services
from .table import Figure

__all__ = ["CLIENTS", "measure_code_check"]

CLIENTS = 32


class _NoHost:
    """The code check never asks the host; a backend that says so if it ever did."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the code check asked the host backend for {name}")


@dataclass(frozen=True)
class _Typing:
    """One user at their phone: who they are, their secret and the code it shows now."""

    user: GuardUser
    secret: str
    code: str


def _people(prefix: str, client: int, count: int) -> list[_Typing]:
    # Made before the clock starts: the phone's part is not the server's time. A code
    # stays acceptable for a step either side of its own, so 30 s at least.
    people = []
    for index in range(count):
        secret = otp.new_secret()
        user = GuardUser(id=f"{prefix}-{client}-{index}", username=f"u{index}", office_id="b")
        people.append(_Typing(user, secret, pyotp.TOTP(secret).now()))
    return people


async def _check(checker: CodeChecker, person: _Typing, address: str) -> float:
    started = time.perf_counter()
    attempt = await checker.attempt(person.user, person.secret, person.code, address)
    elapsed = time.perf_counter() - started
    assert attempt.accepted, attempt
    return elapsed


async def _clients(checker: CodeChecker, prefix: str, checks: int) -> tuple[list[float], float]:
    """Every client's check times, and the wall time of the whole run."""
    crowd = [_people(prefix, number, checks) for number in range(CLIENTS)]
    start = asyncio.Event()

    async def client(number: int) -> list[float]:
        address = f"10.0.0.{number}"
        await start.wait()
        return [await _check(checker, person, address) for person in crowd[number]]

    tasks = [asyncio.create_task(client(number)) for number in range(CLIENTS)]
    await asyncio.sleep(0)
    started = time.perf_counter()
    start.set()
    latencies = [latency for times in await asyncio.gather(*tasks) for latency in times]
    return latencies, time.perf_counter() - started


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def measure_code_check(services: Services, *, quick: bool) -> list[Figure]:
    if services.redis_url is None:
        print("  code: needs Redis; skipped with --embedded", file=sys.stderr)
        return []
    checks = 40 if quick else 300
    prefix = services.key_prefix("code")
    secrets = DevSecrets.generate()
    folder = Path(tempfile.mkdtemp(prefix="nextens-guard-bench-code-"))
    settings = GuardSettings(
        secret_key=secrets.guard_secret,
        encryption_keys={secrets.key_id: secrets.encryption_key},
        # Accepted codes write nothing durable; the store is there because a Guard has one.
        database_url=f"sqlite:///{folder / 'code.sqlite3'}",
        redis_url=services.redis_url,
        key_prefix=prefix,
    )
    guard = Guard(backend=_NoHost(), settings=settings)  # type: ignore[arg-type]
    assert isinstance(guard.ephemeral, RedisEphemeral)
    checker = CodeChecker(guard.ephemeral, guard.audit, settings)
    calls = DriverCalls()
    try:
        with calls.watch_redis():
            # Warm: a connection in the pool, the script known to the server.
            warm, counted = _people(prefix, -1, 2)
            await _check(checker, warm, "10.0.1.1")
            with calls.counting():
                await _check(checker, counted, "10.0.1.1")
            one_check = calls.redis_commands
            # Every client at once, unmeasured: the pool opens its connections now, as a
            # running app's has long since done.
            await _clients(checker, f"{prefix}-warm", 2)
            calls.reset()
            with calls.counting():
                cpu = time.thread_time()
                latencies, wall = await _clients(checker, prefix, checks)
                cpu = time.thread_time() - cpu
            under_load = calls.redis_commands
    finally:
        await guard.shutdown()
        await services.forget_keys(prefix)
    total = len(latencies)
    p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
    return [
        Figure(
            what="Redis round trips to check a code (rate limit, replay, counters)",
            value=one_check,
            goal=1,
            unit="round trips",
            detail=(
                f"counted at the Redis driver for one check on a warm connection; "
                f"{under_load} for the {total} checks below"
            ),
        ),
        Figure(
            what=f"code check p99 latency, Redis on loopback, {CLIENTS} concurrent clients",
            value=p99 * 1e3,
            goal=5,
            unit="ms",
            detail=(
                f"{total} accepted codes of distinct users, {CLIENTS} asyncio clients in one "
                f"process: p50 {p50 * 1e3:.2f} ms, mean {statistics.fmean(latencies) * 1e3:.2f}"
                f" ms, {total / wall:,.0f} checks/s, {cpu / total * 1e6:.0f} us CPU per check "
                f"(the clients' included)"
            ),
        ),
    ]
