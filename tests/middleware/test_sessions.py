"""A verified session belongs to one user and one enrollment, on every process."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

import httpx2 as httpx
import pytest

from tests.middleware.host import APP_PAGE, build_host
from tests.support import Parts, browser, location


@pytest.mark.parametrize(
    ("ruben_enrolled", "step"), [(True, "verify"), (False, "enroll")], ids=["enrolled", "new"]
)
def test_a_session_verified_for_one_user_never_counts_for_another(
    parts: Parts, ruben_enrolled: bool, step: str
) -> None:
    host = build_host(parts)
    with browser(host.app, parts.clock) as rosa:
        if ruben_enrolled:
            # Enrolled once each, rosa and ruben share the same enrollment generation.
            with browser(host.app, parts.clock, beside=rosa) as ruben:
                ruben.login("ruben")
                ruben.enroll()
        rosa.login("rosa")
        rosa.enroll()
        assert "data-user>rosa<" in rosa.get("/").text

        switched = rosa.post("/switch-user", data={"username": "ruben"})
        assert switched.status_code == 303

        answer = rosa.get("/")
        assert answer.status_code == 303
        assert location(answer) == f"/2fa/{step}?next=%2F"
        assert APP_PAGE not in answer.text
        api = rosa.get("/api/aangiften", headers={"accept": "application/json"})
        assert api.status_code == 401
        assert api.json()["action"] == step
        # The guard's page is for ruben now, not a pass for rosa's verified session.
        assert rosa.get(f"/2fa/{step}").status_code == 200


def test_a_recovery_on_one_process_voids_the_verified_session_on_another(
    shared: Parts,
) -> None:
    process_a, process_b = shared.app(), shared.app()
    assert process_b.guard is not None
    with (
        browser(process_a, shared.clock) as on_a,
        browser(process_b, shared.clock) as on_b,
    ):
        on_b.login("rosa")
        _, reset_code = on_b.enroll()
        # Process B lets rosa in from the proof her session carries, and from what it
        # holds of the revocations: it asks nobody.
        deadline = time.monotonic() + 2
        while not process_b.guard.revocations.current:
            assert time.monotonic() < deadline, "process B never caught up"
            time.sleep(0.05)
        assert 'data-app-page="dashboard"' in on_b.get("/").text

        on_a.login("rosa")
        assert location(on_a.get("/")).startswith("/2fa/verify")
        recovered = on_a.submit("/2fa/recover", reset_code=reset_code)
        assert recovered.status_code == 303
        assert location(recovered).startswith("/2fa/enroll")

        deadline = time.monotonic() + 1
        while True:
            answer = on_b.get("/")
            if answer.status_code == 303:
                break
            assert answer.status_code == 200
            assert time.monotonic() < deadline, "process B still lets the old session in"
            time.sleep(0.02)
        assert location(answer) == "/2fa/enroll?next=%2F"


def test_a_logout_on_one_process_refuses_a_copy_of_the_session_on_another_within_a_second(
    shared: Parts,
) -> None:
    process_a, process_b = shared.app(), shared.app()
    with (
        browser(process_a, shared.clock) as rosa,
        browser(process_b, shared.clock) as thief,
    ):
        rosa.login("rosa")
        rosa.enroll()
        assert 'data-app-page="dashboard"' in rosa.get("/").text
        thief.client.cookies = rosa.client.cookies
        assert 'data-app-page="dashboard"' in thief.get("/").text

        rosa.post("/logout")
        logged_out = time.monotonic()

        while True:
            answer = thief.get("/")
            if answer.status_code == 303:
                break
            assert answer.status_code == 200
            assert time.monotonic() - logged_out < 1, "process B still lets the copy in"
            time.sleep(0.02)
        assert location(answer).startswith("/2fa/verify")


def test_a_process_that_starts_after_a_logout_refuses_the_copy_at_once(shared: Parts) -> None:
    process_a = shared.app()
    with browser(process_a, shared.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
        cookies = httpx.Cookies(rosa.client.cookies)
        rosa.post("/logout")

        # Started later: it learns the ended logins from Redis, not from a message.
        with browser(shared.app(), shared.clock) as thief:
            thief.client.cookies = cookies
            assert location(thief.get("/")).startswith("/2fa/verify")


def test_the_host_gives_the_session_a_new_id_when_it_passes_the_second_step(
    parts: Parts,
) -> None:
    """A host with server-side sessions rotates the id in ``on_verified``; here the hook
    records what it was given and leaves a new id in the session, as such a host would."""
    rotated: list[tuple[str, str | None]] = []

    async def on_verified(scope: MutableMapping[str, Any]) -> None:
        session = scope["session"]
        rotated.append((scope["path"], session.get("session_id")))
        session["session_id"] = f"id-{len(rotated)}"

    host = build_host(parts, on_verified=on_verified)
    with browser(host.app, parts.clock) as rosa:
        rosa.login("rosa")
        secret, _ = rosa.enroll()
        assert rotated == [("/2fa/enroll/finish", None)]
        rosa.post("/logout")
        rosa.login("rosa")
        assert rosa.verify(secret).status_code == 303
        assert rotated[1] == ("/2fa/verify", None)
        assert APP_PAGE in rosa.get("/").text


def test_a_failing_session_hook_leaves_the_session_unverified_with_a_503(parts: Parts) -> None:
    async def on_verified(scope: MutableMapping[str, Any]) -> None:
        raise RuntimeError("the session store is down")

    host = build_host(parts, on_verified=on_verified)
    with browser(host.app, parts.clock) as rosa:
        rosa.login("rosa")
        assert rosa.get("/2fa/enroll").status_code == 200
        secret = rosa.scan()
        assert rosa.submit("/2fa/enroll/code", code=rosa.code(secret)).status_code == 303
        assert rosa.submit("/2fa/enroll/finish").status_code == 503
        assert location(rosa.get("/")).startswith("/2fa/verify")


def test_a_copy_from_before_a_reset_on_one_process_cannot_bind_a_phone_on_another(
    shared: Parts,
) -> None:
    process_a, process_b = shared.app(), shared.app()
    with (
        browser(process_a, shared.clock) as ruben,
        browser(process_a, shared.clock, beside=ruben) as rosa,
        browser(process_b, shared.clock) as thief,
    ):
        ruben.login("ruben")
        ruben.enroll()
        rosa.login("rosa")
        rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")
        thief.client.cookies = httpx.Cookies(rosa.client.cookies)

        assert ruben.submit("/2fa/users/rosa/reset").status_code == 303

        answer = thief.get("/2fa/enroll/scan")
        assert location(answer).startswith("/2fa/enroll/password")
        assert 'data-totp-secret="' not in answer.text


def test_a_new_login_on_one_process_ends_the_copies_of_the_login_before_on_another(
    shared: Parts,
) -> None:
    process_a, process_b = shared.app(), shared.app()
    with (
        browser(process_a, shared.clock) as rosa,
        browser(process_b, shared.clock) as thief,
    ):
        rosa.login("rosa")
        rosa.enroll()
        thief.client.cookies = httpx.Cookies(rosa.client.cookies)
        assert 'data-app-page="dashboard"' in thief.get("/").text

        rosa.login("rosa")
        logged_in = time.monotonic()

        while True:
            answer = thief.get("/")
            if answer.status_code == 303:
                break
            assert time.monotonic() - logged_in < 1, "process B still lets the old login in"
            time.sleep(0.02)
        assert location(answer).startswith("/2fa/verify")
