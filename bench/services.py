"""Where the benchmarks keep their state: PostgreSQL and Redis, or the embedded defaults.

Every part of a run gets its own table prefix, Redis key prefix or scratch database,
named after the run, and removes them when it is done, so a bench never meets the
state of a test or of another bench on the same servers.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import redis.asyncio as redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from nextens_guard.store.sql import SQLStore

__all__ = ["DEFAULT_DATABASE_URL", "DEFAULT_REDIS_URL", "Services"]

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Services:
    """The database and Redis the guarded side uses; ``redis_url`` None: in-process."""

    database_url: str
    redis_url: str | None
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))

    @classmethod
    def shared(cls) -> Services:
        """PostgreSQL and Redis at ``DATABASE_URL`` / ``REDIS_URL`` (the tests' defaults)."""
        return cls(
            database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            redis_url=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
        )

    @classmethod
    def embedded(cls) -> Services:
        """A SQLite file in a fresh folder and the in-process limiter: ``make run``'s setup."""
        folder = Path(tempfile.mkdtemp(prefix="nextens-guard-bench-"))
        return cls(database_url=f"sqlite:///{folder / 'bench.sqlite3'}", redis_url=None)

    @property
    def postgres(self) -> bool:
        return self.database_url.startswith("postgres")

    def describe(self) -> str:
        database = "PostgreSQL" if self.postgres else "SQLite"
        return f"{database} + {'Redis' if self.redis_url else 'in-process limiter'}"

    def key_prefix(self, part: str) -> str:
        """A Redis key prefix of this run's ``part``; with ``:`` as ``_``, its table prefix."""
        return f"ngb_{self.run_id}_{part}"

    async def drop(self, table_prefix: str, key_prefix: str) -> None:
        """Remove a part's tables and its Redis keys."""
        store = SQLStore.from_url(self.database_url, table_prefix=table_prefix)
        try:
            await store.drop()
        finally:
            await store.close()
        await self.forget_keys(key_prefix)

    async def forget_keys(self, key_prefix: str) -> None:
        if self.redis_url is None:
            return
        client = redis.Redis.from_url(self.redis_url)
        try:
            # Keys sit under "{prefix}" or "prefix:{...}", as the ephemeral store lays them out.
            for pattern in (f"{{{key_prefix}}}*", f"{key_prefix}:*"):
                keys = [key async for key in client.scan_iter(match=pattern, count=1000)]
                if keys:
                    await client.delete(*keys)
        finally:
            await client.aclose()

    @contextlib.asynccontextmanager
    async def scratch_database(self, part: str) -> AsyncIterator[str]:
        """A PostgreSQL database of its own for ``part``, dropped afterwards; its URL.

        For processes whose table prefix cannot be chosen (the example app's command line).
        A SQLite setup gets a file of its own instead.
        """
        if not self.postgres:
            folder = Path(tempfile.mkdtemp(prefix=f"nextens-guard-bench-{part}-"))
            yield f"sqlite:///{folder / 'bench.sqlite3'}"
            return
        url = make_url(self.database_url)
        name = f"ngb_{self.run_id}_{part}"  # hex digits and a word of ours: safe to quote
        admin = create_async_engine(
            url.set(drivername="postgresql+asyncpg"), isolation_level="AUTOCOMMIT"
        )
        try:
            async with admin.connect() as connection:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                yield url.set(database=name).render_as_string(hide_password=False)
            finally:
                async with admin.connect() as connection:
                    await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            await admin.dispose()
