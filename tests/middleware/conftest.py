"""Where a middleware test keeps its state: embedded (SQLite) or shared (PostgreSQL, Redis)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Parts, make_parts


def _made(kind: str, run_id: str, tmp_path: Path, postgres_url: str, redis_url: str) -> Parts:
    return make_parts(
        kind, run_id=run_id, tmp_path=tmp_path, database_url=postgres_url, redis_url=redis_url
    )


@pytest.fixture(params=["embedded", "shared"])
def parts(
    request: pytest.FixtureRequest, run_id: str, tmp_path: Path, postgres_url: str, redis_url: str
) -> Iterator[Parts]:
    """Runs the test twice: on SQLite with the in-process state, and on PostgreSQL + Redis."""
    made = _made(request.param, run_id, tmp_path, postgres_url, redis_url)
    yield made
    made.cleanup()


@pytest.fixture
def embedded(run_id: str, tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[Parts]:
    made = _made("embedded", run_id, tmp_path, postgres_url, redis_url)
    yield made
    made.cleanup()


@pytest.fixture
def shared(run_id: str, tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[Parts]:
    made = _made("shared", run_id, tmp_path, postgres_url, redis_url)
    yield made
    made.cleanup()
