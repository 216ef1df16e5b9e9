"""What the host's ``on_event`` hook hears: enough to write the user a mail, with no lookup."""

from __future__ import annotations

from datetime import datetime

import pytest

from nextens_guard import AuditEvent, EventKind
from tests.flows.test_office import activate_office
from tests.support import Browser, Parts, browser

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0"
# Each change to someone's second step, and repeated failures, is worth a mail.
MAILED = [
    EventKind.ENROLLED,
    EventKind.RESET_CODE_VIEWED,
    EventKind.LOGGED_OUT_EVERYWHERE,
    EventKind.RECOVERED,
    EventKind.RESET_BY_ADMIN,
    EventKind.LOCKED_OUT,
]


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def walk_every_change(anna: Browser, bram: Browser) -> None:
    """Anna switches the office on; Bram sets up, looks at his reset code, logs out
    everywhere, recovers, is reset by Anna, locks himself out; Anna switches it off."""
    activate_office(anna)
    bram.login("bram")
    secret, reset_code = bram.enroll()
    bram.submit("/2fa/office/reset-code", password="nextens-demo")
    bram.submit("/2fa/logout-everywhere")
    bram.post("/logout")
    bram.login("bram")
    assert bram.submit("/2fa/recover", reset_code=reset_code).status_code == 303
    secret, _ = bram.enroll()
    anna.submit("/2fa/users/bram/reset")
    bram.post("/logout")
    bram.login("bram")
    secret, _ = bram.enroll()
    bram.post("/logout")
    bram.login("bram")
    for _ in range(10):
        bram.submit("/2fa/verify", code=wrong(bram.code(secret)))
    anna.submit("/2fa/office/deactivate", password="nextens-demo")


@pytest.fixture
def heard(parts: Parts) -> list[AuditEvent]:
    events: list[AuditEvent] = []

    async def hook(event: AuditEvent) -> None:
        events.append(event)

    app = parts.app(on_event=hook)
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        anna.client.headers["User-Agent"] = BROWSER
        bram.client.headers["User-Agent"] = BROWSER
        walk_every_change(anna, bram)
    return events


def only(heard: list[AuditEvent], kind: EventKind, subject: str | None = "bram") -> AuditEvent:
    matching = [e for e in heard if e.kind is kind and e.subject_id == subject]
    assert matching, f"the hook never heard {kind} about {subject}"
    return matching[-1]


@pytest.mark.parametrize("kind", MAILED)
def test_the_hook_hears_each_change_with_what_a_mail_to_the_user_needs(
    heard: list[AuditEvent], kind: EventKind
) -> None:
    event = only(heard, kind)

    assert event.subject_id == "bram"
    assert event.subject_username == "bram"
    assert event.subject_name == "Bram Jansen"  # the backend's display name
    assert event.office_id == "amsterdam"
    assert isinstance(event.at, datetime)
    assert event.at.tzinfo is not None
    assert event.address  # the client address, as the limits count it
    assert event.user_agent == BROWSER
    assert event.outcome


def test_a_reset_by_an_admin_names_the_admin_for_the_mail(heard: list[AuditEvent]) -> None:
    event = only(heard, EventKind.RESET_BY_ADMIN)

    assert event.actor_id == "anna"
    assert event.actor_name == "Anna de Vries"


def test_a_lockout_tells_the_hook_what_failed_how_often_and_for_how_long(
    heard: list[AuditEvent],
) -> None:
    event = only(heard, EventKind.LOCKED_OUT)

    assert event.failure_kind is EventKind.CODE_FAILED
    assert event.failures == 10
    assert event.retry_after is not None
    assert event.retry_after >= 60
    # The nine failures before it reach the hook one by one, each with its count.
    counts = [e.failures for e in heard if e.kind is EventKind.CODE_FAILED]
    assert counts[-9:] == list(range(1, 10))


@pytest.mark.parametrize("kind", [EventKind.ACTIVATED, EventKind.DEACTIVATED])
def test_an_office_wide_change_reaches_the_hook_once_per_office_of_the_group(
    heard: list[AuditEvent], kind: EventKind
) -> None:
    offices = {e.office_id for e in heard if e.kind is kind and e.actor_id == "anna"}

    assert offices == {"amsterdam", "utrecht"}
    event = only(heard, kind, subject=None)
    assert event.actor_id == "anna"
    assert event.actor_name == "Anna de Vries"
    assert event.user_agent == BROWSER
    assert event.address


def test_an_event_outside_a_guard_page_carries_no_user_agent(parts: Parts) -> None:
    events: list[AuditEvent] = []

    async def hook(event: AuditEvent) -> None:
        events.append(event)

    app = parts.app(on_event=hook)
    with browser(app, parts.clock) as rosa:
        rosa.client.headers["User-Agent"] = BROWSER
        rosa.login("rosa")
        rosa.enroll()
        guard = app.guard
        portal = rosa.client.portal
        assert guard is not None
        assert portal is not None
        user = portal.call(guard.backend.get_user, "rosa")
        assert user is not None
        # As the operator's CLI resets someone: no browser, no request.
        portal.call(guard.office.reset_user_by, "cli:root", user, None)

    event = only(events, EventKind.RESET_BY_ADMIN, subject="rosa")
    assert event.user_agent is None
    assert event.actor_name is None
    assert event.subject_username == "rosa"


def test_a_user_agent_is_cut_short_and_printable(parts: Parts) -> None:
    events: list[AuditEvent] = []

    async def hook(event: AuditEvent) -> None:
        events.append(event)

    with browser(parts.app(on_event=hook), parts.clock) as rosa:
        rosa.client.headers["User-Agent"] = "Evil\x07Agent/1.0 " + "x" * 1000
        rosa.login("rosa")
        rosa.enroll()

    event = only(events, EventKind.ENROLLED, subject="rosa")
    assert event.user_agent is not None
    assert event.user_agent.startswith("EvilAgent/1.0 ")
    assert len(event.user_agent) == 256
