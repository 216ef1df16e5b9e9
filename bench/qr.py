"""The enrollment page with its QR code, end to end in-process: median, p99, event-loop stall.

Each measured page is ``GET /2fa/enroll/scan`` through the whole example app for a
user whose office requires two-step verification. A first visit (a session that has
no enrollment in progress) makes a new secret and reset code, seals and stores them,
records the event and draws the QR code; a reload finds the enrollment in progress and
draws its QR code again. Nothing is cached between pages: the QR code holds the secret.

While pages are served, a ticker task measures the longest stretch the event loop was
kept from running anything else, which is what every other request of the process
would wait behind.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from example_app.app import build_app
from example_app.secrets_file import DevSecrets
from nextens_guard import otp
from nextens_guard.login import LOGIN_KEY

from .hot_path import USER, call, session_cookie
from .services import Services
from .table import Figure

__all__ = ["measure_qr"]

SCAN_PAGE = "/2fa/enroll/scan"
_ENROLLMENT_KEY = "nextens_guard.enrollment"  # the session key of the enrollment's owner
# The ticker sleeps this long between turns; a busy ticker would compete for the GIL
# with the database driver's thread and slow the pages it measures.
_TICK = 0.001


@dataclass
class Ticker:
    """Notes the longest time between two turns of the event loop, and the longest full
    garbage collection meanwhile (a pause of the whole process, whatever it serves)."""

    longest: float = 0.0
    longest_full_collection: float = 0.0
    _task: asyncio.Task[None] | None = field(default=None, repr=False)
    _collection_started: float = field(default=0.0, repr=False)

    def _on_collection(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._collection_started = time.perf_counter()
        else:
            pause = time.perf_counter() - self._collection_started
            self.longest_full_collection = max(self.longest_full_collection, pause)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(_TICK)
            self.longest = max(self.longest, loop.time() - before - _TICK)

    def start(self) -> None:
        gc.callbacks.append(self._on_collection)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        gc.callbacks.remove(self._on_collection)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _pages(app: object, cookies: list[bytes]) -> tuple[list[float], Ticker]:
    """Serve one page per cookie; their times, and the ticker that watched the loop."""
    ticker = Ticker()
    ticker.start()
    times: list[float] = []
    try:
        for cookie in cookies:
            started = time.perf_counter()
            status, body = await call(app, cookie, SCAN_PAGE)  # type: ignore[arg-type]
            times.append(time.perf_counter() - started)
            assert status == 200, f"the scan page answered {status}"
            assert b"<svg" in body, "no QR code on the scan page"
            assert b"data-totp-secret" in body, "no key on the scan page"
    finally:
        await ticker.stop()
    return times, ticker


async def measure_qr(services: Services, *, quick: bool) -> list[Figure]:
    pages = 20 if quick else 200
    key_prefix = services.key_prefix("qr")
    table_prefix = key_prefix + "_"
    secrets = DevSecrets.generate()
    app = build_app(
        database_url=services.database_url,
        redis_url=services.redis_url,
        secrets=secrets,
        guard_options={"table_prefix": table_prefix, "key_prefix": key_prefix},
    )
    guard = app.guard
    assert guard is not None
    await guard.startup()
    try:
        user = await guard.backend.get_user(USER)
        assert user is not None
        await guard.store.set_offices_active(
            [user.office_id], active=True, actor_id=None, now=datetime.now(UTC)
        )
        await guard.announce(f"user:{USER}")
        # A login the guard saw being made (at generation 0, before any enrollment): it
        # may bind a phone without typing the password again.
        login = {"user_id": USER, LOGIN_KEY: [USER, "a-login-of-the-bench", 0]}
        first_visits = [session_cookie(secrets.session_secret, login) for _ in range(pages)]
        reloads = [
            session_cookie(secrets.session_secret, {**login, _ENROLLMENT_KEY: "bench"})
        ] * pages
        await _pages(app, first_visits[:5] + reloads[:5])  # warm
        first, first_ticker = await _pages(app, first_visits)
        again, again_ticker = await _pages(app, reloads)
    finally:
        await guard.shutdown()
        await services.drop(table_prefix, key_prefix)
    uri = otp.provisioning_uri(otp.new_secret(), username=USER, issuer="Nextens")
    drawing: list[float] = []
    for _ in range(pages):
        started = time.perf_counter()
        otp.qr_svg(uri)
        drawing.append(time.perf_counter() - started)
    slowest = max(_percentile(first, 0.99), _percentile(again, 0.99))
    stall = max(first_ticker.longest, again_ticker.longest)
    collection = max(first_ticker.longest_full_collection, again_ticker.longest_full_collection)
    return [
        Figure(
            what="enrollment scan page with its QR code, p99",
            value=slowest * 1e3,
            goal=25,
            unit="ms",
            detail=(
                f"{pages} first visits (new secret, sealed, stored, QR): median "
                f"{statistics.median(first) * 1e3:.1f} ms, p99 {_percentile(first, 0.99) * 1e3:.1f}"
                f" ms; {pages} reloads: median {statistics.median(again) * 1e3:.1f} ms, p99 "
                f"{_percentile(again, 0.99) * 1e3:.1f} ms; QR alone median "
                f"{statistics.median(drawing) * 1e3:.1f} ms, drawn on the event loop; longest "
                f"event-loop stall {stall * 1e3:.1f} ms, longest full garbage collection "
                f"meanwhile {collection * 1e3:.1f} ms ({services.describe()})"
            ),
        )
    ]
