"""What every store promises about trusted browsers, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nextens_guard.store.base import TrustRecord
from nextens_guard.store.sql import SQLStore

pytestmark = pytest.mark.anyio

T0 = datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)


def trust(trust_id: str, user_id: str = "bram", *, days: int = 7, at: datetime = T0) -> TrustRecord:
    return TrustRecord(
        id=trust_id,
        user_id=user_id,
        generation=3,
        created_at=at,
        expires_at=at + timedelta(days=days),
        user_agent="Firefox · Windows",
        address="192.0.2.1",
    )


async def test_an_office_that_never_set_it_has_no_trust_policy(store: SQLStore) -> None:
    assert await store.trust_policies(["amsterdam"]) == {}


async def test_a_trust_policy_is_set_for_every_office_of_the_group_and_changed_again(
    store: SQLStore,
) -> None:
    await store.set_trust_policy(["amsterdam", "utrecht"], max_days=7, actor_id="anna", now=T0)
    assert await store.trust_policies(["amsterdam", "utrecht", "rotterdam"]) == {
        "amsterdam": 7,
        "utrecht": 7,
    }
    await store.set_trust_policy(["utrecht"], max_days=0, actor_id="uma", now=T0)
    assert await store.trust_policies(["amsterdam", "utrecht"]) == {"amsterdam": 7, "utrecht": 0}


async def test_a_trust_is_found_by_its_hash_only(store: SQLStore) -> None:
    await store.add_trust(trust("t1"), token_hash="h1")
    found = await store.trust_by_token("h1")
    assert found == trust("t1")
    assert await store.trust_by_token("t1") is None
    assert await store.trust_by_token("h2") is None


async def test_a_used_trust_remembers_when(store: SQLStore) -> None:
    await store.add_trust(trust("t1"), token_hash="h1")
    await store.touch_trust("t1", now=T0 + timedelta(days=1))
    found = await store.trust_by_token("h1")
    assert found is not None
    assert found.last_used_at == T0 + timedelta(days=1)


async def test_a_users_trusts_are_listed_newest_first_and_removed_one_or_all(
    store: SQLStore,
) -> None:
    await store.add_trust(trust("old"), token_hash="h1")
    await store.add_trust(trust("new", at=T0 + timedelta(hours=1)), token_hash="h2")
    await store.add_trust(trust("anna's", "anna"), token_hash="h3")
    assert [t.id for t in await store.list_trusts("bram")] == ["new", "old"]
    # Another user's id removes nothing of Bram's.
    assert await store.remove_trusts(["bram"], trust_id="anna's") == 0
    assert await store.remove_trusts(["bram"], trust_id="old") == 1
    assert await store.remove_trusts(["bram"]) == 1
    assert await store.list_trusts("bram") == []
    assert [t.id for t in await store.list_trusts("anna")] == ["anna's"]


async def test_expired_trusts_are_removed_and_the_others_stay(store: SQLStore) -> None:
    await store.add_trust(trust("short", days=1), token_hash="h1")
    await store.add_trust(trust("long", days=30), token_hash="h2")
    assert await store.remove_trusts(["bram"], before=T0 + timedelta(days=2)) == 1
    assert [t.id for t in await store.list_trusts("bram")] == ["long"]
