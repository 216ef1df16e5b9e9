"""Every promise of the ephemeral state, kept on a master that Redis Sentinel names.

The contract suite itself lives in tests/ephemeral; it runs here once more, with each
process reaching the state through a ``redis+sentinel://`` URL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.ephemeral.harness import RedisBackend
from tests.ephemeral.test_contract import *  # noqa: F403 - the suite, run on this backend

from .servers import LocalSentinel


@pytest.fixture
async def backend(sentinel: LocalSentinel, run_id: str) -> AsyncIterator[RedisBackend]:
    chosen = RedisBackend(sentinel.url(), run_id)
    try:
        yield chosen
    finally:
        await chosen.aclose()
