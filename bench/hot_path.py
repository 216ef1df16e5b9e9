"""A verified request through the guard vs the same app without it, called in-process.

Three sides, each the example app behind the host's SessionMiddleware, called as ASGI
apps with the very same session cookie (the guard's login and marker in it; the bare
app ignores them): the bare app, the app behind the smallest layer that does the
required work (:mod:`bench.minimal_layer`, the limit) and the app behind the guard. They
run in short rounds that rotate which side goes first, so that no side gets a warmer
machine. Each figure is the median over rounds of each round's time ratio to the bare
app; the guard's distance to the limit is the median of the per-round differences.

The layers are also measured alone, around an app that does nothing, in interleaved
rounds: on a busy machine whole requests vary by more than the layers cost, and this
isolates the guard's own work beyond the minimal layer's, put against the bare
request's CPU time.

During the guarded rounds every SQL statement, every database connection taken from
the pool, every Redis command and every call into the host backend besides the session
read is counted at its driver, so "touches nothing" is a count, not an estimate.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import gc
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyotp
from itsdangerous import TimestampSigner
from redis.asyncio.connection import AbstractConnection
from sqlalchemy import event
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from example_app.app import ExampleApp, build_app
from example_app.backend import DemoBackend
from example_app.secrets_file import DevSecrets
from nextens_guard.guard import Guard
from nextens_guard.login import LOGIN_KEY
from nextens_guard.marker import VERIFIED_KEY
from nextens_guard.middleware import TwoFactorMiddleware
from nextens_guard.store.sql import SQLStore

from .minimal_layer import MinimalLayer
from .services import Services
from .table import Figure

__all__ = [
    "USER",
    "DriverCalls",
    "call",
    "enroll",
    "measure_hot_path",
    "minimal_app",
    "request",
    "session_cookie",
]

USER = "rosa"  # Kantoor Rotterdam: two-step verification is on there
LOGIN_ID = "a-login-of-rosa"
APP_PAGE = b'data-app-page="dashboard"'
# What the host backend is asked on every request anyway: who is logged in (a session read).
SESSION_READ = "authenticated_user_id"


def session_cookie(secret: str, data: dict[str, Any]) -> bytes:
    """The cookie header value Starlette's SessionMiddleware would set for ``data``."""
    payload = base64.b64encode(json.dumps(data).encode("utf-8"))
    return b"session=" + TimestampSigner(secret).sign(payload)


async def call(app: ASGIApp, cookie: bytes, path: str = "/") -> tuple[int, bytes]:
    """One GET through the whole stack with a session cookie: status and body."""
    return await request(app, path, [(b"host", b"bench"), (b"cookie", cookie)])


