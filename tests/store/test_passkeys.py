"""A user's passkeys and security keys in the store, on every database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nextens_guard.store.base import PasskeyRecord
from nextens_guard.store.sql import SQLStore

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def passkey(passkey_id: str, *, user_id: str = "anna", lookup: str = "a" * 64) -> PasskeyRecord:
    return PasskeyRecord(
        id=passkey_id,
        user_id=user_id,
        name="Telefoon Anna",
        lookup=lookup,
        credential=b"k1:sealed",
        sign_count=5,
        added_at=NOW,
    )


async def test_a_passkey_is_kept_and_listed_for_its_user_only(store: SQLStore) -> None:
    assert await store.add_passkey(passkey("p1"))
    assert await store.add_passkey(passkey("p2", lookup="b" * 64))
    assert await store.add_passkey(passkey("p3", user_id="bram"))

    listed = await store.list_passkeys("anna")

    assert [p.id for p in listed] == ["p1", "p2"]
    assert listed[0] == passkey("p1")
    assert await store.list_passkeys("nobody") == []


async def test_the_same_authenticator_is_not_added_twice_for_one_user(store: SQLStore) -> None:
    assert await store.add_passkey(passkey("p1"))

    assert not await store.add_passkey(passkey("p2"))
    assert await store.add_passkey(passkey("p3", user_id="bram"))


async def test_a_use_moves_the_counter_only_from_the_count_it_saw(store: SQLStore) -> None:
    await store.add_passkey(passkey("p1"))
    later = NOW + timedelta(minutes=5)

    assert await store.use_passkey("anna", "p1", seen_count=5, sign_count=6, now=later)
    # A second use that read the old counter lost the race.
    assert not await store.use_passkey("anna", "p1", seen_count=5, sign_count=6, now=later)
    assert not await store.use_passkey("bram", "p1", seen_count=6, sign_count=7, now=later)

    (stored,) = await store.list_passkeys("anna")
    assert (stored.sign_count, stored.last_used_at) == (6, later)


async def test_a_passkey_is_removed_only_by_its_own_user(store: SQLStore) -> None:
    await store.add_passkey(passkey("p1"))

    assert not await store.remove_passkey("bram", "p1")
    assert await store.remove_passkey("anna", "p1")
    assert not await store.remove_passkey("anna", "p1")
    assert await store.list_passkeys("anna") == []


async def test_a_passkey_is_renamed_only_by_its_own_user(store: SQLStore) -> None:
    await store.add_passkey(passkey("p1"))

    assert not await store.rename_passkey("bram", "p1", "Van Bram")
    assert not await store.rename_passkey("anna", "p9", "Niets")
    assert await store.rename_passkey("anna", "p1", "Sleutel van Zoë")

    (stored,) = await store.list_passkeys("anna")
    assert stored.name == "Sleutel van Zoë"


async def test_the_apps_name_and_last_use_belong_to_one_enrollment(store: SQLStore) -> None:
    first, second = NOW, NOW + timedelta(days=3)
    assert await store.get_app("anna") is None

    await store.rename_app("anna", confirmed_at=first, name="iPhone")
    await store.touch_app("anna", confirmed_at=first, now=NOW + timedelta(hours=1))
    app = await store.get_app("anna")
    assert app is not None
    assert (app.name, app.last_used_at) == ("iPhone", NOW + timedelta(hours=1))

    # A new phone's enrollment: the old phone's name goes at its first use, and the
    # other way round, a name for the new one drops the old phone's last use.
    await store.touch_app("anna", confirmed_at=second, now=second)
    app = await store.get_app("anna")
    assert app is not None
    assert (app.confirmed_at, app.name, app.last_used_at) == (second, None, second)
    await store.rename_app("anna", confirmed_at=NOW + timedelta(days=9), name="Samsung")
    app = await store.get_app("anna")
    assert app is not None
    assert (app.name, app.last_used_at) == ("Samsung", None)
    assert await store.get_app("bram") is None
