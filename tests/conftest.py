"""Shared test set-up: the real Redis and PostgreSQL, isolated per test run.

Tests read DATABASE_URL and REDIS_URL and fall back to the services on this
project's machines. A missing service fails the tests that need it loudly;
nothing is skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Parts, make_parts

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
# One id per test run, so parallel runs on one Redis or database never collide.
RUN_ID = uuid.uuid4().hex[:10]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def run_id() -> str:
    return RUN_ID


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
def postgres_url() -> str:
    return DATABASE_URL


def _made(kind: str, tmp_path: Path) -> Parts:
    return make_parts(
        kind, run_id=RUN_ID, tmp_path=tmp_path, database_url=DATABASE_URL, redis_url=REDIS_URL
    )


@pytest.fixture(params=["embedded", "shared"])
def parts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Parts]:
    """Runs the test twice: on SQLite with the in-process state, and on PostgreSQL + Redis."""
    made = _made(request.param, tmp_path)
    yield made
    made.cleanup()


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Parts]:
    """SQLite with the in-process limiter, as `make run` starts the example app."""
    made = _made("embedded", tmp_path)
    yield made
    made.cleanup()


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Parts]:
    """PostgreSQL and Redis, for tests that run two app processes side by side."""
    made = _made("shared", tmp_path)
    yield made
    made.cleanup()
