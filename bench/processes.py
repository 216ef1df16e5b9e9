"""Real example-app processes on one PostgreSQL database and one Redis, and people using them.

The soak test, the tests in ``tests/processes`` and ``python -m bench.reach`` all start
``python -m example_app`` twice, the way a deployment runs several app servers, and talk
to both over HTTP like browsers. What they share lives here, in a module of the
benchmarks, because a benchmark must not import the test suite.

Isolation. ``python -m example_app`` has no option for a table prefix or a Redis key
prefix: it always uses the guard's default tables and keys. So each run gets

- a PostgreSQL database of its own, created through the ``postgres`` maintenance
  database of the server and dropped (with ``FORCE``) afterwards;
- a Redis database number of its own kind (the soak 13, the process tests 12, the reach
  benchmark 11), flushed before and after.

Redis pub/sub ignores database numbers: every process started here publishes and hears
invalidations on the same channel, ``nextens_guard:invalidate``, whatever database it
uses. A message from another run would make a process drop cached state it was never
told to drop, and so hide a message that got lost. Every run of these processes on one
machine therefore holds one exclusive lock (:func:`exclusive`) while its processes run,
and a second run waits for it.

Each process connects to Redis under a client name of its own (``client_name`` in the
URL), so a test can find that process's connections in ``CLIENT LIST``.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx2 as httpx
import pyotp
import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from example_app.demo_data import DEMO_PASSWORD
from example_app.secrets_file import KEY_FILE_NAME

__all__ = [
    "CLIENT_LIMITS",
    "AppPair",
    "AppProcess",
    "Person",
    "Phone",
    "app_pair",
    "database_url_for",
    "exclusive",
    "redis_database",
    "scratch_database",
    "time_until",
    "wrong_code",
]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 30.0
# uvicorn names the port it bound when asked for port 0.
_LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
STOP_TIMEOUT_SECONDS = 10.0
# A client drops a connection idle this long before uvicorn (5 s, its default
# timeout_keep_alive) closes it: a request sent on a connection the server is closing
# at that moment fails with a ReadError, which a browser would retry and httpx does not.
KEEPALIVE_EXPIRY_SECONDS = 2.0
CLIENT_LIMITS = httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS)
# Longer than a soak run with its set-up, so a waiting run gets its turn.
LOCK_TIMEOUT_SECONDS = 240.0
LOCK_FILE = Path(tempfile.gettempdir()) / "nextens_guard_example_app_processes.lock"
REQUEST_TIMEOUT_SECONDS = 20.0
STEP_SECONDS = 30
# A code for the step before the current one is typed only this long before the next
# step begins: after that it would be two steps old when it arrives.
PREVIOUS_STEP_MARGIN_SECONDS = 5.0
# How far the guard looks for a code typed on a phone whose clock is off; a wrong code
# must match none of these steps, or it would burn a future code.
DRIFT_STEPS = 10

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# What a browser sends on a navigation: only a client asking for HTML is redirected to
# the guard's pages; any other gets the JSON answer.
BROWSER_HEADERS = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
_SECRET = re.compile(r'data-totp-secret="([A-Z2-7]+)"')
_RESET_CODE = re.compile(r'data-reset-code="([0-9A-Z]+)"')


# The processes


@dataclass
class AppProcess:
    """One ``python -m example_app`` process, its address, Redis client name and log."""

    index: int
    port: int
    client_name: str
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
    """Example-app processes on one database and one Redis."""

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


def with_client_name(redis_url: str, name: str) -> str:
    parts = urlsplit(redis_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "client_name"]
    query.append(("client_name", name))
    return urlunsplit(parts._replace(query=urlencode(query)))


def start_app(
    index: int, workdir: Path, database_url: str, redis_url: str, *, client_name: str
) -> AppProcess:
    """Start one process; the first one (``index`` 0) recreates the demo data.

    It binds port 0 and names the port it got in its log: a port picked free beforehand
    can be taken before the process binds it.
    """
    args = [
        sys.executable,
        "-m",
        "example_app",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--database-url",
        database_url,
        "--redis-url",
        with_client_name(redis_url, client_name),
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
    return AppProcess(index, 0, client_name, log_path, process, log_file)


def wait_until_serving(app: AppProcess) -> None:
    """Learn the port ``app`` bound from its log, then wait until it serves ``/login``."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS

    def give_up(what: str) -> RuntimeError:
        return RuntimeError(
            f"app process {app.index} {what} within {START_TIMEOUT_SECONDS:.0f} s:\n"
            + app.log_text()[-4000:]
        )

    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            if app.process.poll() is not None:
                raise RuntimeError(
                    f"app process {app.index} exited with {app.process.returncode}:\n"
                    + app.log_text()[-4000:]
                )
            if not app.port:
                found = _LISTENING.search(app.log_text())
                app.port = int(found.group(1)) if found else 0
            if app.port:
                try:
                    if client.get(f"{app.base_url}/login").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
            if time.monotonic() > deadline:
                raise give_up("did not serve /login" if app.port else "named no port")
            time.sleep(0.1)


