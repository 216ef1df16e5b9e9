"""The database cannot answer: PostgreSQL is gone, or another process holds the SQLite
file locked. A logged-in user gets a 503 (or waits), never the app, and the guard picks
up again by itself once the database answers.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from nextens_guard.store import sql as sql_store
from tests.support import Parts, browser

from .harness import (
    DASHBOARD,
    JSON,
    LOOPBACK,
    Relay,
    assert_sent_to,
    assert_unavailable,
    at_the_code_prompt,
    closed_port,
    within,
)

# How long the guard may take to find the database again once it answers.
RECOVERY_SECONDS = 5.0
# A busy timeout short enough to wait out in a test, for the "locked too long" case.
SHORT_BUSY_TIMEOUT_MS = 1_000
# How long another process holds the SQLite file in the "locked for a moment" case.
HOLD_SECONDS = 1.0


def at_port(url: str, port: int) -> str:
    return make_url(url).set(host=LOOPBACK, port=port).render_as_string(hide_password=False)


@pytest.fixture
def postgres_relay(postgres_url: str) -> Iterator[Relay]:
    """A relay in front of the test PostgreSQL, to take it away and bring it back."""
    url = make_url(postgres_url)
    made = Relay(url.port or 5432, upstream_host=url.host or LOOPBACK)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def embedded(tmp_path: Path) -> Parts:
    """The embedded defaults: a SQLite file and the in-process limiter."""
    return Parts(
        kind="embedded",
        database_url=f"sqlite:///{tmp_path / 'guard.sqlite3'}",
        redis_url=None,
        table_prefix="nextens_guard_",
        key_prefix="nextens_guard",
    )


@contextmanager
def locked(database: Path) -> Iterator[sqlite3.Connection]:
    """Another process in an exclusive transaction on the SQLite file; rolled back at the end."""
    holder = sqlite3.connect(database, isolation_level=None, timeout=5, check_same_thread=False)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield holder
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


def sqlite_file(parts: Parts) -> Path:
    database = make_url(parts.database_url).database
    assert database
    return Path(database)


def test_with_postgresql_at_a_closed_port_a_logged_in_user_gets_503(parts: Parts) -> None:
    down = replace(parts, database_url=at_port(parts.database_url, closed_port()))
    with browser(down.app(), down.clock) as rosa:
        # The host's own login does not need the guard's database.
        assert rosa.login("rosa").status_code == 303
        for path in ("/", "/aangifte/2024", "/2fa/verify", "/2fa/enroll", "/2fa/office"):
            assert_unavailable(rosa.get(path))
        api = rosa.get("/", headers=JSON)
        assert api.status_code == 503
        assert api.json()["error"] == "http_503"
        assert rosa.get("/login").status_code == 200


def test_when_postgresql_goes_away_nobody_gets_in_and_when_it_is_back_the_user_verifies(
    parts: Parts, postgres_relay: Relay
) -> None:
    through = replace(parts, database_url=at_port(parts.database_url, postgres_relay.port))
    with browser(through.app(), through.clock) as rosa:
        secret = at_the_code_prompt(rosa, "rosa")
        token = rosa.csrf_token("/2fa/verify")
        postgres_relay.cut()

        # Rotterdam requires two-step verification; the code cannot be checked now, and
        # the prompt, which looks up what else the user may answer with, says so too.
        assert_unavailable(
            rosa.post("/2fa/verify", data={"csrf_token": token, "code": rosa.code(secret)})
        )
        assert_unavailable(rosa.get("/2fa/verify"))
        assert DASHBOARD not in rosa.get("/").text
        # Another process of the app, which knows nothing about rosa yet.
        with browser(through.app(), through.clock) as elsewhere:
            elsewhere.login("rosa")
            assert_unavailable(elsewhere.get("/"))

            postgres_relay.restore()
            assert within(RECOVERY_SECONDS, lambda: elsewhere.get("/").status_code != 503)
            assert_sent_to(elsewhere, "/2fa/verify")

        assert within(RECOVERY_SECONDS, lambda: rosa.get("/2fa/verify").status_code == 200)
        assert rosa.verify(secret).status_code == 303
        assert DASHBOARD in rosa.get("/").text


def test_with_the_sqlite_file_locked_the_code_check_answers_503_after_the_busy_timeout(
    embedded: Parts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_store, "SQLITE_BUSY_TIMEOUT_MS", SHORT_BUSY_TIMEOUT_MS)
    with browser(embedded.app(), embedded.clock) as rosa:
        secret = at_the_code_prompt(rosa, "rosa")
        with locked(sqlite_file(embedded)):
            started = time.monotonic()
            answer = rosa.verify(secret)
            took = time.monotonic() - started
            assert_unavailable(answer)
            assert took >= SHORT_BUSY_TIMEOUT_MS / 1000 * 0.9
            # Reading still works on a locked file (WAL): the decision stays "verify".
            assert_sent_to(rosa, "/2fa/verify")

        # The code of that step was used up; the next one works now the file is free.
        embedded.clock.advance(30)
        assert rosa.verify(secret).status_code == 303
        assert DASHBOARD in rosa.get("/").text


def test_with_the_sqlite_file_locked_for_a_moment_the_guard_waits_and_then_answers(
    embedded: Parts,
) -> None:
    """Within the busy timeout the guard waits for the lock: no 503, and no pass before."""
    assert HOLD_SECONDS * 1000 < sql_store.SQLITE_BUSY_TIMEOUT_MS
    with browser(embedded.app(), embedded.clock) as rosa:
        secret = at_the_code_prompt(rosa, "rosa")
        with locked(sqlite_file(embedded)) as holder, ThreadPoolExecutor(max_workers=1) as pool:
            waiting = pool.submit(rosa.verify, secret)
            time.sleep(HOLD_SECONDS)
            assert not waiting.done(), "the guard answered while the database was locked"
            holder.execute("ROLLBACK")
            answer = waiting.result(timeout=sql_store.SQLITE_BUSY_TIMEOUT_MS / 1000)
        assert answer.status_code == 303, answer.text
        assert DASHBOARD in rosa.get("/").text
