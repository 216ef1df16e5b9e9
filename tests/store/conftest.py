"""One store per test, on every database the guard supports.

Each test gets its own tables: a fresh SQLite file, or on PostgreSQL a table prefix
no other test or test run uses, dropped again afterwards.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nextens_guard.store.sql import SQLStore

_numbers = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'guard.sqlite3'}"
    return postgres_url


@pytest.fixture
def table_prefix(run_id: str) -> str:
    return f"ngt_{run_id}_{next(_numbers)}_"


@pytest.fixture
async def store(database_url: str, table_prefix: str) -> AsyncIterator[SQLStore]:
    store = SQLStore.from_url(database_url, table_prefix=table_prefix)
    try:
        await store.setup()
        yield store
    finally:
        try:
            await store.drop()
        finally:
            await store.close()
