"""What the end-to-end tests share: a settable clock, the example app on real parts, a browser."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2 as httpx
import pyotp
import redis
from starlette.testclient import TestClient

from example_app.app import ExampleApp, build_app
from example_app.demo_data import DEMO_PASSWORD
from example_app.secrets_file import DevSecrets
from nextens_guard.store.sql import SQLStore

_counter = itertools.count()


class FakeClock:
    """The guard's clock for TOTP windows; it starts at the real time and moves when told."""

    def __init__(self) -> None:
        self.now = float(int(time.time() // 30 * 30) + 5)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Parts:
    """Where one test's app keeps its state: embedded (SQLite, in-process) or shared."""

    kind: str
    database_url: str
    redis_url: str | None
    table_prefix: str
    key_prefix: str
    secrets: DevSecrets = field(default_factory=DevSecrets.generate)
    clock: FakeClock = field(default_factory=FakeClock)

    def guard_options(self, **options: Any) -> dict[str, Any]:
        """An example app's guard options for this test's tables, keys and clock."""
        return {
            "table_prefix": self.table_prefix,
            "key_prefix": self.key_prefix,
            "clock": self.clock,
            **options,
        }

    def app(self, **options: Any) -> ExampleApp:
        return build_app(
            database_url=self.database_url,
            redis_url=self.redis_url,
            secrets=self.secrets,
            guard_options=self.guard_options(**options),
        )

    def cleanup(self) -> None:
        async def drop() -> None:
            store = SQLStore.from_url(self.database_url, table_prefix=self.table_prefix)
            try:
                await store.drop()
            finally:
                await store.close()

        anyio.run(drop)
        if self.redis_url:
            client = redis.Redis.from_url(self.redis_url)
            try:
                keys = list(client.scan_iter(match=f"{{{self.key_prefix}}}*", count=1000))
                keys += list(client.scan_iter(match=f"{self.key_prefix}*", count=1000))
                if keys:
                    client.delete(*keys)
            finally:
                client.close()


def make_parts(
    kind: str, *, run_id: str, tmp_path: Path, database_url: str, redis_url: str
) -> Parts:
    n = next(_counter)
    if kind == "embedded":
        return Parts(
            kind=kind,
            database_url=f"sqlite:///{tmp_path / 'guard.sqlite3'}",
            redis_url=None,
            table_prefix="nextens_guard_",
            key_prefix="nextens_guard",
        )
    return Parts(
        kind=kind,
        database_url=database_url,
        redis_url=redis_url,
        table_prefix=f"ngt_{run_id}_{n}_",
        key_prefix=f"ngtest:{run_id}:{n}",
    )


# What a browser sends on a navigation: it asks for HTML, so the guard may redirect it.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SECRET = re.compile(r'data-totp-secret="([A-Z2-7]+)"')
_RESET_CODE = re.compile(r'data-reset-code="([0-9A-Z]+)"')


class Browser:
    """A person at a browser: follows nothing by itself, so tests see every redirect."""

    def __init__(self, client: TestClient, clock: FakeClock) -> None:
        self.client = client
        self.clock = clock

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, **kwargs)

    def login(
        self, username: str, password: str = DEMO_PASSWORD, next_url: str = "/"
    ) -> httpx.Response:
        fields = {"username": username, "password": password}
        # The example's login form carries a token; the bare test host's login has no form.
        page = self.client.get("/login")
        if (token := _CSRF.search(page.text)) is not None:
            fields["csrf_token"] = token.group(1)
        return self.client.post("/login", params={"next": next_url}, data=fields)

    def csrf_token(self, path: str) -> str:
        page = self.client.get(path)
        match = _CSRF.search(page.text)
        assert match, f"no form token on {path} ({page.status_code})"
        return match.group(1)

    def submit(self, path: str, **fields: str) -> httpx.Response:
        return self.client.post(path, data={"csrf_token": self.csrf_token(path), **fields})

    def code(self, secret: str, *, offset_steps: int = 0) -> str:
        return pyotp.TOTP(secret).at(self.clock.now + 30 * offset_steps)

    def scan(self, password: str = DEMO_PASSWORD) -> str:
        """The key on the scan page; the password first, when this login must show it
        (it began before the user's last reset, recovery or deactivation)."""
        if location(self.client.get("/2fa/enroll/scan")).startswith("/2fa/enroll/password"):
            answer = self.submit("/2fa/enroll/password", password=password)
            assert answer.status_code == 303, answer.text
        return self.scan_at("/2fa/enroll/scan")

    def scan_at(self, path: str) -> str:
        page = self.client.get(path)
        match = _SECRET.search(page.text)
        assert match, f"no key on the scan page ({page.status_code})"
        return match.group(1)

    def enroll(self) -> tuple[str, str]:
        """Walk the enrollment steps like a user with a phone; the secret and reset code."""
        assert self.client.get("/2fa/enroll").status_code == 200
        secret = self.scan()
        answer = self.submit("/2fa/enroll/code", code=self.code(secret))
        assert answer.status_code == 303, answer.text
        finish = self.client.get("/2fa/enroll/finish")
        match = _RESET_CODE.search(finish.text)
        assert match, "no reset code on the finish page"
        done = self.submit("/2fa/enroll/finish")
        assert done.status_code == 303, done.text
        # The codes of this step are used now; the next code comes 30 s later.
        self.clock.advance(30)
        return secret, match.group(1)

    def verify(self, secret: str) -> httpx.Response:
        return self.submit("/2fa/verify", code=self.code(secret))


@contextmanager
def browser(
    app: ExampleApp, clock: FakeClock, *, beside: Browser | None = None
) -> Iterator[Browser]:
    """A browser on ``app``; ``beside`` another browser on the same app, a second person
    on the same running process (one event loop, as in a real server)."""
    headers = {"accept": BROWSER_ACCEPT}
    if beside is None:
        with TestClient(app, follow_redirects=False, headers=headers) as client:
            yield Browser(client, clock)
        return
    client = TestClient(app, follow_redirects=False, headers=headers)
    client.portal = beside.client.portal
    try:
        yield Browser(client, clock)
    finally:
        client.close()


def location(response: httpx.Response) -> str:
    return response.headers.get("location", "")


def sent_within(person: Browser, step: str, *, seconds: float = 1.0) -> bool:
    """Whether ``person``'s next requests to the app are sent to ``step`` within ``seconds``.

    What another process publishes arrives a moment later, never at once.
    """
    deadline = time.monotonic() + seconds
    while True:
        if location(person.get("/")).startswith(step):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
