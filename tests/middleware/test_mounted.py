"""A guarded app mounted in a bigger one: Starlette runs the outermost app's lifespan only,
so the host enters ``guard.lifespan`` in its own, as docs/integrator.md says."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import redis
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from nextens_guard import Guard
from tests.middleware.host import Counting, build_host, real_store
from tests.support import BROWSER_ACCEPT, Parts, location


def subscribers(parts: Parts) -> int:
    """How many connections Redis has subscribed to this test's invalidation channel."""
    assert parts.redis_url
    channel = f"{parts.key_prefix}:invalidate"
    with contextlib.closing(redis.Redis.from_url(parts.redis_url)) as client:
        counts = dict(client.pubsub_numsub(channel))
    return int(counts[channel.encode()])


def guard_tasks() -> list[asyncio.Task[object]]:
    return [task for task in asyncio.all_tasks() if task.get_name().startswith("nextens_guard")]


def test_a_mounted_guard_starts_and_stops_with_the_hosts_lifespan(parts: Parts) -> None:
    store = Counting(real_store(parts))
    guarded = build_host(parts, store=store, active_offices=())
    guard = guarded.guard
    left_running: list[asyncio.Task[object]] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with guard.lifespan(app):
            await guard.office.activate_group("rotterdam", actor_id="host:setup", address=None)
            yield
        left_running.extend(guard_tasks())

    host = Starlette(routes=[Mount("/app", app=guarded.app)], lifespan=lifespan)
    assert not guard.started

    with TestClient(host, follow_redirects=False, headers={"accept": BROWSER_ACCEPT}) as client:
        # Started before the first request, by the host; the mounted app's own lifespan
        # never runs under Mount.
        assert guard.started
        assert guarded.events == []
        if parts.redis_url:
            assert subscribers(parts) == 1

        client.post("/app/login", data={"username": "rosa"})
        answer = client.get("/app/")
        assert answer.status_code == 303
        assert location(answer) == "/app/2fa/enroll?next=%2Fapp%2F"
        assert client.get("/app/2fa/enroll").status_code == 200
        api = client.get("/app/api/aangifte", headers={"accept": "application/json"})
        assert api.status_code == 401
        assert api.json()["url"] == "/app/2fa/enroll?next=%2Fapp%2Fapi%2Faangifte"

    assert not guard.started
    assert store.calls["close"] == 1
    assert left_running == []
    if parts.redis_url:
        assert subscribers(parts) == 0


def test_a_host_without_a_lifespan_of_its_own_passes_the_guards(embedded: Parts) -> None:
    guarded = build_host(embedded)
    guard: Guard = guarded.guard
    host = Starlette(routes=[Mount("/app", app=guarded.app)], lifespan=guard.lifespan)

    with TestClient(host, follow_redirects=False) as client:
        assert guard.started
        client.post("/app/login", data={"username": "bram"})
        assert client.get("/app/").status_code == 200
    assert not guard.started
