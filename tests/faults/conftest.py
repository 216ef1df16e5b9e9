"""The fault tests' parts: a Redis server of their own and the guard's tables on PostgreSQL.

The shared Redis of the other tests is never stopped; each test here starts its own
``redis-server`` and kills it at the end, whatever happened in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Parts, make_parts

from .harness import RedisServer, drop_tables


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A running ``redis-server`` on a free loopback port; killed at teardown."""
    server = RedisServer(tmp_path / "redis-server.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def parts(
    redis_server: RedisServer, run_id: str, tmp_path: Path, postgres_url: str
) -> Iterator[Parts]:
    """PostgreSQL with tables of this test's own, and the test's own Redis."""
    made = make_parts(
        "shared",
        run_id=run_id,
        tmp_path=tmp_path,
        database_url=postgres_url,
        redis_url=redis_server.url,
    )
    try:
        yield made
    finally:
        drop_tables(made)
