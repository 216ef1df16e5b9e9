"""A user's state is found by index however many users the store holds.

The store is seeded with 20,000 users in 5,000 offices (the bulk insert of
``bench.scale``), the statements the store really sends are captured as it runs them,
and the database is asked for its plan of each: every table they read must be read
through an index, never scanned whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from bench.scale import office_id, seed, user_id
from nextens_guard.store.sql import SQLStore

USERS = 20_000
OFFICES = 5_000
pytestmark = pytest.mark.anyio

INDEXED_NODES = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan"}


@contextmanager
def captured(store: SQLStore) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements the store sends, with their parameters, as the driver got them."""
    statements: list[tuple[str, Any]] = []

    def remember(**sent: Any) -> None:
        statement: str = sent["statement"]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, sent["parameters"]))

    engine = store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", remember, named=True)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def _plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


async def how_tables_are_read(store: SQLStore, statement: str, parameters: Any) -> list[str]:
    """Per table the statement reads: how the database means to read it."""
    async with store.engine.connect() as conn:
        if store.engine.dialect.name == "postgresql":
            result = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            document = result.scalar_one()
            plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
            ways = []
            for node in _plan_nodes(plan):
                if "Relation Name" in node:
                    kind = node["Node Type"]
                    ways.append(f"{node['Relation Name']}: {kind}")
            return ways
        result = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        # The rows that read a table; others say how results are sorted or combined.
        return [row[-1] for row in result if row[-1].startswith(("SCAN", "SEARCH"))]


def read_by_index(way: str, dialect: str) -> bool:
    if dialect == "postgresql":
        return way.split(": ", 1)[1] in INDEXED_NODES
    return way.startswith("SEARCH") and " USING " in way


async def plans_of_lookups(store: SQLStore, table_prefix: str, lookups: Any) -> list[str]:
    await seed(store, table_prefix, users=USERS, offices=OFFICES)
    with captured(store) as statements:
        await lookups()
    assert statements
    ways = []
    for statement, parameters in statements:
        ways += await how_tables_are_read(store, statement, parameters)
    return ways


async def test_an_uncached_request_finds_the_users_state_by_index_among_20000_users(
    store: SQLStore, table_prefix: str
) -> None:
    user = user_id(12_345)

    async def lookups() -> None:
        # What PolicyService.state_of asks the store for a user not in the cache.
        assert await store.active_offices([office_id(344), office_id(345)]) == {office_id(344)}
        assert await store.get_generations([user]) == {user: 1}

    ways = await plans_of_lookups(store, table_prefix, lookups)
    dialect = store.engine.dialect.name
    assert any(f"{table_prefix}enrollments" in way for way in ways), ways
    assert any(f"{table_prefix}office_policies" in way for way in ways), ways
    assert all(read_by_index(way, dialect) for way in ways), ways


async def test_the_code_prompt_and_the_users_page_find_enrollments_by_index(
    store: SQLStore, table_prefix: str
) -> None:
    async def lookups() -> None:
        record = await store.get_enrollment(user_id(7))
        assert record is not None
        assert record.enrolled
        office = await store.list_enrollments([user_id(n) for n in range(3, USERS, OFFICES)])
        assert len(office) == USERS // OFFICES

    ways = await plans_of_lookups(store, table_prefix, lookups)
    dialect = store.engine.dialect.name
    assert any(f"{table_prefix}enrollments" in way for way in ways), ways
    assert all(read_by_index(way, dialect) for way in ways), ways
