"""Two real example-app processes on one PostgreSQL database and one Redis, per test.

The processes are started by ``bench.processes`` (see its doc for how runs stay apart).
Each test gets a database of its own, ``ngproc_<run id>_<n>``, dropped afterwards, and
Redis database 12 (``PROCESSES_REDIS_DB``), flushed before and after; the soak test
uses 13 and every other test the database of ``REDIS_URL`` under a key prefix. Nothing
is skipped: a missing PostgreSQL or Redis fails the test.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from bench.processes import (
    AppPair,
    Person,
    Phone,
    app_pair,
    redis_database,
    scratch_database,
)

PROCESSES_REDIS_DB = 12
A, B = 0, 1
_numbers = itertools.count(1)
_SERVER_ERROR_LINE = re.compile(r'" 5\d\d ')


@dataclass
class Apps:
    """The two processes of one test, and the people at browsers talking to them."""

    pair: AppPair
    redis_url: str
    phone: Phone = field(default_factory=Phone)
    people: list[Person] = field(default_factory=list)

    def person(self, username: str, *, on: int) -> Person:
        """``username`` at a browser of their own, on process ``on`` (A or B)."""
        person = Person(self.pair.base_urls[on], username, self.phone)
        self.people.append(person)
        return person

    def subscriptions(self, on: int) -> list[int]:
        """The ids of the Redis connections process ``on`` holds a subscription on."""
        name = self.pair.processes[on].client_name
        client = redis.Redis.from_url(self.redis_url, socket_timeout=10)
        try:
            return [
                int(entry["id"])
                for entry in client.client_list(_type="pubsub")
                if entry.get("name") == name
            ]
        finally:
            client.close()

    def drop_subscriptions(self, on: int) -> int:
        """Close process ``on``'s subscriptions from the Redis side; how many there were."""
        client = redis.Redis.from_url(self.redis_url, socket_timeout=10)
        try:
            ids = self.subscriptions(on)
            for connection_id in ids:
                client.client_kill_filter(_id=str(connection_id))
            return len(ids)
        finally:
            client.close()

    def problems_in_logs(self) -> list[str]:
        problems = []
        for app in self.pair.processes:
            log = app.log_text()
            for needle in ("Traceback", "ERROR"):
                if needle in log:
                    problems.append(f"app{app.index}'s log has {needle!r}:\n{log[-3000:]}")
            if _SERVER_ERROR_LINE.search(log):
                problems.append(f"app{app.index}'s access log shows a 5xx:\n{log[-3000:]}")
        return problems


@pytest.fixture
def apps(tmp_path: Path, postgres_url: str, redis_url: str, run_id: str) -> Iterator[Apps]:
    """Processes A and B; stopped, their database dropped and Redis flushed at teardown.

    A process that logged an error or answered with a 5xx fails the test at teardown.
    """
    n = next(_numbers)
    with ExitStack() as stack:
        shared_redis = stack.enter_context(redis_database(redis_url, PROCESSES_REDIS_DB))
        database = stack.enter_context(scratch_database(postgres_url, f"ngproc_{run_id}_{n}"))
        pair = stack.enter_context(
            app_pair(tmp_path / "apps", database, shared_redis, name=f"ngproc-{run_id}-{n}-")
        )
        found = Apps(pair=pair, redis_url=shared_redis)
        try:
            yield found
        finally:
            for person in found.people:
                person.close()
        problems = found.problems_in_logs()
        assert not problems, "\n".join(problems)
