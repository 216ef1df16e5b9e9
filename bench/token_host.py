"""A verified bearer request on the token host (fastapi-users) through the guard vs the
same app without it, called in-process.

Four sides, each the fastapi-users example's API, called as ASGI apps with the very same
``Authorization: Bearer`` token: the bare API, a second copy of it (the A/A run: how far
two copies of one code differ in this run), the API behind the smallest layer that does
the required work (:class:`MinimalTokenLayer`, the limit) and the API behind the guard,
whose state for the token (its login and proof) sits in Redis as the code step leaves
it. They run in short rounds that rotate which side goes first; each figure is the
median over rounds of each round's ratio to the bare API.

Every call the guarded side makes into the store, Redis and the host backend (its reads
of the request aside) is counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import secrets as random
import statistics
import time
import tracemalloc
from collections.abc import AsyncIterator, Container, Mapping
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis
from fastapi_users.jwt import generate_jwt
from starlette.types import ASGIApp, Receive, Scope, Send

from example_app.secrets_file import DevSecrets
from example_fastapi_users.app import build_app
from example_fastapi_users.guard_backend import FastAPIUsersBackend
from example_fastapi_users.users import AUDIENCE, demo_user_id
from nextens_guard.ephemeral.memory import MemoryEphemeral
from nextens_guard.guard import Guard, limits_from
from nextens_guard.login import LOGIN_KEY
from nextens_guard.marker import VERIFIED_KEY
from nextens_guard.middleware import TwoFactorMiddleware
from nextens_guard.own_sessions import DEFAULT_BOUND, OwnSession, OwnSessions
from nextens_guard.settings import GuardSettings

from .fleet import Calls
from .hot_path import enroll, request
from .services import Services
from .table import Figure

__all__ = ["MinimalTokenLayer", "TokenSides", "call", "measure_token_host", "token_sides"]

PATH = "/api/aangiften"
LOGIN_ID = "a-login-of-rosa"
_REFUSED = {"type": "http.response.start", "status": 401, "headers": []}


class MinimalTokenLayer:
    """The floor for a token host: who the token names, and that token's proof checked
    against the same revocations the guard holds; the proofs in a dict keyed by the token
    itself. No guard page, no loading, no fail-closed path: the floor, not a product."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        backend: FastAPIUsersBackend,
        proofs: Mapping[str, list[Any]],
        floors: Mapping[str, int | None],
        ended: Container[str],
        max_age: float,
    ) -> None:
        self.app = app
        self.backend = backend
        self.proofs = proofs
        self.floors = floors
        self.ended = ended
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            user_id = await self.backend.authenticated_user_id(scope)
            if user_id is not None:
                token = await self.backend.credential(scope)
                marker = self.proofs.get(token or "")
                floor = self.floors.get(user_id, 0)
                if not (
                    marker
                    and marker[0] == user_id
                    and floor is not None
                    and marker[1] >= floor
                    and time.time() - marker[2] < self.max_age
                    and marker[3] not in self.ended
                ):
                    await send(_REFUSED)
                    await send({"type": "http.response.body", "body": b""})
                    return
        await self.app(scope, receive, send)


