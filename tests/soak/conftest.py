"""The soak test's set-up: two real example-app processes sharing PostgreSQL and Redis.

Isolation. ``python -m example_app`` has no option for a table prefix or a Redis key
prefix: it always uses the guard's default tables (``nextens_guard_*``) and keys
(``{nextens_guard}:*``). A soak run therefore gets

- a PostgreSQL database of its own, ``ngsoak_<run id>``, created through the
  ``postgres`` maintenance database of the server behind the ``postgres_url``
  fixture, and dropped (with ``FORCE``) at teardown, after both processes stopped;
- Redis database number 13 (``SOAK_REDIS_DB``) on the server behind the ``redis_url``
  fixture. No other test uses it: they all work in the database of ``REDIS_URL``
  (0 by default) under a key prefix of their own. Database 13 is flushed before and
  after the run. Two soak runs at the same time would collide there, so a run holds
  an exclusive lock on a file in the temporary folder while it uses the database, and
  a second run on the same machine waits for it. A ``REDIS_URL`` that itself names
  database 13 fails the run.

Both processes run in one temporary folder, so the second reads the development keys
(``nextens_guard_dev.key``) the first one generated: sessions, form tokens and
ciphertexts are valid on either. The first starts with ``--fresh``; the second starts
once the first serves ``/login`` and without ``--fresh``, since recreating the demo
data under a running process is not what a second app server does.

Nothing is skipped: a missing PostgreSQL or Redis fails the run.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import httpx2 as httpx
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from example_app.secrets_file import KEY_FILE_NAME

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SOAK_REDIS_DB = 13
DEFAULT_SOAK_SECONDS = 45.0
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
# Longer than a whole soak run with its set-up, so a waiting run gets its turn.
LOCK_TIMEOUT_SECONDS = 240.0
LOCK_FILE = Path(tempfile.gettempdir()) / f"nextens_guard_soak_redis{SOAK_REDIS_DB}.lock"


@dataclass
class AppProcess:
    """One ``python -m example_app`` process, its address and its log."""

    index: int
    port: int
    log_path: Path
    process: subprocess.Popen[bytes]
    log_file: IO[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self.log_file.close()


@dataclass
class AppPair:
    """The two app processes of a soak run, on one database and one Redis."""

    workdir: Path
    database_url: str
    redis_url: str
    processes: list[AppProcess] = field(default_factory=list)

    @property
    def base_urls(self) -> list[str]:
        return [process.base_url for process in self.processes]

    @property
    def key_file(self) -> Path:
        return self.workdir / KEY_FILE_NAME


@pytest.fixture
def soak_seconds() -> float:
    """How long the simulated users work: ``SOAK_SECONDS`` or 45 s."""
    raw = os.environ.get("SOAK_SECONDS", "").strip()
    seconds = float(raw) if raw else DEFAULT_SOAK_SECONDS
    if not 1 <= seconds <= 600:
        raise ValueError("SOAK_SECONDS must lie between 1 and 600")
    return seconds


def _database_url(postgres_url: str, database: str, *, driver: str = "postgresql") -> str:
    url = make_url(postgres_url).set(drivername=driver, database=database)
    return url.render_as_string(hide_password=False)


async def _admin(postgres_url: str, statement: str) -> None:
    """Run one statement on the ``postgres`` maintenance database, outside a transaction."""
    engine = create_async_engine(
        _database_url(postgres_url, "postgres", driver="postgresql+asyncpg"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"timeout": 10},
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
def soak_database_url(postgres_url: str, run_id: str) -> Iterator[str]:
    """A PostgreSQL database of this run's own, dropped at teardown."""
    name = f"ngsoak_{run_id}"
    asyncio.run(_admin(postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        yield _database_url(postgres_url, name)
    finally:
        asyncio.run(_admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _exclusive(path: Path, timeout: float) -> Iterator[None]:
    """An exclusive lock on ``path`` among the processes of this machine."""
    with path.open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"another soak run held {path} for {timeout:.0f} s"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture
def soak_redis_url(redis_url: str) -> Iterator[str]:
    """Redis database 13 of the test Redis, flushed before and after (see the module doc)."""
    parts = urlsplit(redis_url)
    if parts.path.strip("/") == str(SOAK_REDIS_DB):
        raise RuntimeError(f"REDIS_URL uses database {SOAK_REDIS_DB}, which the soak test flushes")
    url = urlunsplit(parts._replace(path=f"/{SOAK_REDIS_DB}"))

    def flush() -> None:
        client = redis.Redis.from_url(url, socket_timeout=10)
        try:
            client.flushdb()
        finally:
            client.close()

    with _exclusive(LOCK_FILE, LOCK_TIMEOUT_SECONDS):
        flush()
        try:
            yield url
        finally:
            flush()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start(index: int, workdir: Path, database_url: str, redis_url: str) -> AppProcess:
    port = _free_port()
    args = [
        sys.executable,
        "-m",
        "example_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database-url",
        database_url,
        "--redis-url",
        redis_url,
    ]
    if index == 0:
        args.append("--fresh")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if part
    )
    log_path = workdir / f"app{index}.log"
    log_file = log_path.open("wb")
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            args, cwd=workdir, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    except BaseException:
        log_file.close()
        raise
    return AppProcess(index, port, log_path, process, log_file)


def _wait_until_serving(app: AppProcess) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            if app.process.poll() is not None:
                raise RuntimeError(
                    f"app process {app.index} exited with {app.process.returncode}:\n"
                    + app.log_text()[-4000:]
                )
            try:
                if client.get(f"{app.base_url}/login").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"app process {app.index} did not serve /login within "
                    f"{START_TIMEOUT_SECONDS:.0f} s:\n" + app.log_text()[-4000:]
                )
            time.sleep(0.1)


@pytest.fixture
def app_pair(tmp_path: Path, soak_database_url: str, soak_redis_url: str) -> Iterator[AppPair]:
    """Two app processes on two free loopback ports; both are stopped at teardown.

    Depends on the database and Redis fixtures, so pytest stops the processes before
    it drops the database and flushes Redis.
    """
    workdir = tmp_path / "apps"
    workdir.mkdir()
    pair = AppPair(workdir=workdir, database_url=soak_database_url, redis_url=soak_redis_url)
    try:
        for index in range(2):
            app = _start(index, workdir, soak_database_url, soak_redis_url)
            pair.processes.append(app)
            _wait_until_serving(app)
        yield pair
    finally:
        errors: list[BaseException] = []
        for app in pair.processes:
            try:
                app.stop()
            except Exception as exc:  # stop the other one all the same
                errors.append(exc)
        if errors:
            raise errors[0]
