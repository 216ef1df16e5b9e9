"""Redis goes down and comes back: nobody gets past the code prompt meanwhile, nothing
durable is lost, and the guard picks up again by itself.

Each test runs the example app on PostgreSQL and on a ``redis-server`` of its own, which
it kills (as a crash would) and starts again on the same port. Redis keeps no data on
disk here, so a restarted server has forgotten every counter and used code.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2 as httpx

from example_app.app import ExampleApp
from nextens_guard.guard import Guard
from nextens_guard.services.audit import EventKind
from nextens_guard.store.sql import SQLStore
from tests.support import Browser, Parts, browser, location

from .harness import (
    DASHBOARD,
    JSON,
    RedisServer,
    assert_sent_to,
    assert_unavailable,
    at_the_code_prompt,
    enrollment_of,
    events_of,
    with_store,
    within,
)

# How long the guard may take to notice that Redis is gone, or back.
NOTICE_SECONDS = 5.0


def guard_of(app: ExampleApp) -> Guard:
    assert app.guard is not None
    return app.guard


def post_code_as_json(person: Browser, code: str) -> httpx.Response:
    token = person.csrf_token("/2fa/verify")
    return person.post("/2fa/verify", data={"csrf_token": token, "code": code}, headers=JSON)


def redis_gone(app: ExampleApp) -> bool:
    """Whether the guard has noticed that its invalidation channel is gone."""
    return within(NOTICE_SECONDS, lambda: not guard_of(app).ephemeral.listening)


def test_while_redis_is_down_a_user_at_the_code_prompt_gets_503_and_never_the_dashboard(
    parts: Parts, redis_server: RedisServer
) -> None:
    with browser(parts.app(), parts.clock) as rosa:
        secret = at_the_code_prompt(rosa, "rosa")
        redis_server.stop()

        assert_unavailable(rosa.verify(secret))
        api = post_code_as_json(rosa, rosa.code(secret))
        assert api.status_code == 503
        assert api.json()["error"] == "http_503"
        assert api.headers["retry-after"]
        # However often they try, the app stays out of reach.
        assert_sent_to(rosa, "/2fa/verify")
        assert_unavailable(rosa.verify(secret))
        assert_sent_to(rosa, "/2fa/verify")


def test_while_redis_is_down_a_user_still_enrolling_cannot_finish(
    parts: Parts, redis_server: RedisServer
) -> None:
    with browser(parts.app(), parts.clock) as ruben:
        ruben.login("ruben")
        assert location(ruben.get("/")).startswith("/2fa/enroll")
        secret = ruben.scan()
        redis_server.stop()

        assert_unavailable(ruben.submit("/2fa/enroll/code", code=ruben.code(secret)))
        # The final step does not open, and a click on "Activeren" counts for nothing.
        assert location(ruben.get("/2fa/enroll/finish")).startswith("/2fa/enroll/code")
        token = ruben.csrf_token("/2fa/enroll/code")
        click = ruben.post("/2fa/enroll/finish", data={"csrf_token": token})
        assert click.status_code in (303, 409, 503), click.text
        if click.status_code == 303:
            assert location(click).startswith("/2fa/enroll")
        assert_sent_to(ruben, "/2fa/enroll")

        record = enrollment_of(parts, "ruben")
        assert record is not None
        assert not record.enrolled
        assert record.secret is None
        assert record.pending_code_ok_at is None


def test_when_redis_is_back_the_same_user_verifies_without_any_manual_step(
    parts: Parts, redis_server: RedisServer
) -> None:
    app = parts.app()
    with browser(app, parts.clock) as rosa:
        secret = at_the_code_prompt(rosa, "rosa")
        before = enrollment_of(parts, "rosa")
        redis_server.stop()
        assert_unavailable(rosa.verify(secret))

        redis_server.start()
        answers: list[int] = []

        def verified() -> bool:
            answers.append(rosa.verify(secret).status_code)
            return answers[-1] != 503

        assert within(NOTICE_SECONDS, verified, pause=0.1), answers
        # The enrollment survived the outage: the secret on the phone still works.
        assert answers[-1] == 303, answers
        page = rosa.get("/")
        assert page.status_code == 200
        assert DASHBOARD in page.text
        # The invalidation channel is back too, without anyone restarting the app.
        assert within(NOTICE_SECONDS, lambda: guard_of(app).ephemeral.listening)

    after = enrollment_of(parts, "rosa")
    assert before is not None
    assert after is not None
    assert after.enrolled
    assert (after.generation, after.secret, after.reset_code) == (
        before.generation,
        before.secret,
        before.reset_code,
    )


def test_while_redis_is_down_a_verified_user_keeps_working_from_the_database(
    parts: Parts, redis_server: RedisServer
) -> None:
    """The cache is dropped with the subscription; the database still says "verified"."""
    app = parts.app()
    with browser(app, parts.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
        assert DASHBOARD in rosa.get("/").text
        redis_server.stop()
        assert redis_gone(app)

        for _ in range(3):
            page = rosa.get("/")
            assert page.status_code == 200
            assert DASHBOARD in page.text


def test_while_redis_is_down_a_reset_sends_the_old_session_to_enrollment(
    parts: Parts, redis_server: RedisServer
) -> None:
    """Another process resets the user; with Redis down it cannot tell anyone, so the
    guard must not believe its cached "verified in generation 1" any more."""
    app = parts.app()
    with browser(app, parts.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
        assert DASHBOARD in rosa.get("/").text
        redis_server.stop()
        assert redis_gone(app)

        async def reset(store: SQLStore) -> list[str]:
            return await store.void_enrollments(["rosa"], now=datetime.now(UTC))

        assert with_store(parts, reset) == ["rosa"]
        assert_sent_to(rosa, "/2fa/enroll")


def test_while_redis_is_down_an_office_switched_on_elsewhere_applies_at_the_next_request(
    parts: Parts, redis_server: RedisServer
) -> None:
    """A cached "not required" is not trusted once the subscription is gone."""
    app = parts.app()
    with browser(app, parts.clock) as bram:
        bram.login("bram")
        assert DASHBOARD in bram.get("/").text
        redis_server.stop()
        assert redis_gone(app)

        async def activate(store: SQLStore) -> None:
            await store.set_offices_active(
                ["amsterdam", "utrecht"], active=True, actor_id="anna", now=datetime.now(UTC)
            )

        with_store(parts, activate)
        assert_sent_to(bram, "/2fa/enroll")


def test_redis_lost_between_the_code_and_the_final_click_leaves_a_whole_enrollment_or_none(
    parts: Parts, redis_server: RedisServer
) -> None:
    """The code was accepted while Redis answered; then it went down before "Activeren".

    The click may finish the enrollment or refuse it, but an enrollment that counts is in
    the audit trail, and once Redis is back the user gets in with the phone they set up.
    """
    with browser(parts.app(), parts.clock) as ruben:
        ruben.login("ruben")
        ruben.get("/2fa/enroll")
        secret = ruben.scan()
        assert ruben.submit("/2fa/enroll/code", code=ruben.code(secret)).status_code == 303
        assert "data-reset-code" in ruben.get("/2fa/enroll/finish").text
        redis_server.stop()

        click = ruben.submit("/2fa/enroll/finish")
        assert click.status_code in (303, 503), click.text
        record = enrollment_of(parts, "ruben")
        assert record is not None
        if record.enrolled:
            assert record.reset_code is not None
            enrolled = [e for e in events_of(parts, "rotterdam") if e.subject_id == "ruben"]
            assert EventKind.ENROLLED.value in {e.event for e in enrolled}, (
                f"ruben's enrollment counts (generation {record.generation}, "
                f"answer {click.status_code}) but the audit trail has only "
                f"{sorted(e.event for e in enrolled)}"
            )
        else:
            assert record.pending_secret is not None
            assert record.pending_reset_code is not None
            assert record.pending_code_ok_at is not None
        if click.status_code == 503:
            assert DASHBOARD not in ruben.get("/").text

        redis_server.start()
        parts.clock.advance(30)
        if record.enrolled:
            assert within(NOTICE_SECONDS, lambda: ruben.verify(secret).status_code == 303)
        else:
            assert within(
                NOTICE_SECONDS, lambda: ruben.submit("/2fa/enroll/finish").status_code == 303
            )
        assert DASHBOARD in ruben.get("/").text


def test_while_redis_is_down_an_admin_reset_is_done_and_audited_or_not_done(
    parts: Parts, redis_server: RedisServer
) -> None:
    """Ruben resets rosa while Redis is down. Either the reset is refused and rosa keeps
    her enrollment, or it happens, rosa's old session goes to enrollment and the reset
    is in the audit trail."""
    app = parts.app()
    with browser(app, parts.clock) as rosa, browser(app, parts.clock, beside=rosa) as ruben:
        rosa.login("rosa")
        rosa.enroll()
        ruben.login("ruben")
        ruben.enroll()
        assert DASHBOARD in rosa.get("/").text
        assert ruben.get("/2fa/users/rosa/reset").status_code == 200
        redis_server.stop()
        assert redis_gone(app)

        answer = ruben.submit("/2fa/users/rosa/reset")
        assert answer.status_code in (303, 503), answer.text
        record = enrollment_of(parts, "rosa")
        assert record is not None
        if record.enrolled:
            assert answer.status_code == 503
            assert DASHBOARD in rosa.get("/").text
        else:
            assert_sent_to(rosa, "/2fa/enroll")
            resets = [
                e
                for e in events_of(parts, "rotterdam")
                if e.event == EventKind.RESET_BY_ADMIN.value and e.subject_id == "rosa"
            ]
            assert resets, (
                f"rosa's enrollment was reset (answer {answer.status_code}) "
                "but the audit trail does not show it"
            )
