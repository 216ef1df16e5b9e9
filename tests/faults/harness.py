"""The parts a fault test breaks on purpose: a Redis server of its own and a TCP relay.

``RedisServer`` runs a real ``redis-server`` on a free loopback port, so a test can stop
it and start it again on the same port without touching the Redis other tests share.
``Relay`` stands between the guard and a real server: it can hold every packet back
(a slow network) or cut every connection and refuse new ones (the server is gone),
and come back on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx2 as httpx
import pytest

from nextens_guard.store.base import AuditRecord, EnrollmentRecord
from nextens_guard.store.sql import SQLStore
from tests.ports import LOOPBACK, owned_port
from tests.support import Browser, Parts, location

__all__ = [
    "DASHBOARD",
    "JSON",
    "LOOPBACK",
    "UNAVAILABLE",
    "RedisServer",
    "Relay",
    "assert_sent_to",
    "assert_unavailable",
    "at_the_code_prompt",
    "closed_port",
    "drop_tables",
    "enrollment_of",
    "events_of",
    "with_store",
    "within",
]

# The example app's protected page, and the guard's 503 page.
DASHBOARD = 'data-app-page="dashboard"'
UNAVAILABLE = "Tijdelijk niet beschikbaar"
JSON = {"accept": "application/json"}
_T = TypeVar("_T")


def closed_port() -> int:
    """A loopback port where a connection is refused at once: a part that is down."""
    return owned_port()


def within(seconds: float, predicate: Callable[[], bool], *, pause: float = 0.05) -> bool:
    """Whether ``predicate`` holds at some moment within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)


class RedisServer:
    """A ``redis-server`` of the test's own, without persistence, on one loopback port.

    A missing binary fails the test: a fault test that cannot break Redis proves nothing.
    """

    def __init__(self, log_path: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed; the fault tests need the binary")
        self._binary = binary
        self._log_path = log_path
        self.port = owned_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, *, timeout: float = 10.0) -> None:
        if self.running:
            return
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - a fixed command line
                [
                    self._binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    LOOPBACK,
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while not self._answers_ping():
            if self._process.poll() is not None or time.monotonic() >= deadline:
                self.stop()
                log_text = self._log_path.read_text(errors="replace")[-2000:]
                pytest.fail(f"redis-server did not answer PING on port {self.port}:\n{log_text}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Kill the server, as a crash would: no goodbye to its clients."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection((LOOPBACK, self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(64).startswith(b"+PONG")
        except OSError:
            return False


class Relay:
    """A TCP relay on a loopback port in front of a server at ``upstream_port``.

    ``delay`` holds every chunk back that many seconds (in order, per direction); it may
    change while connections are open. :meth:`cut` drops every connection and stops
    listening, as when the server behind it is gone; :meth:`restore` listens again on the
    same port. :meth:`close` must be called at the end.
    """

    def __init__(
        self, upstream_port: int, *, upstream_host: str = LOOPBACK, delay: float = 0.0
    ) -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.delay = delay
        self.port = owned_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fault relay", daemon=True
        )
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.restore()

    def restore(self) -> None:
        self._call(self._listen())

    def cut(self) -> None:
        self._call(self._cut())

    def close(self) -> None:
        try:
            self.cut()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def _call(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._handle, LOOPBACK, self.port, reuse_address=True
            )

    async def _cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        handlers = list(self._handlers)
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    async def _handle(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        upstream: asyncio.StreamWriter | None = None
        try:
            upstream_reader, upstream = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
            await asyncio.gather(
                self._pump(client_reader, upstream), self._pump(upstream_reader, client)
            )
        except OSError:
            pass
        finally:
            self._handlers.discard(task)
            for writer in (client, upstream):
                if writer is not None:
                    writer.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy one direction, each chunk ``delay`` seconds after it arrived."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

        async def read() -> None:
            try:
                while chunk := await reader.read(65536):
                    queue.put_nowait((loop.time(), chunk))
            except OSError:
                pass
            finally:
                queue.put_nowait(None)

        reading = asyncio.create_task(read())
        try:
            while (item := await queue.get()) is not None:
                arrived, chunk = item
                wait = arrived + self.delay - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(chunk)
                await writer.drain()
        except OSError:
            pass
        finally:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading
            # One side is done: the other one hears it at once, as through a real cable.
            writer.transport.abort()


def with_store(parts: Parts, work: Callable[[SQLStore], Coroutine[Any, Any, _T]]) -> _T:
    """Run ``work`` on a store of its own: another process reading or writing the database."""

    async def run() -> _T:
        store = SQLStore.from_url(parts.database_url, table_prefix=parts.table_prefix)
        try:
            return await work(store)
        finally:
            await store.close()

    return anyio.run(run)


def enrollment_of(parts: Parts, user_id: str) -> EnrollmentRecord | None:
    return with_store(parts, lambda store: store.get_enrollment(user_id))


def events_of(parts: Parts, office_id: str) -> list[AuditRecord]:
    async def read(store: SQLStore) -> list[AuditRecord]:
        return list(await store.recent_events(office_ids=[office_id], limit=200))

    return with_store(parts, read)


def drop_tables(parts: Parts) -> None:
    """Drop the test's tables; the Redis keys go with the test's own server."""
    replace(parts, redis_url=None).cleanup()


# What a person at the browser sees.


def assert_unavailable(answer: httpx.Response) -> None:
    """The guard's 503 page: clear, retryable, no app content and no stack trace."""
    assert answer.status_code == 503, answer.text
    assert UNAVAILABLE in answer.text
    assert DASHBOARD not in answer.text
    assert "Traceback" not in answer.text
    assert answer.headers["retry-after"]


def assert_sent_to(person: Browser, step: str) -> None:
    """The next request for the dashboard goes to ``step``, as a page and as JSON."""
    page = person.get("/")
    assert page.status_code == 303, page.text
    assert location(page).startswith(step)
    assert DASHBOARD not in page.text
    api = person.get("/", headers=JSON)
    assert api.status_code == 401, api.text
    assert api.json()["url"].startswith(step)


def at_the_code_prompt(person: Browser, username: str) -> str:
    """Enroll ``username``, log out and in again: the code prompt waits. Their secret."""
    person.login(username)
    secret, _ = person.enroll()
    person.post("/logout")
    person.login(username)
    assert location(person.get("/")).startswith("/2fa/verify")
    return secret
