"""A verified session carries its own proof: any process lets it in without asking
anyone, and every reset, logout or deactivation reaches that process within a second."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx2 as httpx

from bench.fleet import Calls
from example_app.app import ExampleApp
from example_app.backend import DemoBackend
from example_app.demo_data import DEMO_PASSWORD
from nextens_guard.ephemeral.redis import RedisEphemeral
from tests.ephemeral.harness import LIMITS
from tests.flows.test_office import activate_office
from tests.support import Parts, browser, sent_within

DASHBOARD = 'data-app-page="dashboard"'


def count_calls(app: ExampleApp) -> Calls:
    """Every call this process's guard makes into its store, its shared state and the
    host backend from now on (the session read aside), by name."""
    guard = app.guard
    assert guard is not None
    calls = Calls()
    calls.watch(guard.store, "store")
    calls.watch(guard.ephemeral, "redis")
    # The guard's own calls into the host go through guard.backend; the host app's
    # pages call its backend themselves, which is no cost of the guard's.
    calls.watch(guard.backend, "host")
    return calls


def test_a_process_that_never_saw_the_user_lets_the_verified_session_in_without_asking_anyone(
    shared: Parts,
) -> None:
    process_a = shared.app()
    with browser(process_a, shared.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
        cookies = httpx.Cookies(rosa.client.cookies)

        # A process started later, as behind a balancer without affinity.
        process_b = shared.app()
        with browser(process_b, shared.clock) as rosa_on_b:
            rosa_on_b.client.cookies = cookies
            assert DASHBOARD in rosa_on_b.get("/").text  # it has caught up now
            calls = count_calls(process_b)

            for _ in range(20):
                assert DASHBOARD in rosa_on_b.get("/").text

            assert calls.by_name == {}


def test_a_reset_on_one_process_voids_the_proof_on_another_that_never_asked_the_store(
    shared: Parts,
) -> None:
    process_a, process_b = shared.app(), shared.app()
    with (
        browser(process_a, shared.clock) as ruben,
        browser(process_a, shared.clock, beside=ruben) as rosa,
        browser(process_b, shared.clock) as rosa_on_b,
    ):
        ruben.login("ruben")
        ruben.enroll()
        rosa.login("rosa")
        rosa.enroll()
        rosa_on_b.client.cookies = httpx.Cookies(rosa.client.cookies)
        assert DASHBOARD in rosa_on_b.get("/").text
        calls = count_calls(process_b)
        assert DASHBOARD in rosa_on_b.get("/").text
        assert calls.by_name == {}

        assert ruben.submit("/2fa/users/rosa/reset").status_code == 303

        assert sent_within(rosa_on_b, "/2fa/enroll")


def test_a_session_verified_before_a_deactivation_asks_again_after_a_new_activation(
    shared: Parts,
) -> None:
    process_a, process_b = shared.app(), shared.app()
    with (
        browser(process_a, shared.clock) as anna,
        browser(process_b, shared.clock) as bram,
    ):
        activate_office(anna)
        bram.login("bram")
        bram.enroll()
        assert DASHBOARD in bram.get("/").text

        done = anna.submit("/2fa/office/deactivate", password=DEMO_PASSWORD)
        assert done.status_code == 303
        assert DASHBOARD in bram.get("/").text  # switched off: the password is enough
        shared.clock.advance(30)
        anna.post("/logout")
        activate_office(anna)

        # His proof names the enrollment the deactivation destroyed.
        assert sent_within(bram, "/2fa/enroll")


def test_a_floor_nobody_could_read_sends_every_process_to_the_store_for_that_user(
    shared: Parts,
) -> None:
    """What a process records when the store failed as it revoked (see the unit test of
    ``Guard.revoke``): the user's proofs are checked against the store, not trusted."""
    process_a, process_b = shared.app(), shared.app()
    with (
        browser(process_a, shared.clock) as rosa,
        browser(process_b, shared.clock) as rosa_on_b,
    ):
        rosa.login("rosa")
        rosa.enroll()
        rosa_on_b.client.cookies = httpx.Cookies(rosa.client.cookies)
        assert DASHBOARD in rosa_on_b.get("/").text
        calls = count_calls(process_b)

        asyncio.run(raise_unknown_floor(shared, "rosa"))

        # Her enrollment did not change, so her session still counts, but only once
        # process B asked the store.
        deadline = time.monotonic() + 1
        while "store.get_generations" not in calls.by_name:
            assert DASHBOARD in rosa_on_b.get("/").text
            assert time.monotonic() < deadline, "process B still trusts the proof alone"
            time.sleep(0.02)
        assert DASHBOARD in rosa_on_b.get("/").text


async def raise_unknown_floor(parts: Parts, user_id: str) -> None:
    assert parts.redis_url is not None
    state = RedisEphemeral.from_url(parts.redis_url, LIMITS, key_prefix=parts.key_prefix)
    try:
        await state.raise_floors({user_id: None}, seconds=60)
    finally:
        await state.close()


def test_an_office_link_the_host_announces_applies_on_every_process_within_a_second(
    shared: Parts,
) -> None:
    """Amsterdam (off) joins the group of Rotterdam (on): bram must now set it up."""
    process_a, process_b = shared.app(), shared.app()
    assert process_a.guard is not None
    with browser(process_b, shared.clock) as bram:
        bram.login("bram")
        for _ in range(3):  # process B has cached that his office does not require it
            assert DASHBOARD in bram.get("/").text

        for app in (process_a, process_b):  # the host's own data, as its database would
            assert app.guard is not None
            backend = app.guard.host_backend
            assert isinstance(backend, DemoBackend)
            backend._offices["amsterdam"] = replace(
                backend._offices["amsterdam"], group="rotterdam"
            )
        with browser(process_a, shared.clock) as host:
            assert host.client.portal is not None
            host.client.portal.call(process_a.guard.offices_changed)

        assert sent_within(bram, "/2fa/enroll")
