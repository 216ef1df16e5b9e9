"""Two app servers, one guard: what holds on one process holds on the other.

Every test runs two real ``python -m example_app`` processes (A and B) on one
PostgreSQL database and one Redis, and people at browsers who each talk to one of them
over HTTP. How fast a change on A reaches B is measured by asking B every 10 ms from
the moment A answered, and printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx2 as httpx
import pytest

from bench.processes import Person, time_until, wrong_code
from nextens_guard.settings import DEFAULT_CACHE_TTL_SECONDS, DEFAULT_MAX_FAILURES
from tests.processes.conftest import A, Apps, B

# How soon a change made on one process must show on the other.
REACH_SECONDS = 1.0
# How soon a process subscribes again after losing its subscription.
RESUBSCRIBE_SECONDS = 5.0


def report(capsys: pytest.CaptureFixture[str], what: str, seconds: float) -> None:
    with capsys.disabled():
        print(f"\n  {what}: {seconds * 1000:.0f} ms")


def sent_to_the_code_prompt(person: Person) -> Callable[[], bool]:
    return lambda: person.first_stop() == "/2fa/verify"


def test_a_code_used_on_one_process_is_refused_on_the_other(apps: Apps) -> None:
    phone = apps.person("rosa", on=A)
    phone.login()
    phone.enroll()
    on_a, on_b = apps.person("rosa", on=A), apps.person("rosa", on=B)
    on_a.login()
    on_b.login()
    assert on_b.first_stop() == "/2fa/verify"

    code = apps.phone.code("rosa")
    assert on_a.submit("/2fa/verify", code=code).status_code == 303
    assert on_a.first_stop() == "app"
    replay = on_b.submit("/2fa/verify", code=code)
    assert replay.status_code == 400
    assert "al gebruikt" in replay.text
    assert on_b.first_stop() == "/2fa/verify"
    # The next code of the app is good on B.
    assert on_b.verify().status_code == 303
    assert on_b.first_stop() == "app"


def test_wrong_codes_on_both_processes_count_toward_one_lockout(apps: Apps) -> None:
    first = apps.person("rosa", on=A)
    first.login()
    first.enroll()
    on_a, on_b = apps.person("rosa", on=A), apps.person("rosa", on=B)
    on_a.login()
    on_b.login()
    secret = apps.phone.secrets["rosa"]

    statuses = []
    for attempt in range(DEFAULT_MAX_FAILURES):
        person = on_a if attempt % 2 == 0 else on_b
        statuses.append(person.submit("/2fa/verify", code=wrong_code(secret)).status_code)
    # Half the wrong codes went to each process, yet the last one locked the user out.
    assert statuses == [400] * (DEFAULT_MAX_FAILURES - 1) + [429]
    for person in (on_a, on_b):
        locked = person.verify()
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0
        assert person.first_stop() == "/2fa/verify"


def test_an_admin_reset_on_one_process_sends_the_users_session_on_the_other_to_enrollment(
    apps: Apps, capsys: pytest.CaptureFixture[str]
) -> None:
    ruben = apps.person("ruben", on=A)
    ruben.login()
    ruben.enroll()
    rosa = apps.person("rosa", on=B)
    rosa.login()
    rosa.enroll()
    # B decides rosa's requests from its cache now.
    for _ in range(3):
        assert rosa.first_stop() == "app"

    ruben.reset_user("rosa")
    delay = time_until(lambda: rosa.first_stop() == "/2fa/enroll", timeout=REACH_SECONDS)
    assert delay is not None, f"B still let rosa in {REACH_SECONDS} s after the reset on A"
    report(capsys, "admin reset on A reached B after", delay)


def test_a_deactivation_on_one_process_lets_users_on_the_other_in_without_a_code(
    apps: Apps, capsys: pytest.CaptureFixture[str]
) -> None:
    anna = apps.person("anna", on=A)
    anna.login()
    anna.activate_office()
    victor = apps.person("victor", on=B)
    victor.login()
    victor.enroll()
    victor.client.post("/logout")
    victor.login()
    for _ in range(3):
        assert victor.first_stop() == "/2fa/verify"

    anna.deactivate_office()
    delay = time_until(lambda: victor.first_stop() == "app", timeout=REACH_SECONDS)
    assert delay is not None, f"B still asked victor for a code {REACH_SECONDS} s later"
    report(capsys, "deactivation on A reached B after", delay)


def test_an_activation_on_one_process_sends_password_only_sessions_on_the_other_to_enrollment(
    apps: Apps, capsys: pytest.CaptureFixture[str]
) -> None:
    bram = apps.person("bram", on=B)
    bram.login()
    # Amsterdam starts without two-step verification: the password is enough on B.
    for _ in range(3):
        assert bram.first_stop() == "app"

    anna = apps.person("anna", on=A)
    anna.login()
    anna.activate_office()
    delay = time_until(lambda: bram.first_stop() == "/2fa/enroll", timeout=REACH_SECONDS)
    assert delay is not None, f"B still let bram in with the password {REACH_SECONDS} s later"
    report(capsys, "activation on A reached B after", delay)


def test_a_process_that_lost_its_redis_subscription_still_sees_a_reset_within_the_cache_ttl(
    apps: Apps, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's bound: cached state is never trusted longer than ``cache_ttl_seconds``
    (30 s), and not at all while the subscription is down; once B subscribes again by
    itself, a reset reaches it within a second again."""
    ruben = apps.person("ruben", on=A)
    ruben.login()
    ruben.enroll()
    rosa = apps.person("rosa", on=B)
    rosa.login()
    rosa.enroll()
    for _ in range(3):
        assert rosa.first_stop() == "app"

    assert apps.drop_subscriptions(B) >= 1
    ruben.reset_user("rosa")
    delay = time_until(
        lambda: rosa.first_stop() == "/2fa/enroll", timeout=DEFAULT_CACHE_TTL_SECONDS
    )
    assert delay is not None, f"B let rosa in for {DEFAULT_CACHE_TTL_SECONDS} s after the reset"
    report(capsys, "reset on A reached B with B's subscription dropped after", delay)

    back = time_until(lambda: bool(apps.subscriptions(B)), timeout=RESUBSCRIBE_SECONDS)
    assert back is not None, f"B did not subscribe again within {RESUBSCRIBE_SECONDS} s"
    rosa.enroll()
    # Give B a moment to trust its cache again, then let it cache rosa's new state.
    time.sleep(0.2)
    for _ in range(3):
        assert rosa.first_stop() == "app"
    ruben.reset_user("rosa")
    delay = time_until(lambda: rosa.first_stop() == "/2fa/enroll", timeout=REACH_SECONDS)
    assert delay is not None, f"B let rosa in {REACH_SECONDS} s after the next reset"
    report(capsys, "reset on A reached B after it subscribed again", delay)


def test_a_logout_on_one_process_refuses_every_copy_of_the_session_on_both_within_a_second(
    apps: Apps, capsys: pytest.CaptureFixture[str]
) -> None:
    rosa = apps.person("rosa", on=A)
    rosa.login()
    rosa.enroll()
    assert rosa.first_stop() == "app"
    # Two copies of her verified cookie, one used on each process.
    copies = [apps.person("rosa", on=A), apps.person("rosa", on=B)]
    for copy in copies:
        copy.client.cookies = httpx.Cookies(rosa.client.cookies)
        assert copy.first_stop() == "app"

    assert rosa.client.post("/logout").status_code == 303

    for on, copy in zip((A, B), copies, strict=True):
        delay = time_until(sent_to_the_code_prompt(copy), timeout=1.0)
        assert delay is not None, f"process {'AB'[on]} let a copy in after the logout"
        report(capsys, f"logout on A refused the copy on {'AB'[on]} after", delay)
