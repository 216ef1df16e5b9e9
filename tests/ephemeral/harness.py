"""What the ephemeral tests share: limits, a movable clock, sinks, and the backends."""

from __future__ import annotations

import contextlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import anyio
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from nextens_guard.ephemeral.base import Ephemeral, Limits
from nextens_guard.ephemeral.memory import MemoryEphemeral
from nextens_guard.ephemeral.redis import RedisEphemeral
from nextens_guard.ephemeral.redis_url import connect

# Small enough that Redis tests can wait a lockout out for real.
LIMITS = Limits(
    max_failures=10,
    lockout_seconds=1,
    lockout_max_seconds=2,
    address_max_failures=1_000,
    address_window_seconds=60,
    failure_memory_seconds=60,
)
# Lockouts are set in whole seconds and read on a millisecond clock: waiting this much
# longer than a lockout is always enough.
SLACK = 0.1


def limits(
    *,
    max_failures: int = LIMITS.max_failures,
    lockout_seconds: int = LIMITS.lockout_seconds,
    lockout_max_seconds: int = LIMITS.lockout_max_seconds,
    address_max_failures: int = LIMITS.address_max_failures,
    address_window_seconds: int = LIMITS.address_window_seconds,
    failure_memory_seconds: int = LIMITS.failure_memory_seconds,
) -> Limits:
    return replace(
        LIMITS,
        max_failures=max_failures,
        lockout_seconds=lockout_seconds,
        lockout_max_seconds=lockout_max_seconds,
        address_max_failures=address_max_failures,
        address_window_seconds=address_window_seconds,
        failure_memory_seconds=failure_memory_seconds,
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class RecordingSink:
    def __init__(self) -> None:
        self.topics: list[str] = []
        self.drops = 0

    def invalidate(self, topic: str) -> None:
        self.topics.append(topic)

    def invalidate_all(self) -> None:
        self.drops += 1


async def eventually(condition: Callable[[], bool], *, within: float = 3.0) -> None:
    with anyio.fail_after(within):
        while True:
            if condition():
                return
            await anyio.sleep(0.01)


@contextlib.asynccontextmanager
async def admin(url: str) -> AsyncIterator[Redis | RedisCluster]:
    """A client of the test's own for any URL the guard reads: one server, cluster, sentinel."""
    connected = connect(
        url, socket_timeout=5.0, max_connections=10, pool_wait=5.0, retry=Retry(NoBackoff(), 0)
    )
    try:
        yield connected.client
    finally:
        await connected.client.aclose()
        for helper in connected.helpers:
            await helper.aclose()


class Backend(ABC):
    """One implementation, set up for one test."""

    name: str

    @abstractmethod
    async def open(self, limits: Limits = LIMITS) -> Ephemeral:
        """Another process attached to this test's shared state."""

    @abstractmethod
    async def wait(self, seconds: float) -> None:
        """Let ``seconds`` pass for the state."""

    @abstractmethod
    async def aclose(self) -> None:
        """Close everything opened and remove what the test left behind."""


class MemoryBackend(Backend):
    """One process: every open() is the same instance, on a clock the test moves."""

    name = "memory"

    def __init__(self) -> None:
        self.clock = FakeClock()
        self._instance: MemoryEphemeral | None = None
        self._limits: Limits | None = None

    async def open(self, limits: Limits = LIMITS) -> Ephemeral:
        if self._instance is None:
            self._instance = MemoryEphemeral(limits, clock=self.clock)
            self._limits = limits
        elif limits != self._limits:
            raise ValueError("one process has one set of limits")
        return self._instance

    async def wait(self, seconds: float) -> None:
        self.clock.now += seconds

    async def aclose(self) -> None:
        if self._instance is not None:
            await self._instance.close()


class RedisBackend(Backend):
    """Every open() is a process of its own: its own client, the test's key prefix.

    ``url`` is any URL the guard reads: one server, a cluster or a Sentinel service.
    """

    name = "redis"

    def __init__(self, url: str, run_id: str) -> None:
        self.url = url
        self.key_prefix = f"ngtest:{run_id}:{uuid.uuid4().hex[:12]}"
        self._opened: list[RedisEphemeral] = []

    async def open(self, limits: Limits = LIMITS) -> Ephemeral:
        return self.open_redis(limits)

    def open_redis(self, limits: Limits = LIMITS) -> RedisEphemeral:
        ephemeral = RedisEphemeral.from_url(self.url, limits, key_prefix=self.key_prefix)
        self._opened.append(ephemeral)
        return ephemeral

    def adopt(self, ephemeral: RedisEphemeral) -> RedisEphemeral:
        """Close ``ephemeral`` with the rest, after the test."""
        self._opened.append(ephemeral)
        return ephemeral

    async def wait(self, seconds: float) -> None:
        await anyio.sleep(seconds)

    async def keys(self) -> list[bytes]:
        async with admin(self.url) as client:
            return [key async for key in client.scan_iter(match=self.key_pattern, count=1000)]

    @property
    def key_pattern(self) -> str:
        return self.key_prefix + ":*"

    async def close_opened(self) -> None:
        """Close every state opened, and leave the keys as they are."""
        for ephemeral in self._opened:
            await ephemeral.close()

    async def aclose(self) -> None:
        try:
            await self.close_opened()
        finally:
            keys = await self.keys()
            if keys:
                async with admin(self.url) as client:
                    await client.delete(*keys)