@contextmanager
def app_pair(
    workdir: Path, database_url: str, redis_url: str, *, count: int = 2, name: str = "app"
) -> Iterator[AppPair]:
    """``count`` processes on free loopback ports, all stopped on the way out.

    They run in one folder, so the later ones read the development keys the first one
    generated: sessions, form tokens and ciphertexts are valid on every one. Each starts
    once the one before serves ``/login``; only the first recreates the demo data, since
    doing so under a running process is not what another app server does.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    pair = AppPair(workdir=workdir, database_url=database_url, redis_url=redis_url)
    try:
        for index in range(count):
            app = start_app(index, workdir, database_url, redis_url, client_name=f"{name}{index}")
            pair.processes.append(app)
            wait_until_serving(app)
        yield pair
    finally:
        errors: list[BaseException] = []
        for app in pair.processes:
            try:
                app.stop()
            except Exception as exc:  # stop the others all the same
                errors.append(exc)
        if errors:
            raise errors[0]


# The database and Redis of one run


def database_url_for(postgres_url: str, database: str, *, driver: str = "postgresql") -> str:
    url = make_url(postgres_url).set(drivername=driver, database=database)
    return url.render_as_string(hide_password=False)


async def _admin(postgres_url: str, statement: str) -> None:
    """Run one statement on the ``postgres`` maintenance database, outside a transaction."""
    engine = create_async_engine(
        database_url_for(postgres_url, "postgres", driver="postgresql+asyncpg"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"timeout": 10},
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@contextmanager
def scratch_database(postgres_url: str, name: str) -> Iterator[str]:
    """A PostgreSQL database of this run's own, dropped on the way out; its URL.

    Blocking: call it where no event loop runs (a fixture, a worker thread).
    """
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain database name: {name!r}")
    asyncio.run(_admin(postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        yield database_url_for(postgres_url, name)
    finally:
        asyncio.run(_admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def exclusive(path: Path = LOCK_FILE, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """An exclusive lock on ``path`` among the processes of this machine."""
    with path.open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"another run held {path} for {timeout:.0f} s") from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _flush(url: str) -> None:
    client = redis.Redis.from_url(url, socket_timeout=10)
    try:
        client.flushdb()
    finally:
        client.close()


@contextmanager
def redis_database(redis_url: str, number: int) -> Iterator[str]:
    """Database ``number`` of the Redis behind ``redis_url``, flushed before and after, under
    the lock every run of example-app processes holds (see the module's doc); its URL.

    A ``redis_url`` that itself names ``number`` fails: that database belongs to the
    tests that use it with key prefixes, and a flush would wipe their keys.
    """
    parts = urlsplit(redis_url)
    if parts.path.strip("/") == str(number):
        raise RuntimeError(f"REDIS_URL uses database {number}, which this run flushes")
    url = urlunsplit(parts._replace(path=f"/{number}"))
    with exclusive():
        _flush(url)
        try:
            yield url
        finally:
            _flush(url)


# People at a browser


def current_step() -> int:
    return int(time.time() // STEP_SECONDS)


def wrong_code(secret: str) -> str:
    """A code that is wrong now and matches no step the clock-drift hint looks at."""
    totp = pyotp.TOTP(secret)
    now = current_step()
    near = {
        totp.at((now + offset) * STEP_SECONDS)
        for offset in range(-DRIFT_STEPS - 2, DRIFT_STEPS + 3)
    }
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        if code not in near:
            return code


class Phone:
    """The authenticator app of everyone in a run, and the codes they already spent.

    The guard takes a code for the step before, the current or the next one, and each
    step once per user. A code asked for here is for the earliest step of those the user
    has not spent yet; when all three are spent, it waits for the clock.
    """

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self._last_step: dict[str, int] = {}

    def code(self, username: str) -> str:
        secret = self.secrets[username]
        while True:
            now = time.time()
            step = int(now // STEP_SECONDS)
            left = (step + 1) * STEP_SECONDS - now
            first = step - 1 if left > PREVIOUS_STEP_MARGIN_SECONDS else step
            for candidate in range(first, step + 2):
                if candidate > self._last_step.get(username, -1):
                    self._last_step[username] = candidate
                    return str(pyotp.TOTP(secret).at(candidate * STEP_SECONDS))
            time.sleep(left + 0.05)

    def forget_spent(self, username: str) -> None:
        """The guard forgot which codes the user spent (an admin reset does so)."""
        self._last_step.pop(username, None)


class Person:
    """One user at one browser, talking to one process; redirects are not followed."""

    def __init__(self, base_url: str, username: str, phone: Phone) -> None:
        self.username = username
        self.phone = phone
        self.client = httpx.Client(
            base_url=base_url,
            limits=CLIENT_LIMITS,
            timeout=REQUEST_TIMEOUT_SECONDS,
            follow_redirects=False,
            trust_env=False,
            headers=BROWSER_HEADERS,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Person:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def login(self, password: str = DEMO_PASSWORD) -> httpx.Response:
        answer = self.submit("/login", username=self.username, password=password)
        if answer.status_code != 303:
            raise AssertionError(f"{self.username} could not log in: {answer.status_code}")
        return answer

    def submit(self, path: str, **fields: str) -> httpx.Response:
        """Post the form of ``path`` with its own form token, as a browser would."""
        page = self.client.get(path)
        match = _CSRF.search(page.text)
        if match is None:
            raise AssertionError(f"no form token on {path} ({page.status_code})")
        return self.client.post(path, data={"csrf_token": match.group(1), **fields})

    def first_stop(self) -> str:
        """Where the home page takes this person: ``app``, or the guard page sent to."""
        answer = self.client.get("/")
        if answer.status_code == 200 and 'data-app-page="dashboard"' in answer.text:
            return "app"
        if answer.status_code == 303:
            return urlsplit(answer.headers["location"]).path
        raise AssertionError(f"unexpected answer on /: {answer.status_code}")

    def _scan(self, path: str) -> str:
        page = self.client.get(path)
        match = _SECRET.search(page.text)
        if match is None:
            raise AssertionError(f"no key on {path} ({page.status_code})")
        secret = match.group(1)
        self.phone.secrets[self.username] = secret
        return secret

    def _expect(self, answer: httpx.Response, status: int, what: str) -> None:
        if answer.status_code != status:
            raise AssertionError(
                f"{self.username}: {what} answered {answer.status_code}, not {status}: "
                f"{answer.text[:300]!r}"
            )

    def enroll(self) -> str:
        """Walk the enrollment steps with a phone; the user's reset code."""
        self._expect(self.client.get("/2fa/enroll"), 200, "the enrollment")
        scan = self.client.get("/2fa/enroll/scan")
        if scan.status_code == 303 and scan.headers["location"].startswith("/2fa/enroll/password"):
            # This login began before the user's last reset: the password comes first.
            answer = self.submit("/2fa/enroll/password", password=DEMO_PASSWORD)
            self._expect(answer, 303, "the enrollment's password")
        self._scan("/2fa/enroll/scan")
        answer = self.submit("/2fa/enroll/code", code=self.phone.code(self.username))
        self._expect(answer, 303, "the enrollment code")
        finish = self.client.get("/2fa/enroll/finish")
        match = _RESET_CODE.search(finish.text)
        if match is None:
            raise AssertionError(f"no reset code on the finish page ({finish.status_code})")
        self._expect(self.submit("/2fa/enroll/finish"), 303, "Activeren")
        return match.group(1)

    def verify(self) -> httpx.Response:
        return self.submit("/2fa/verify", code=self.phone.code(self.username))

    def activate_office(self) -> None:
        """The activation wizard's five steps, up to the final "Activeren" click."""
        self._expect(self.client.get("/2fa/office/activate"), 200, "the wizard")
        self._scan("/2fa/office/activate/scan")
        answer = self.submit("/2fa/office/activate/password", password=DEMO_PASSWORD)
        self._expect(answer, 303, "the wizard's password")
        answer = self.submit("/2fa/office/activate/code", code=self.phone.code(self.username))
        self._expect(answer, 303, "the wizard's code")
        self._expect(self.submit("/2fa/office/activate/finish"), 303, "Activeren")

    def deactivate_office(self) -> None:
        answer = self.submit("/2fa/office/deactivate", password=DEMO_PASSWORD)
        self._expect(answer, 303, "the deactivation")

    def reset_user(self, username: str) -> None:
        """Reset a colleague from their profile, through the confirmation step."""
        self._expect(self.submit(f"/2fa/users/{username}/reset"), 303, "the reset")
        # The guard forgets the user's spent codes with their enrollment.
        self.phone.forget_spent(username)


def time_until(
    reflected: Callable[[], bool], *, timeout: float, interval: float = 0.01
) -> float | None:
    """Seconds until ``reflected()`` first holds, asking every ``interval``; None if not
    within ``timeout``. The time counts up to the answer that showed it."""
    started = time.monotonic()
    while True:
        if reflected():
            return time.monotonic() - started
        if time.monotonic() - started >= timeout:
            return None
        time.sleep(interval)
