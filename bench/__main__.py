"""``python -m bench``: a verified request through the guard vs the same app without it.

Both apps are the example app behind the same SessionMiddleware, called in-process
as ASGI apps with the same session cookie, in alternating rounds so that neither
side gets a warmer machine. Prints medians and the ratio, and counts the store,
Redis and backend calls the guarded side made during the measured requests.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
from itsdangerous import TimestampSigner
from starlette.types import ASGIApp, Message

from example_app.app import build_app
from example_app.secrets_file import DevSecrets
from nextens_guard.guard import Guard

USER = "rosa"


def session_cookie(secret: str, data: dict[str, Any]) -> bytes:
    """The cookie Starlette's SessionMiddleware would set for ``data``."""
    payload = base64.b64encode(json.dumps(data).encode("utf-8"))
    return b"session=" + TimestampSigner(secret).sign(payload)


async def call(app: ASGIApp, cookie: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"cookie", cookie)],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    status = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def enroll(guard: Guard) -> int:
    """Enroll the bench user through the services, as the pages would."""
    await guard.startup()
    now = datetime.now(UTC)
    await guard.store.set_offices_active(["rotterdam"], active=True, actor_id=None, now=now)
    user = await guard.backend.get_user(USER)
    assert user is not None
    owner = "bench"
    pending = await guard.enrollment.begin(user, owner, "127.0.0.1")
    code = pyotp.TOTP(pending.secret).now()
    attempt = await guard.enrollment.check_code(user, owner, code, "127.0.0.1")
    assert attempt.accepted, attempt
    generation = await guard.enrollment.finish(user, owner, "127.0.0.1")
    assert generation is not None
    return generation


class Counting:
    """Counts awaited calls on a real object, passing every call through."""

    def __init__(self, target: Any, skip: tuple[str, ...] = ()) -> None:
        self._target = target
        self._skip = skip
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute) or name in self._skip or name.startswith("_"):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return attribute(*args, **kwargs)

        return counted


async def measure(app: ASGIApp, cookie: bytes, requests: int) -> float:
    start = time.perf_counter()
    for _ in range(requests):
        await call(app, cookie)
    return (time.perf_counter() - start) / requests


async def main(rounds: int, requests: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="nextens-guard-bench-"))
    secrets = DevSecrets.generate()
    database_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    bare = build_app(database_url=database_url, secrets=secrets, guard=False)
    guarded = build_app(database_url=database_url, secrets=secrets)
    guard = guarded.guard
    assert guard is not None
    generation = await enroll(guard)

    bare_cookie = session_cookie(secrets.session_secret, {"user_id": USER})
    guarded_cookie = session_cookie(
        secrets.session_secret,
        {"user_id": USER, "nextens_guard.verified": [USER, generation, int(time.time())]},
    )
    assert await call(bare, bare_cookie) == 200
    assert await call(guarded, guarded_cookie) == 200

    # Count what a verified request touches once its state is cached.
    store, ephemeral = Counting(guard.store), Counting(guard.ephemeral, skip=("listening",))
    backend = Counting(guard.backend, skip=("authenticated_user_id",))
    guard.store, guard.ephemeral, guard.backend = store, ephemeral, backend  # type: ignore[assignment]
    guard.policy._store, guard.policy._backend = store, backend  # type: ignore[assignment]

    bare_times: list[float] = []
    guarded_times: list[float] = []
    for _ in range(rounds):
        bare_times.append(await measure(bare, bare_cookie, requests))
        guarded_times.append(await measure(guarded, guarded_cookie, requests))
    bare_median = statistics.median(bare_times)
    guarded_median = statistics.median(guarded_times)
    print(f"{'what':<52} {'bare':>10} {'guarded':>10} {'ratio':>7}")
    print(
        f"{'verified request, in-process ASGI (us, median)':<52} "
        f"{bare_median * 1e6:>10.1f} {guarded_median * 1e6:>10.1f} "
        f"{guarded_median / bare_median:>7.3f}x"
    )
    print(f"rounds={rounds} requests/round={requests}")
    print(
        f"calls during {rounds * requests} verified requests: store={store.calls} "
        f"redis/ephemeral={ephemeral.calls} backend (besides the session read)={backend.calls}"
    )
    await guard.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=2000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.requests))
