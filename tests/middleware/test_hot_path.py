"""A verified request is a session read and two dictionary lookups: no database, no Redis."""

from __future__ import annotations

import time

from tests.middleware.host import (
    APP_PAGE,
    Counting,
    build_host,
    demo_backend,
    real_ephemeral,
    real_store,
)
from tests.support import Browser, Parts, browser, location

REQUESTS = 100


def settle_down(person: Browser, *parts: Counting) -> None:
    """Wait until a verified request reaches none of ``parts``.

    The guard's own announcements also come back to it over Redis a moment later and
    empty its cache once more; the steady state starts after the last of them.
    """
    deadline = time.monotonic() + 2
    while True:
        for part in parts:
            part.reset()
        assert APP_PAGE in person.get("/").text
        if not any(part.calls for part in parts):
            return
        assert time.monotonic() < deadline, "the cache never settled"
        time.sleep(0.05)


def test_a_verified_request_touches_no_database_redis_or_backend_slow_path(parts: Parts) -> None:
    store = Counting(real_store(parts))
    ephemeral = Counting(real_ephemeral(parts))
    backend = Counting(demo_backend())
    host = build_host(parts, backend=backend, store=store, ephemeral=ephemeral)
    with browser(host.app, parts.clock) as rosa:
        rosa.login("rosa")
        secret, _ = rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")
        assert location(rosa.get("/")).startswith("/2fa/verify")
        assert rosa.verify(secret).status_code == 303
        # The wrappers are in the guard's path: enrolling and verifying went through them.
        assert store.calls["get_generations"] > 0
        assert ephemeral.calls["settle"] > 0
        assert backend.calls["get_user"] > 0
        time.sleep(0.2)
        settle_down(rosa, store, ephemeral)
        backend.reset()

        for _ in range(REQUESTS):
            answer = rosa.get("/")
            assert answer.status_code == 200
            assert APP_PAGE in answer.text

        assert dict(store.calls) == {}
        assert dict(ephemeral.calls) == {}
        assert dict(backend.calls) == {"authenticated_user_id": REQUESTS}
