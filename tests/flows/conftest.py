from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Browser, Parts, browser, make_parts


@pytest.fixture(params=["embedded", "shared"])
def parts(
    request: pytest.FixtureRequest, run_id: str, tmp_path: Path, postgres_url: str, redis_url: str
) -> Iterator[Parts]:
    """Each flow runs twice: on SQLite with the in-process limiter, and on PostgreSQL + Redis."""
    made = make_parts(
        request.param,
        run_id=run_id,
        tmp_path=tmp_path,
        database_url=postgres_url,
        redis_url=redis_url,
    )
    yield made
    made.cleanup()


@pytest.fixture
def user(parts: Parts) -> Iterator[Browser]:
    with browser(parts.app(), parts.clock) as person:
        yield person


@pytest.fixture
def shared(run_id: str, tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[Parts]:
    """PostgreSQL and Redis, for tests that run two app processes side by side."""
    made = make_parts(
        "shared", run_id=run_id, tmp_path=tmp_path, database_url=postgres_url, redis_url=redis_url
    )
    yield made
    made.cleanup()
