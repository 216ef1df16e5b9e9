"""Every contract test runs once per implementation: in memory, and on the real Redis.

A Redis that does not answer fails these tests; nothing is skipped. Each Redis test
has a key prefix of its own and its keys are deleted afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .harness import Backend, MemoryBackend, RedisBackend


@pytest.fixture(params=["memory", "redis"])
async def backend(
    request: pytest.FixtureRequest, redis_url: str, run_id: str
) -> AsyncIterator[Backend]:
    chosen: Backend = (
        MemoryBackend() if request.param == "memory" else RedisBackend(redis_url, run_id)
    )
    try:
        yield chosen
    finally:
        await chosen.aclose()


@pytest.fixture
async def redis_backend(redis_url: str, run_id: str) -> AsyncIterator[RedisBackend]:
    chosen = RedisBackend(redis_url, run_id)
    try:
        yield chosen
    finally:
        await chosen.aclose()
