"""A Redis that answers too slowly: the code check gives up with a 503, it never hangs and
never lets anyone through.

A relay in front of the test's own Redis holds every packet back for longer than the
guard's Redis timeout (``_SOCKET_TIMEOUT_SECONDS`` in ``nextens_guard.ephemeral.redis``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import TypeVar

import httpx2 as httpx
import pytest

from nextens_guard.ephemeral import redis as redis_ephemeral
from tests.support import Parts, browser, location

from .harness import (
    DASHBOARD,
    JSON,
    LOOPBACK,
    RedisServer,
    Relay,
    assert_unavailable,
    at_the_code_prompt,
)

_T = TypeVar("_T")

# Longer than the client's timeout, so no reply ever arrives in time.
SLOW_SECONDS = redis_ephemeral._SOCKET_TIMEOUT_SECONDS + 1.0
# What "answers within a bounded time" means for a user waiting at the code prompt.
BOUND_SECONDS = 10.0


@pytest.fixture
def relay(redis_server: RedisServer) -> Iterator[Relay]:
    made = Relay(redis_server.port)
    try:
        yield made
    finally:
        made.close()


def bounded(
    seconds: float, request: Callable[[], _T], *, unblock: Callable[[], None]
) -> tuple[_T, float]:
    """The answer of ``request`` and how long it took.

    Fails when it takes longer than ``seconds``; ``unblock`` then frees the request that
    is still waiting, so the test ends instead of hanging with it.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        future = pool.submit(request)
        try:
            answer = future.result(timeout=seconds)
        except FutureTimeout:
            unblock()
            pytest.fail(f"no answer after {seconds} s: the request hangs on a slow Redis")
        return answer, time.monotonic() - started


def test_with_a_slow_redis_the_code_check_answers_503_in_bounded_time_and_never_passes(
    parts: Parts, relay: Relay
) -> None:
    assert redis_ephemeral._SOCKET_TIMEOUT_SECONDS < SLOW_SECONDS < BOUND_SECONDS
    slow = replace(parts, redis_url=f"redis://{LOOPBACK}:{relay.port}/0")
    with browser(slow.app(), slow.clock) as rosa:
        secret = at_the_code_prompt(rosa, "rosa")
        token = rosa.csrf_token("/2fa/verify")
        relay.delay = SLOW_SECONDS

        def check(headers: dict[str, str] | None = None) -> httpx.Response:
            return rosa.post(
                "/2fa/verify",
                data={"csrf_token": token, "code": rosa.code(secret)},
                headers=headers,
            )

        answer, took = bounded(BOUND_SECONDS, check, unblock=relay.cut)
        assert_unavailable(answer)
        # It gave up because of the timeout, not because the reply came back wrong.
        assert took >= redis_ephemeral._SOCKET_TIMEOUT_SECONDS * 0.9

        api, _ = bounded(BOUND_SECONDS, lambda: check(JSON), unblock=relay.cut)
        assert api.status_code == 503
        assert api.json()["error"] == "http_503"

        home, _ = bounded(BOUND_SECONDS, lambda: rosa.get("/"), unblock=relay.cut)
        assert home.status_code == 303
        assert location(home).startswith("/2fa/verify")
        assert DASHBOARD not in home.text