async def request(app: ASGIApp, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """One GET through the whole stack, as a server would make it: status and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("ascii"),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    status = 0
    body: list[bytes] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(body)


async def enroll(guard: Guard, user_id: str = USER) -> int:
    """Switch the user's office on and enroll them through the services, as the pages do."""
    await guard.startup()
    now = datetime.now(UTC)
    user = await guard.backend.get_user(user_id)
    assert user is not None
    await guard.store.set_offices_active([user.office_id], active=True, actor_id=None, now=now)
    owner = "bench"
    pending = await guard.enrollment.begin(user, owner, "127.0.0.1")
    code = pyotp.TOTP(pending.secret).at(guard.settings.clock())
    attempt = await guard.enrollment.check_code(user, owner, code, "127.0.0.1")
    assert attempt.accepted, attempt
    generation = await guard.enrollment.finish(user, owner, "127.0.0.1")
    assert generation is not None
    return generation


@dataclass
class DriverCalls:
    """Counts what reaches the database, Redis and the host backend while ``active``.

    Counting is switched on only around requests that run without giving the event loop
    a turn, so the guard's background listener (which pings Redis when idle) never runs
    while it is on: whatever is counted was caused by a request.
    """

    active: bool = False
    sql_statements: int = 0
    pool_checkouts: int = 0
    redis_commands: int = 0
    backend_calls: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return (
            self.sql_statements
            + self.pool_checkouts
            + self.redis_commands
            + sum(self.backend_calls.values())
        )

    def reset(self) -> None:
        self.sql_statements = self.pool_checkouts = self.redis_commands = 0
        self.backend_calls.clear()

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        self.active = True
        try:
            yield
        finally:
            self.active = False

    def watch_database(self, store: SQLStore) -> None:
        engine = store.engine.sync_engine

        def on_statement(*_: Any) -> None:
            if self.active:
                self.sql_statements += 1

        def on_checkout(*_: Any) -> None:
            if self.active:
                self.pool_checkouts += 1

        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(engine.pool, "checkout", on_checkout)

    @contextlib.contextmanager
    def watch_redis(self) -> Iterator[None]:
        """Count every command any Redis connection of this process sends."""
        original = AbstractConnection.send_packed_command

        @functools.wraps(original)
        async def counted(connection: AbstractConnection, *args: Any, **kwargs: Any) -> None:
            if self.active:
                self.redis_commands += 1
            await original(connection, *args, **kwargs)

        AbstractConnection.send_packed_command = counted  # type: ignore[assignment,method-assign]
        try:
            yield
        finally:
            AbstractConnection.send_packed_command = original  # type: ignore[method-assign]

    def watch_backend(self, backend: object, names: tuple[str, ...]) -> None:
        """Count calls of the named async methods on this very backend object."""
        for name in names:
            method: Callable[..., Awaitable[Any]] = getattr(backend, name)

            def counted(
                *args: Any, _name: str = name, _method: Callable[..., Awaitable[Any]] = method
            ) -> Awaitable[Any]:
                if self.active:
                    self.backend_calls[_name] = self.backend_calls.get(_name, 0) + 1
                return _method(*args)

            setattr(backend, name, counted)


# Every method of the AuthBackend protocol, as the guard's services call them (through
# guard.backend). The middleware reads the session through the host's own object, so
# the one call a verified request must make is not among these.
BACKEND_METHODS = (
    SESSION_READ,
    "get_user",
    "check_password",
    "get_office",
    "linked_offices",
    "has_user_management_rights",
    "users_of_office",
)


@dataclass(frozen=True)
class _Timing:
    wall: float
    cpu: float


async def _round(app: ASGIApp, cookie: bytes, requests: int) -> _Timing:
    """Seconds per request: wall clock, and this thread's CPU time (which leaves out the
    time other processes of a busy machine took)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(requests):
        await call(app, cookie)
    return _Timing((time.perf_counter() - wall) / requests, (time.thread_time() - cpu) / requests)


async def _settle(guarded: ExampleApp, cookie: bytes, calls: DriverCalls) -> None:
    """Wait until a verified request reaches nothing: the steady state.

    The guard's own announcements (the enrollment) come back to it over Redis a moment
    later and empty its cache once more; the steady state starts after the last of them.
    """
    deadline = time.monotonic() + 10
    while True:
        calls.reset()
        with calls.counting():
            status, body = await call(guarded, cookie)
        assert status == 200, f"the guarded app answered {status}"
        assert APP_PAGE in body, "the guarded app did not show the dashboard"
        if calls.total == 0:
            return
        assert time.monotonic() < deadline, "a verified request never stopped reaching out"
        await asyncio.sleep(0.05)


@dataclass(frozen=True)
class HotPathResult:
    bare_seconds: float
    minimal_seconds: float
    guarded_seconds: float
    ratio: float
    cpu_ratio: float
    minimal_ratio: float
    minimal_cpu_ratio: float
    # The guard's ratio minus the minimal layer's, per round (median).
    distance: float
    cpu_distance: float
    # The second minimal app's ratio minus the first's, per round (median): the A/A run.
    aa_distance: float
    calls: DriverCalls
    requests_counted: int
    # The two layers alone, around an app that does nothing: seconds per call (median).
    guard_layer_seconds: float = 0.0
    minimal_layer_seconds: float = 0.0
    layer_distance_seconds: float = 0.0
    layer_aa_seconds: float = 0.0
    bare_cpu_seconds: float = 0.0


LAYER_CALLS = 20_000


async def _nothing(scope: Scope, receive: Receive, send: Send) -> None:
    return None


async def _layer_round(layer: ASGIApp, scope: Scope) -> float:
    """CPU seconds per call of ``layer`` with the same verified scope every time."""

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        return None

    started = time.thread_time()
    for _ in range(LAYER_CALLS):
        await layer(scope, receive, send)
    return (time.thread_time() - started) / LAYER_CALLS


async def _layers_alone(
    guard: Guard, session: dict[str, Any], rounds: int
) -> tuple[float, float, float, float]:
    """The guard's middleware and the minimal layer around an app that does nothing, in
    rotating rounds: what each costs per call, the median per-round difference, and an
    A/A difference (a second minimal layer against the first), which shows the noise.

    Whole requests vary by more than the layers cost on a busy machine; this measures
    the layers' own work alone, with nothing else in the round to vary.
    """

    def minimal() -> ASGIApp:
        return MinimalLayer(
            _nothing,
            backend=DemoBackend(),
            floors=guard.revocations.floors,
            ended=guard.revocations.ended,
            max_age=guard.settings.verified_max_age_seconds,
        )

    layers: dict[str, ASGIApp] = {
        "guard": TwoFactorMiddleware(_nothing, guard=guard),
        "minimal": minimal(),
        "minimal again": minimal(),
    }
    scope = {"type": "http", "path": "/", "root_path": "", "headers": [], "session": session}
    for layer in layers.values():
        await _layer_round(layer, scope)
    times: dict[str, list[float]] = {name: [] for name in layers}
    names = list(layers)
    for index in range(rounds):
        for name in names[index % 3 :] + names[: index % 3]:
            times[name].append(await _layer_round(layers[name], scope))

    def difference(one: str, other: str) -> float:
        return statistics.median(a - b for a, b in zip(times[one], times[other], strict=True))

    return (
        statistics.median(times["guard"]),
        statistics.median(times["minimal"]),
        difference("guard", "minimal"),
        difference("minimal again", "minimal"),
    )


def minimal_app(guarded: ExampleApp, guard: Guard, secrets: DevSecrets) -> ExampleApp:
    """The guarded example with the minimal layer where the guard is."""
    outer = guarded.app
    assert isinstance(outer, SessionMiddleware)
    assert isinstance(outer.app, TwoFactorMiddleware)
    # The very app the guard wraps (its dashboard shows a link to the guard's pages,
    # which the bare one does not), so the minimal layer differs from the guard alone.
    host = outer.app.app
    # Built as build_app builds the other two, with the minimal layer where the guard is.
    return ExampleApp(
        SessionMiddleware(
            MinimalLayer(
                host,
                backend=DemoBackend(),
                floors=guard.revocations.floors,
                ended=guard.revocations.ended,
                max_age=guard.settings.verified_max_age_seconds,
            ),
            secret_key=secrets.session_secret,
            same_site="lax",
        ),
        None,
    )


async def compare(
    services: Services, *, rounds: int, requests: int, key_prefix: str
) -> HotPathResult:
    secrets = DevSecrets.generate()
    table_prefix = key_prefix.replace(":", "_") + "_"
    options = {"table_prefix": table_prefix, "key_prefix": key_prefix}
    bare = build_app(database_url=services.database_url, secrets=secrets, guard=False)
    guarded = build_app(
        database_url=services.database_url,
        redis_url=services.redis_url,
        secrets=secrets,
        guard_options=options,
    )
    guard = guarded.guard
    assert guard is not None
    minimal = minimal_app(guarded, guard, secrets)
    calls = DriverCalls()
    with calls.watch_redis():
        try:
            generation = await enroll(guard)
            assert isinstance(guard.store, SQLStore)
            calls.watch_database(guard.store)
            calls.watch_backend(guard.backend, BACKEND_METHODS)
            # The very same session on both sides: who logged in, the login the guard saw
            # and its marker.
            session_data: dict[str, Any] = {
                "user_id": USER,
                LOGIN_KEY: [USER, LOGIN_ID, generation],
                VERIFIED_KEY: [USER, generation, int(time.time()), LOGIN_ID],
            }
            cookie = session_cookie(secrets.session_secret, session_data)
            # "minimal again", a second minimal app, is the A/A run: its distance to the
            # first shows how far two copies of the same code differ in this run.
            sides: dict[str, ASGIApp] = {
                "bare": bare,
                "minimal": minimal,
                "minimal again": minimal_app(guarded, guard, secrets),
                "guarded": guarded,
            }
            for name in ("bare", "minimal", "minimal again"):
                status, body = await call(sides[name], cookie)
                assert status == 200, f"the {name} app answered {status}"
                assert APP_PAGE in body, f"the {name} app did not show the dashboard"
            await _settle(guarded, cookie, calls)
            for side in sides.values():  # warm every side alike
                await _round(side, cookie, requests)
            calls.reset()
            times: dict[str, list[_Timing]] = {name: [] for name in sides}
            order = list(sides)
            for index in range(rounds):
                gc.collect()
                turn = order[index % len(order) :] + order[: index % len(order)]
                for name in turn:
                    if name == "guarded":
                        with calls.counting():
                            times[name].append(await _round(guarded, cookie, requests))
                    else:
                        times[name].append(await _round(sides[name], cookie, requests))
                    # A turn for background tasks (the invalidation listener), between rounds.
                    await asyncio.sleep(0)
            status, body = await call(guarded, cookie)
            assert status == 200, "the session stopped being verified"
            assert APP_PAGE in body, "the session stopped being verified"
            layers = await _layers_alone(guard, session_data, rounds)
        finally:
            await guard.shutdown()
            await services.drop(table_prefix, key_prefix)

    def per_round(name: str, of: Callable[[_Timing], float]) -> list[float]:
        return [of(side) / of(bare) for side, bare in zip(times[name], times["bare"], strict=True)]

    def wall(timing: _Timing) -> float:
        return timing.wall

    def cpu(timing: _Timing) -> float:
        return timing.cpu

    guard_wall, minimal_wall = per_round("guarded", wall), per_round("minimal", wall)
    guard_cpu, minimal_cpu = per_round("guarded", cpu), per_round("minimal", cpu)
    again_wall = per_round("minimal again", wall)
    return HotPathResult(
        bare_seconds=statistics.median(wall(timing) for timing in times["bare"]),
        minimal_seconds=statistics.median(wall(timing) for timing in times["minimal"]),
        guarded_seconds=statistics.median(wall(timing) for timing in times["guarded"]),
        ratio=statistics.median(guard_wall),
        cpu_ratio=statistics.median(guard_cpu),
        minimal_ratio=statistics.median(minimal_wall),
        minimal_cpu_ratio=statistics.median(minimal_cpu),
        distance=statistics.median(g - m for g, m in zip(guard_wall, minimal_wall, strict=True)),
        cpu_distance=statistics.median(g - m for g, m in zip(guard_cpu, minimal_cpu, strict=True)),
        aa_distance=statistics.median(a - m for a, m in zip(again_wall, minimal_wall, strict=True)),
        calls=calls,
        requests_counted=rounds * requests,
        guard_layer_seconds=layers[0],
        minimal_layer_seconds=layers[1],
        layer_distance_seconds=layers[2],
        layer_aa_seconds=layers[3],
        bare_cpu_seconds=statistics.median(cpu(timing) for timing in times["bare"]),
    )


async def measure_hot_path(services: Services, *, quick: bool) -> list[Figure]:
    rounds, requests = (7, 500) if quick else (21, 2000)
    result = await compare(
        services, rounds=rounds, requests=requests, key_prefix=services.key_prefix("hot")
    )
    calls = result.calls
    backend = sum(calls.backend_calls.values())
    return [
        Figure(
            what="verified request: the guard's distance to the minimal layer, in-process",
            value=result.distance,
            goal=0.01,
            unit="x",
            detail=(
                f"median over {rounds} rotating rounds of (guard - minimal) per round, as "
                f"ratios to the bare app: minimal {result.minimal_ratio:.3f}x "
                f"({result.minimal_seconds * 1e6:.1f} us), guard {result.ratio:.3f}x; "
                f"CPU time: minimal {result.minimal_cpu_ratio:.3f}x, guard "
                f"{result.cpu_ratio:.3f}x, distance {result.cpu_distance:+.3f}x; A/A (a "
                f"second minimal app against the first) {result.aa_distance:+.3f}x"
            ),
        ),
        Figure(
            what="the same, the layers alone: guard's own cost beyond the minimal layer's",
            value=result.layer_distance_seconds / result.bare_cpu_seconds,
            goal=0.01,
            unit="x",
            detail=(
                f"each layer around an app that does nothing, {rounds} interleaved rounds "
                f"x {LAYER_CALLS:,} calls, CPU time: guard "
                f"{result.guard_layer_seconds * 1e9:.0f} ns, minimal "
                f"{result.minimal_layer_seconds * 1e9:.0f} ns per call, median difference "
                f"{result.layer_distance_seconds * 1e9:.0f} ns over the bare request's "
                f"{result.bare_cpu_seconds * 1e6:.1f} us of CPU; A/A (a second minimal "
                f"layer) {result.layer_aa_seconds * 1e9:+.0f} ns"
            ),
        ),
        Figure(
            what="verified request through the guard vs bare app, in-process ASGI",
            value=result.ratio,
            goal=1.03,
            unit="x",
            detail=(
                f"median of {rounds} rotating rounds x {requests} GET /, same session: "
                f"bare {result.bare_seconds * 1e6:.1f} us, "
                f"guarded {result.guarded_seconds * 1e6:.1f} us; CPU-time ratio "
                f"{result.cpu_ratio:.3f}x ({services.describe()})"
            ),
        ),
        Figure(
            what="database, Redis and backend calls on a verified request",
            value=calls.total / result.requests_counted,
            goal=0,
            unit="calls",
            detail=(
                f"counted at the drivers over {result.requests_counted} verified requests: "
                f"{calls.sql_statements} SQL statements, {calls.pool_checkouts} pool checkouts, "
                f"{calls.redis_commands} Redis commands, {backend} backend calls "
                f"besides the session read"
            ),
        ),
    ]
