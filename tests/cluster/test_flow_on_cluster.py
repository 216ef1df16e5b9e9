"""The guard configured on a Redis Cluster URL, end to end: a user enrolls and verifies,
and a replayed code is refused, also by a second app process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from nextens_guard.store.sql import SQLStore
from tests.ephemeral.harness import admin
from tests.support import Parts, browser, location, make_parts

from .servers import LocalCluster

DASHBOARD = 'data-app-page="dashboard"'


@pytest.fixture
def on_cluster(
    cluster: LocalCluster, run_id: str, tmp_path: Path, postgres_url: str
) -> Iterator[Parts]:
    made = make_parts(
        "shared",
        run_id=run_id,
        tmp_path=tmp_path,
        database_url=postgres_url,
        redis_url=cluster.url,
    )
    try:
        yield made
    finally:
        anyio.run(_clean_up, made)


async def _clean_up(parts: Parts) -> None:
    store = SQLStore.from_url(parts.database_url, table_prefix=parts.table_prefix)
    try:
        await store.drop()
    finally:
        await store.close()
    assert parts.redis_url is not None
    async with admin(parts.redis_url) as client:
        keys = [key async for key in client.scan_iter(match=f"{parts.key_prefix}:*")]
        if keys:
            await client.delete(*keys)


def test_on_a_cluster_a_user_enrolls_verifies_and_a_replayed_code_is_refused(
    on_cluster: Parts,
) -> None:
    one, two = on_cluster.app(), on_cluster.app()
    with browser(one, on_cluster.clock) as first, browser(two, on_cluster.clock) as second:
        first.login("rosa")
        assert location(first.get("/")).startswith("/2fa/enroll")
        secret, _ = first.enroll()
        first.post("/logout")
        first.login("rosa")
        second.login("rosa")
        on_cluster.clock.advance(60)
        assert location(first.get("/")).startswith("/2fa/verify")

        code = first.code(secret)
        accepted = first.submit("/2fa/verify", code=code)
        assert accepted.status_code == 303
        assert DASHBOARD in first.get(location(accepted)).text

        # The same code on another process of the app: refused, as used.
        replay = second.submit("/2fa/verify", code=code)
        assert replay.status_code == 400
        assert "al gebruikt" in replay.text
