"""What every store promises, checked on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import asyncio
import threading
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import anyio
import anyio.lowlevel
import anyio.to_thread
import pytest
from sqlalchemy import inspect, text

from nextens_guard.errors import GuardError, ServiceUnavailable
from nextens_guard.store.base import AuditRecord, Store
from nextens_guard.store.sql import SQLStore

pytestmark = pytest.mark.anyio

T0 = datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)
AMSTERDAM_TIME = timezone(timedelta(hours=2))
# Ciphertext stand-ins that are easy to spot in any error text or traceback.
SECRET = b"SECRET-CIPHERTEXT-\x00\x01\x02"
RESET = b"RESET-CIPHERTEXT-\xff\xfe"
NEW_SECRET = b"NEW-SECRET-CIPHERTEXT"
NEW_RESET = b"NEW-RESET-CIPHERTEXT"
# The session that started an enrollment, as the services name it.
OWNER = "session-1"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def enroll(store: Store, user_id: str, *, secret: bytes = SECRET, now: datetime = T0) -> int:
    await store.start_pending(user_id, owner=OWNER, secret=secret, reset_code=RESET, now=now)
    assert await store.mark_pending_code_ok(user_id, owner=OWNER, now=now + timedelta(seconds=20))
    generation = await store.confirm_pending(
        user_id,
        owner=OWNER,
        now=now + timedelta(seconds=30),
        started_after=now - timedelta(hours=1),
    )
    assert generation is not None
    return generation


async def table_names(store: SQLStore) -> set[str]:
    async with store.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def index_names(store: SQLStore, table: str) -> set[str]:
    async with store.engine.connect() as conn:
        indexes = await conn.run_sync(lambda sync: inspect(sync).get_indexes(table))
    return {str(index["name"]) for index in indexes}


# Set-up


async def test_the_sql_store_is_a_store(store: SQLStore) -> None:
    assert isinstance(store, Store)
    await store.ping()


async def test_tables_are_created_idempotently(store: SQLStore, table_prefix: str) -> None:
    await enroll(store, "anna")
    await store.setup()
    await store.setup()

    assert {
        f"{table_prefix}enrollments",
        f"{table_prefix}office_policies",
        f"{table_prefix}audit_events",
    } <= await table_names(store)
    assert {f"{table_prefix}audit_office_at", f"{table_prefix}audit_subject_at"} <= (
        await index_names(store, f"{table_prefix}audit_events")
    )
    record = await store.get_enrollment("anna")
    assert record is not None
    assert record.enrolled


async def test_processes_starting_at_once_all_find_their_tables(
    database_url: str, table_prefix: str
) -> None:
    # A few rounds on fresh tables, since the race is only lost now and then.
    for round_ in range(3):
        prefix = f"{table_prefix}{round_}_"
        stores = [SQLStore.from_url(database_url, table_prefix=prefix) for _ in range(4)]
        try:
            async with anyio.create_task_group() as tg:
                for store in stores:
                    tg.start_soon(store.setup)
            for store in stores:
                assert await store.get_enrollment("anna") is None
        finally:
            await stores[0].drop()
            for store in stores:
                await store.close()


async def test_dropping_removes_the_tables(store: SQLStore, table_prefix: str) -> None:
    await store.drop()
    assert not any(name.startswith(table_prefix) for name in await table_names(store))
    await store.drop()


async def test_a_store_given_an_engine_leaves_the_engine_to_its_owner(
    database_url: str, table_prefix: str
) -> None:
    owner = SQLStore.from_url(database_url, table_prefix=table_prefix)
    try:
        borrower = SQLStore(owner.engine, table_prefix=table_prefix)
        await borrower.setup()
        await borrower.close()
        await owner.ping()
        await owner.drop()
    finally:
        await owner.close()


async def test_sqlite_runs_in_wal_mode_and_waits_for_other_writers(tmp_path: Path) -> None:
    store = SQLStore.from_url(f"sqlite:///{tmp_path / 'guard.sqlite3'}")
    try:
        await store.setup()
        async with store.engine.connect() as conn:
            journal_mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
            busy_timeout = (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one()
    finally:
        await store.close()
    assert journal_mode == "wal"
    assert busy_timeout >= 1000


@pytest.mark.parametrize(
    ("url", "drivername"),
    [
        ("sqlite:///guard.sqlite3", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///guard.sqlite3", "sqlite+aiosqlite"),
        ("postgresql://guard:pw@db.example/guard", "postgresql+asyncpg"),
        ("postgres://guard:pw@db.example/guard", "postgresql+asyncpg"),
        ("postgresql+asyncpg://guard:pw@db.example/guard", "postgresql+asyncpg"),
        ("postgres+asyncpg://guard:pw@db.example/guard", "postgresql+asyncpg"),
    ],
)
async def test_a_plain_url_gets_the_async_driver(url: str, drivername: str) -> None:
    store = SQLStore.from_url(url)
    try:
        assert store.engine.url.drivername == drivername
    finally:
        await store.close()


@pytest.mark.parametrize(
    "url",
    [
        "mysql://guard:hunter2@db.example/guard",
        "postgresql://guard:hunter2@db.example:port/guard",
        "not a url with hunter2",
        "",
    ],
)
def test_only_sqlite_and_postgresql_urls_are_taken(url: str) -> None:
    with pytest.raises(GuardError) as caught:
        SQLStore.from_url(url)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("prefix", ["", "1abc_", "guard-", "guard_; drop table x", "x" * 41])
def test_a_table_prefix_must_be_a_plain_identifier(prefix: str) -> None:
    with pytest.raises(GuardError):
        SQLStore.from_url("sqlite://", table_prefix=prefix)


# Enrollments


async def test_a_user_without_enrollment_has_no_record(store: SQLStore) -> None:
    assert await store.get_enrollment("anna") is None
    assert await store.get_generations(["anna"]) == {}
    assert await store.list_enrollments(["anna"]) == []


async def test_nothing_counts_until_the_enrollment_is_confirmed(store: SQLStore) -> None:
    await store.start_pending("anna", owner=OWNER, secret=SECRET, reset_code=RESET, now=at(0))

    record = await store.get_enrollment("anna")
    assert record is not None
    assert not record.enrolled
    assert record.generation == 0
    assert record.secret is None
    assert record.reset_code is None
    assert record.pending_secret == SECRET
    assert record.pending_reset_code == RESET
    assert record.pending_started_at == at(0)
    assert record.pending_code_ok_at is None
    assert await store.get_generations(["anna"]) == {}
    # No correct code typed yet: nothing to confirm.
    assert (
        await store.confirm_pending("anna", owner=OWNER, now=at(10), started_after=at(-3600))
        is None
    )

    assert await store.mark_pending_code_ok("anna", owner=OWNER, now=at(20))
    assert await store.get_generations(["anna"]) == {}
    assert (
        await store.confirm_pending("anna", owner=OWNER, now=at(30), started_after=at(-3600)) == 1
    )

    record = await store.get_enrollment("anna")
    assert record is not None
    assert record.enrolled
    assert record.generation == 1
    assert record.secret == SECRET
    assert record.reset_code == RESET
    assert record.confirmed_at == at(30)
    assert record.pending_secret is None
    assert record.pending_reset_code is None
    assert record.pending_started_at is None
    assert record.pending_code_ok_at is None
    assert await store.get_generations(["anna", "bram"]) == {"anna": 1}


async def test_a_code_can_only_be_marked_for_an_enrollment_in_progress(store: SQLStore) -> None:
    assert not await store.mark_pending_code_ok("anna", owner=OWNER, now=at(0))
    await enroll(store, "anna")
    assert not await store.mark_pending_code_ok("anna", owner=OWNER, now=at(100))
    assert await store.get_enrollment("bram") is None


async def test_a_new_enrollment_leaves_the_confirmed_one_in_force(store: SQLStore) -> None:
    await enroll(store, "anna")
    await store.start_pending(
        "anna", owner=OWNER, secret=NEW_SECRET, reset_code=NEW_RESET, now=at(100)
    )

    record = await store.get_enrollment("anna")
    assert record is not None
    assert record.enrolled
    assert record.secret == SECRET
    assert record.reset_code == RESET
    assert record.generation == 1
    assert record.pending_secret == NEW_SECRET
    assert await store.get_generations(["anna"]) == {"anna": 1}

    assert await store.mark_pending_code_ok("anna", owner=OWNER, now=at(110))
    # Only a deliberate replacement (the activation wizard) takes over a confirmed one.
    assert (
        await store.confirm_pending("anna", owner=OWNER, now=at(120), started_after=at(0)) is None
    )
    assert (
        await store.confirm_pending(
            "anna", owner=OWNER, now=at(120), started_after=at(0), replacing=True
        )
        == 2
    )
    record = await store.get_enrollment("anna")
    assert record is not None
    assert record.secret == NEW_SECRET
    assert record.reset_code == NEW_RESET
    assert record.confirmed_at == at(120)


async def test_starting_over_forgets_the_code_typed_for_the_earlier_attempt(
    store: SQLStore,
) -> None:
    await store.start_pending("anna", owner=OWNER, secret=SECRET, reset_code=RESET, now=at(0))
    assert await store.mark_pending_code_ok("anna", owner=OWNER, now=at(10))
    await store.start_pending(
        "anna", owner=OWNER, secret=NEW_SECRET, reset_code=NEW_RESET, now=at(20)
    )

    record = await store.get_enrollment("anna")
    assert record is not None
    assert record.pending_secret == NEW_SECRET
    assert record.pending_started_at == at(20)
    assert record.pending_code_ok_at is None
    assert (
        await store.confirm_pending("anna", owner=OWNER, now=at(30), started_after=at(-3600))
        is None
    )


async def test_an_enrollment_started_too_long_ago_is_not_confirmed(store: SQLStore) -> None:
    await store.start_pending("anna", owner=OWNER, secret=SECRET, reset_code=RESET, now=at(0))
    assert await store.mark_pending_code_ok("anna", owner=OWNER, now=at(10))

    assert (
        await store.confirm_pending("anna", owner=OWNER, now=at(3700), started_after=at(0)) is None
    )
    assert (
        await store.confirm_pending("anna", owner=OWNER, now=at(3700), started_after=at(100))
        is None
    )
    record = await store.get_enrollment("anna")
    assert record is not None
    assert not record.enrolled
    assert record.generation == 0


async def test_confirming_twice_in_parallel_confirms_once(store: SQLStore) -> None:
    await store.start_pending("anna", owner=OWNER, secret=SECRET, reset_code=RESET, now=at(0))
    assert await store.mark_pending_code_ok("anna", owner=OWNER, now=at(10))
    results: list[int | None] = []

    async def confirm() -> None:
        results.append(
            await store.confirm_pending("anna", owner=OWNER, now=at(20), started_after=at(-60))
        )

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(confirm)

    assert sorted(results, key=lambda r: r is not None) == [None] * 7 + [1]
    assert await store.get_generations(["anna"]) == {"anna": 1}


async def test_a_reset_changes_the_generation_and_it_never_goes_back(store: SQLStore) -> None:
    assert await enroll(store, "anna") == 1

    assert await store.void_enrollments(["anna"], now=at(100)) == ["anna"]
    record = await store.get_enrollment("anna")
    assert record is not None
    assert not record.enrolled
    assert record.generation == 2
    assert record.secret is None
    assert record.reset_code is None
    assert record.confirmed_at is None
    assert await store.get_generations(["anna"]) == {}

    # Nothing left to destroy: the generation stays.
    assert await store.void_enrollments(["anna"], now=at(200)) == []
    record = await store.get_enrollment("anna")
    assert record is not None
    assert record.generation == 2

    assert await enroll(store, "anna", secret=NEW_SECRET, now=at(300)) == 3
    assert await store.get_generations(["anna"]) == {"anna": 3}


async def test_logging_out_everywhere_changes_the_generation_and_keeps_the_secret(
    store: SQLStore,
) -> None:
    assert await enroll(store, "anna") == 1

    assert await store.end_verifications("anna", now=at(100)) == 2

    record = await store.get_enrollment("anna")
    assert record is not None
    assert record.enrolled
    assert record.generation == 2
    assert record.secret == SECRET
    assert await store.get_generations(["anna"]) == {"anna": 2}
    # Nobody without a confirmed enrollment has verifications to end.
    assert await store.end_verifications("bram", now=at(100)) is None
    await store.void_enrollments(["anna"], now=at(200))
    assert await store.end_verifications("anna", now=at(300)) is None


async def test_a_reset_destroys_an_enrollment_in_progress_too(store: SQLStore) -> None:
    await enroll(store, "anna")
    await store.start_pending(
        "anna", owner=OWNER, secret=NEW_SECRET, reset_code=NEW_RESET, now=at(100)
    )
    assert await store.mark_pending_code_ok("anna", owner=OWNER, now=at(110))
    await store.start_pending("bram", owner=OWNER, secret=SECRET, reset_code=RESET, now=at(100))

    assert await store.void_enrollments(["anna", "bram"], now=at(120)) == ["anna", "bram"]

    for user_id, generation in [("anna", 2), ("bram", 1)]:
        record = await store.get_enrollment(user_id)
        assert record is not None
        assert record.generation == generation
        assert record.pending_secret is None
        assert record.pending_reset_code is None
        assert record.pending_started_at is None
        assert record.pending_code_ok_at is None
    assert (
        await store.confirm_pending("anna", owner=OWNER, now=at(130), started_after=at(0)) is None
    )


async def test_a_reset_reports_only_users_that_had_something_to_destroy(
    store: SQLStore,
) -> None:
    await enroll(store, "anna")
    await enroll(store, "uma")
    await store.void_enrollments(["uma"], now=at(50))

    voided = await store.void_enrollments(["anna", "bram", "uma"], now=at(100))

    assert voided == ["anna"]
    assert await store.void_enrollments([], now=at(100)) == []


async def test_a_verification_is_remembered(store: SQLStore) -> None:
    await enroll(store, "anna")
    await store.touch_verified("anna", now=at(500))
    await store.touch_verified("bram", now=at(500))

    record = await store.get_enrollment("anna")
    assert record is not None
    assert record.last_verified_at == at(500)
    assert record.generation == 1
    assert await store.get_enrollment("bram") is None


async def test_enrollments_are_listed_for_the_users_asked_about(store: SQLStore) -> None:
    await enroll(store, "victor")
    await enroll(store, "anna")
    await store.start_pending("bram", owner=OWNER, secret=SECRET, reset_code=RESET, now=at(0))
    await enroll(store, "ruben")
    # More ids than one statement takes, as an office with many users would ask.
    asked = ["anna", "bram", "victor", *(f"user-{n}" for n in range(2500))]

    records = await store.list_enrollments(asked)
    generations = await store.get_generations(asked)

    assert [r.user_id for r in records] == ["anna", "bram", "victor"]
    assert [r.enrolled for r in records] == [True, False, True]
    assert generations == {"anna": 1, "victor": 1}
    assert await store.list_enrollments([]) == []
    assert await store.get_generations([]) == {}


# Office policy


async def test_only_the_session_that_started_an_enrollment_can_finish_it(store: SQLStore) -> None:
    await store.start_pending("anna", owner=OWNER, secret=SECRET, reset_code=RESET, now=at(0))
    assert not await store.mark_pending_code_ok("anna", owner="another-session", now=at(10))
    assert await store.mark_pending_code_ok("anna", owner=OWNER, now=at(10))
    assert (
        await store.confirm_pending(
            "anna", owner="another-session", now=at(20), started_after=at(-60)
        )
        is None
    )
    assert await store.confirm_pending("anna", owner=OWNER, now=at(20), started_after=at(-60)) == 1


async def test_of_two_voids_of_one_generation_only_one_happens(store: SQLStore) -> None:
    generation = await enroll(store, "rosa")
    results = await asyncio.gather(
        *(store.void_enrollment_at("rosa", generation=generation, now=at(60)) for _ in range(5))
    )
    assert results.count(True) == 1
    record = await store.get_enrollment("rosa")
    assert record is not None
    assert record.generation == generation + 1
    assert not record.enrolled


async def test_the_last_activation_click_enrolls_the_admin_and_activates_the_group_together(
    store: SQLStore,
) -> None:
    await store.start_pending("anna", owner=OWNER, secret=SECRET, reset_code=RESET, now=at(0))
    # Without a correct code nothing happens: no enrollment, no active office.
    assert (
        await store.confirm_pending_and_activate(
            "anna",
            ["amsterdam", "utrecht"],
            owner=OWNER,
            now=at(10),
            started_after=at(-60),
            actor_id="anna",
        )
        is None
    )
    assert await store.active_offices(["amsterdam", "utrecht"]) == set()
    assert await store.mark_pending_code_ok("anna", owner=OWNER, now=at(20))
    generation = await store.confirm_pending_and_activate(
        "anna",
        ["amsterdam", "utrecht"],
        owner=OWNER,
        now=at(30),
        started_after=at(-60),
        actor_id="anna",
    )
    assert generation is not None
    assert await store.active_offices(["amsterdam", "utrecht", "rotterdam"]) == {
        "amsterdam",
        "utrecht",
    }
    assert await store.get_generations(["anna"]) == {"anna": generation}


async def test_deactivation_switches_the_group_off_and_destroys_its_enrollments_together(
    store: SQLStore,
) -> None:
    await store.set_offices_active(["amsterdam", "utrecht"], active=True, actor_id=None, now=at(0))
    before = await enroll(store, "bram")
    await enroll(store, "ruben")
    voided = await store.deactivate_and_void(
        ["amsterdam", "utrecht"], ["anna", "bram", "uma", "victor"], actor_id="uma", now=at(60)
    )
    assert voided == ["bram"]
    assert await store.active_offices(["amsterdam", "utrecht"]) == set()
    record = await store.get_enrollment("bram")
    assert record is not None
    assert not record.enrolled
    assert record.secret is None
    assert record.reset_code is None
    assert record.generation > before
    assert await store.get_generations(["ruben"]) != {}


async def test_an_office_group_is_active_when_any_office_is(store: SQLStore) -> None:
    group = ["amsterdam", "utrecht"]
    assert await store.active_offices(group) == set()

    await store.set_offices_active(["amsterdam"], active=True, actor_id="anna", now=at(0))
    assert await store.active_offices(group) == {"amsterdam"}

    await store.set_offices_active(group, active=True, actor_id="anna", now=at(10))
    assert await store.active_offices([*group, "rotterdam"]) == {"amsterdam", "utrecht"}

    await store.set_offices_active(group, active=False, actor_id="uma", now=at(20))
    assert await store.active_offices(group) == set()
    assert await store.active_offices([]) == set()


async def test_offices_switched_in_parallel_end_in_one_clear_state(store: SQLStore) -> None:
    offices = [f"office-{n}" for n in range(20)]

    async def switch(n: int) -> None:
        # Overlapping groups, in different orders.
        group = offices[n:] + offices[:n] if n % 2 else list(reversed(offices))
        await store.set_offices_active(group, active=True, actor_id=f"admin-{n}", now=at(n))

    async with anyio.create_task_group() as tg:
        for n in range(8):
            tg.start_soon(switch, n)

    assert await store.active_offices(offices) == set(offices)


# Audit


async def test_an_audit_event_keeps_every_field(store: SQLStore) -> None:
    record = AuditRecord(
        at=at(0),
        event="enrollment.confirmed",
        outcome="ok",
        actor_id="anna",
        subject_id="bram",
        office_id="amsterdam",
        address="2001:db8::1",
        detail="admin reset",
    )
    await store.add_event(record)
    await store.add_event(AuditRecord(at=at(1), event="login", outcome="ok", office_id="utrecht"))

    (stored,) = await store.recent_events(office_ids=["amsterdam"])
    assert stored.id is not None
    assert stored == AuditRecord(
        at=at(0),
        event="enrollment.confirmed",
        outcome="ok",
        actor_id="anna",
        subject_id="bram",
        office_id="amsterdam",
        address="2001:db8::1",
        detail="admin reset",
        id=stored.id,
    )


async def test_audit_events_come_newest_first(store: SQLStore) -> None:
    for seconds, office in [(20, "amsterdam"), (0, "utrecht"), (30, "rotterdam"), (10, "utrecht")]:
        await store.add_event(
            AuditRecord(at=at(seconds), event=f"e{seconds}", outcome="ok", office_id=office)
        )
    # Two events of the same moment: the later one first.
    await store.add_event(AuditRecord(at=at(20), event="e20b", outcome="ok", office_id="utrecht"))

    group = ["amsterdam", "utrecht"]
    events = await store.recent_events(office_ids=group)
    assert [e.event for e in events] == ["e20b", "e20", "e10", "e0"]
    assert [e.event for e in await store.recent_events(office_ids=group, limit=2)] == [
        "e20b",
        "e20",
    ]
    assert await store.recent_events(office_ids=[]) == []
    assert await store.recent_events(office_ids=group, limit=0) == []


# Time


async def test_datetimes_come_back_in_utc(store: SQLStore) -> None:
    local = T0.astimezone(AMSTERDAM_TIME)
    await store.start_pending("anna", owner=OWNER, secret=SECRET, reset_code=RESET, now=local)
    assert await store.mark_pending_code_ok("anna", owner=OWNER, now=local + timedelta(seconds=1))
    # The window is compared as instants, whatever zone each side is written in.
    assert (
        await store.confirm_pending(
            "anna",
            owner=OWNER,
            now=local + timedelta(seconds=2),
            started_after=T0 + timedelta(microseconds=1),
        )
        is None
    )
    assert (
        await store.confirm_pending(
            "anna",
            owner=OWNER,
            now=local + timedelta(seconds=2),
            started_after=local - timedelta(microseconds=1),
        )
        == 1
    )
    await store.touch_verified("anna", now=local + timedelta(seconds=3))
    await store.add_event(AuditRecord(at=local, event="login", outcome="ok", office_id="a"))

    record = await store.get_enrollment("anna")
    assert record is not None
    assert record.confirmed_at == T0 + timedelta(seconds=2)
    assert record.confirmed_at is not None
    assert record.confirmed_at.tzinfo is UTC
    assert record.last_verified_at == T0 + timedelta(seconds=3)
    assert record.last_verified_at is not None
    assert record.last_verified_at.tzinfo is UTC
    (event,) = await store.recent_events(office_ids=["a"])
    assert event.at == T0
    assert event.at.tzinfo is UTC

    await store.start_pending("bram", owner=OWNER, secret=SECRET, reset_code=RESET, now=local)
    pending = await store.get_enrollment("bram")
    assert pending is not None
    assert pending.pending_started_at is not None
    assert pending.pending_started_at.tzinfo is UTC
    assert pending.pending_started_at == T0


async def test_naive_datetimes_are_refused(store: SQLStore) -> None:
    naive = datetime(2025, 3, 1, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.start_pending("anna", owner=OWNER, secret=SECRET, reset_code=RESET, now=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.add_event(AuditRecord(at=naive, event="login", outcome="ok"))
    assert await store.get_enrollment("anna") is None


# Failures


@pytest.fixture(
    params=[
        pytest.param("postgresql://postgres@127.0.0.1:1/test", id="postgresql-closed-port"),
        pytest.param("sqlite-missing-directory", id="sqlite-missing-directory"),
    ]
)
def unreachable_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite-missing-directory":
        return f"sqlite:///{tmp_path / 'missing' / 'guard.sqlite3'}"
    return str(request.param)


async def test_a_database_that_is_down_is_reported_as_service_unavailable(
    unreachable_url: str,
) -> None:
    store = SQLStore.from_url(unreachable_url)
    calls: list[Callable[[], Awaitable[object]]] = [
        store.setup,
        store.ping,
        lambda: store.get_enrollment("anna"),
        lambda: store.start_pending("anna", owner=OWNER, secret=SECRET, reset_code=RESET, now=T0),
        lambda: store.active_offices(["amsterdam"]),
    ]
    try:
        for call in calls:
            with pytest.raises(ServiceUnavailable, match=r"^database ") as caught:
                await call()
            assert "SECRET" not in str(caught.value)
    finally:
        await store.close()
        await aiosqlite_workers_finished()


async def aiosqlite_workers_finished() -> None:
    # After a failed connect aiosqlite stops its worker thread without waiting for it
    # (omnilib/aiosqlite#241); a loop closed before the thread reports back makes the
    # thread fail, and that would land on whichever test runs next.
    workers = [
        thread
        for thread in threading.enumerate()
        if thread.name.endswith("(_connection_worker_thread)")
    ]
    for worker in workers:
        await anyio.to_thread.run_sync(worker.join, 5.0)
        assert not worker.is_alive()
    await anyio.lowlevel.checkpoint()


async def test_database_errors_never_show_the_bound_parameters(store: SQLStore) -> None:
    # Without tables every statement fails in the database itself, after binding.
    await store.drop()
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: store.start_pending("anna", owner=OWNER, secret=SECRET, reset_code=RESET, now=T0),
        lambda: store.void_enrollments(["anna"], now=T0),
        lambda: store.add_event(
            AuditRecord(at=T0, event="login", outcome="ok", detail="SECRET-CIPHERTEXT")
        ),
    ]
    for call in calls:
        with pytest.raises(ServiceUnavailable) as caught:
            await call()
        # limit=0: the chain of messages without source lines, which quote this test.
        shown = "".join(traceback.format_exception(caught.value, limit=0))
        for text_ in (str(caught.value), repr(caught.value), shown):
            assert "CIPHERTEXT" not in text_
            assert "anna" not in text_
            assert "INSERT" not in text_
            assert "UPDATE" not in text_
