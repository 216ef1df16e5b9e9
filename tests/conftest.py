"""Shared test set-up: the real Redis and PostgreSQL, isolated per test run.

Tests read DATABASE_URL and REDIS_URL and fall back to the services on this
project's machines. A missing service fails the tests that need it loudly;
nothing is skipped.
"""

from __future__ import annotations

import os
import uuid

import pytest

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