async def call(app: ASGIApp, token: str) -> tuple[int, bytes]:
    """One GET of the API with the bearer token, as a server would make it."""
    return await request(
        app, PATH, [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    )


async def _round(app: ASGIApp, token: str, requests: int) -> float:
    started = time.thread_time()
    for _ in range(requests):
        await call(app, token)
    return (time.thread_time() - started) / requests


@dataclass(frozen=True)
class TokenHostResult:
    bare_seconds: float
    ratio: float
    minimal_ratio: float
    distance: float
    aa: float
    calls: int
    calls_by_name: dict[str, int]
    requests_counted: int


def _api(app: ASGIApp) -> ASGIApp:
    """The host's own API inside the example's stack: what the guard wraps."""
    middleware = getattr(app, "app", None)
    assert isinstance(middleware, TwoFactorMiddleware)
    return middleware.app


@dataclass
class TokenSides:
    """The four sides, one verified token, and the guard that holds its proof."""

    sides: dict[str, ASGIApp]
    token: str
    guard: Guard


@contextlib.asynccontextmanager
async def token_sides(
    *, database_url: str, redis_url: str | None, key_prefix: str
) -> AsyncIterator[TokenSides]:
    """The token host's sides, the token verified as the code step leaves it: in the
    guard's state in Redis, and in the minimal layer's dict."""
    secrets = DevSecrets.generate()
    options = {"table_prefix": key_prefix.replace(":", "_") + "_", "key_prefix": key_prefix}
    guarded = build_app(
        database_url=database_url, redis_url=redis_url, secrets=secrets, guard_options=options
    )
    other = build_app(database_url=database_url, secrets=secrets, guard_options=options)
    guard = guarded.guard
    assert isinstance(guard, Guard)
    sessions = guard.own_sessions
    assert sessions is not None
    user_id = str(demo_user_id("rosa"))
    token = generate_jwt(
        {"sub": user_id, "aud": AUDIENCE, "jti": random.token_urlsafe(16)},
        secrets.session_secret,
        3600,
    )
    try:
        generation = await enroll(guard, user_id)
        marker = [user_id, generation, int(time.time()), LOGIN_ID]
        state = {LOGIN_KEY: [user_id, LOGIN_ID, generation], VERIFIED_KEY: marker}
        key = sessions.key_of(token)
        assert key is not None
        await guard.ephemeral.save_session(key, json.dumps(state).encode(), seconds=3600)
        backend = guard.host_backend
        assert isinstance(backend, FastAPIUsersBackend)
        bare = _api(guarded)
        sides: dict[str, ASGIApp] = {
            "bare": bare,
            "bare again": _api(other),
            "minimal": MinimalTokenLayer(
                bare,
                backend=backend,
                proofs={token: marker},
                floors=guard.revocations.floors,
                ended=guard.revocations.ended,
                max_age=guard.settings.verified_max_age_seconds,
            ),
            "guarded": guarded,
        }
        for name, side in sides.items():
            status, body = await call(side, token)
            assert status == 200, f"the {name} side answered {status}: {body[:200]!r}"
        yield TokenSides(sides, token, guard)
    finally:
        await guard.shutdown()
        if other.guard is not None:
            await other.guard.shutdown()


async def compare(
    services: Services, *, rounds: int, requests: int, key_prefix: str
) -> TokenHostResult:
    calls = Calls()
    try:
        async with token_sides(
            database_url=services.database_url,
            redis_url=services.redis_url,
            key_prefix=key_prefix,
        ) as made:
            sides, token, guard = made.sides, made.token, made.guard
            for part, label in (
                (guard.store, "store"),
                (guard.ephemeral, "redis"),
                (guard.host_backend, "backend"),
            ):
                calls.watch(part, label)
            for side in sides.values():  # warm every side alike
                await _round(side, token, requests)
            calls.count = 0
            calls.by_name.clear()
            times: dict[str, list[float]] = {name: [] for name in sides}
            order = list(sides)
            for index in range(rounds):
                gc.collect()
                turn = order[index % len(order) :] + order[: index % len(order)]
                for name in turn:
                    times[name].append(await _round(sides[name], token, requests))
                    await asyncio.sleep(0)
            counted, by_name = calls.count, dict(calls.by_name)
            status, _ = await call(sides["guarded"], token)
            assert status == 200, "the token stopped being verified"
    finally:
        await services.drop(key_prefix.replace(":", "_") + "_", key_prefix)

    def per_round(name: str) -> list[float]:
        return [side / bare for side, bare in zip(times[name], times["bare"], strict=True)]

    guard_ratios, minimal_ratios = per_round("guarded"), per_round("minimal")
    return TokenHostResult(
        bare_seconds=statistics.median(times["bare"]),
        ratio=statistics.median(guard_ratios),
        minimal_ratio=statistics.median(minimal_ratios),
        distance=statistics.median(
            g - m for g, m in zip(guard_ratios, minimal_ratios, strict=True)
        ),
        aa=statistics.median(per_round("bare again")) - 1.0,
        calls=counted,
        calls_by_name=by_name,
        requests_counted=rounds * requests,
    )


async def _memory(services: Services, sessions_held: int) -> tuple[float, int]:
    """Bytes a process holds per proven token session, measured with tracemalloc at
    ``sessions_held`` sessions, and the bytes Redis holds for one (``MEMORY USAGE``)."""

    async def no_credential(scope: Scope) -> str | None:
        return None

    ephemeral = MemoryEphemeral(limits_from(_settings()))
    sessions = OwnSessions(ephemeral, no_credential, secret_key="m" * 32, seconds=3600)
    user_id = str(demo_user_id("rosa"))

    def state() -> dict[str, Any]:
        login_id = random.token_urlsafe(16)
        return {
            LOGIN_KEY: [user_id, login_id, 3],
            VERIFIED_KEY: [user_id, 3, int(time.time()), login_id],
            "nextens_guard.csrf": random.token_urlsafe(24),
        }

    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(sessions_held):
            session = OwnSession(sessions.key_of(random.token_urlsafe(120)), state())
            session.saved()  # as loaded: nothing to write, only to keep as proven
            await sessions.save(session)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    assert len(sessions) == sessions_held
    held = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    redis_bytes = 0
    if services.redis_url is not None:
        client = redis.Redis.from_url(services.redis_url)
        key = f"{services.key_prefix('token')}:session:memory"
        try:
            await client.set(key, json.dumps(state(), separators=(",", ":")), ex=60)
            redis_bytes = int(await client.memory_usage(key) or 0)
            await client.delete(key)
        finally:
            await client.aclose()
    return held / sessions_held, redis_bytes


def _settings() -> GuardSettings:
    return GuardSettings(secret_key="m" * 32, encryption_keys={"k": bytes(32)})


async def measure_token_host(
    services: Services | None = None, *, quick: bool = False
) -> list[Figure]:
    services = services or Services.shared()
    rounds, requests = (7, 300) if quick else (21, 1500)
    held = 10_000 if quick else DEFAULT_BOUND
    per_session, redis_bytes = await _memory(services, held)
    result = await compare(
        services,
        rounds=rounds,
        requests=requests,
        key_prefix=services.key_prefix("token"),
    )
    return [
        Figure(
            what="verified bearer request on the token host: guard's distance to the minimal layer",
            value=result.distance,
            goal=0.01,
            unit="x",
            detail=(
                f"fastapi-users API, GET {PATH} with a bearer token, CPU time, median over "
                f"{rounds} rotating rounds x {requests}: bare {result.bare_seconds * 1e6:.1f} "
                f"us, minimal {result.minimal_ratio:.3f}x, guard {result.ratio:.3f}x; A/A (a "
                f"second bare API) {result.aa:+.3f}x"
            ),
        ),
        Figure(
            what="database, Redis and backend calls on a verified bearer request",
            value=result.calls / result.requests_counted,
            goal=0,
            unit="calls",
            detail=(
                f"counted over {result.requests_counted} verified requests on a warm "
                f"process: {result.calls} ({result.calls_by_name or 'none'})"
            ),
        ),
        Figure(
            what="memory a process holds for proven token sessions, at its bound of 100,000",
            value=per_session * DEFAULT_BOUND / 1e6,
            goal=64,
            unit="MB",
            detail=(
                f"tracemalloc over {held:,} proven sessions: {per_session:.0f} bytes each; "
                f"Redis holds {redis_bytes} bytes per live token login (MEMORY USAGE), "
                f"{redis_bytes * 1_000_000 / 1e6:.0f} MB for 1,000,000 at once, whatever "
                "the number of processes"
            ),
        ),
    ]
