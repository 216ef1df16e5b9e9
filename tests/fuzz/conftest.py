"""The fuzz tests run on the same two set-ups as the flows: embedded and shared parts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import example_app.backend
from tests.support import Parts, make_parts


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo host hashes passwords with scrypt at full cost, about 0.1 s a time.

    Fuzzing re-enters passwords many times and the hash cost is not what it tests, so the
    demo host hashes cheaply here. Right and wrong passwords still differ as before.
    """
    monkeypatch.setitem(example_app.backend._SCRYPT, "n", 2**4)


@pytest.fixture(params=["embedded", "shared"])
def parts(
    request: pytest.FixtureRequest, run_id: str, tmp_path: Path, postgres_url: str, redis_url: str
) -> Iterator[Parts]:
    """SQLite with the in-process limiter, and PostgreSQL with Redis."""
    made = make_parts(
        request.param,
        run_id=run_id,
        tmp_path=tmp_path,
        database_url=postgres_url,
        redis_url=redis_url,
    )
    yield made
    made.cleanup()
