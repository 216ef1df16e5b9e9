"""The soak test's set-up: two real example-app processes sharing PostgreSQL and Redis.

How the processes start and stay apart from other runs is said in ``bench.processes``,
which the reach benchmark and ``tests/processes`` use as well. A soak run gets

- a PostgreSQL database of its own, ``ngsoak_<run id>``, created through the
  ``postgres`` maintenance database of the server behind the ``postgres_url`` fixture
  and dropped (with ``FORCE``) at teardown, after both processes stopped;
- Redis database number 13 (``SOAK_REDIS_DB``) on the server behind the ``redis_url``
  fixture, flushed before and after the run. No other test uses it: they all work in
  the database of ``REDIS_URL`` (0 by default) under a key prefix of their own. A run
  holds the lock every run of example-app processes on this machine holds, so two runs
  never share Redis's invalidation channel; a ``REDIS_URL`` that itself names database
  13 fails the run.

Both processes run in one temporary folder, so the second reads the development keys
(``nextens_guard_dev.key``) the first one generated: sessions, form tokens and
ciphertexts are valid on either.

Nothing is skipped: a missing PostgreSQL or Redis fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.processes import AppPair, AppProcess, redis_database, scratch_database
from bench.processes import app_pair as start_app_pair

__all__ = ["AppPair", "AppProcess"]

SOAK_REDIS_DB = 13
DEFAULT_SOAK_SECONDS = 45.0


@pytest.fixture
def soak_seconds() -> float:
    """How long the simulated users work: ``SOAK_SECONDS`` or 45 s."""
    raw = os.environ.get("SOAK_SECONDS", "").strip()
    seconds = float(raw) if raw else DEFAULT_SOAK_SECONDS
    if not 1 <= seconds <= 600:
        raise ValueError("SOAK_SECONDS must lie between 1 and 600")
    return seconds


@pytest.fixture
def soak_database_url(postgres_url: str, run_id: str) -> Iterator[str]:
    """A PostgreSQL database of this run's own, dropped at teardown."""
    with scratch_database(postgres_url, f"ngsoak_{run_id}") as url:
        yield url


@pytest.fixture
def soak_redis_url(redis_url: str) -> Iterator[str]:
    """Redis database 13 of the test Redis, flushed before and after (see the module doc)."""
    with redis_database(redis_url, SOAK_REDIS_DB) as url:
        yield url


@pytest.fixture
def app_pair(tmp_path: Path, soak_database_url: str, soak_redis_url: str) -> Iterator[AppPair]:
    """Two app processes on two free loopback ports; both are stopped at teardown.

    Depends on the database and Redis fixtures, so pytest stops the processes before
    it drops the database and flushes Redis.
    """
    with start_app_pair(tmp_path / "apps", soak_database_url, soak_redis_url, name="soak") as pair:
        yield pair
