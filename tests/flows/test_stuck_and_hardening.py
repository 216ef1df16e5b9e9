"""Ways a user got stuck, and the guard's limits and logs held against floods and tricks.

A recovery or a deactivation starts clean; a flood of logins does not push the events
that matter off the admin's page; every address of one IPv6 /64 counts as one address;
a client that goes away mid-body is no error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import anyio
import pytest
from starlette.types import ASGIApp, Message, Scope

from nextens_guard.store.base import AuditRecord
from nextens_guard.store.sql import SQLStore
from tests.flows.test_office import activate_office, status_of
from tests.support import Browser, Parts, browser, location

PASSWORD = "nextens-demo"


def records_of(parts: Parts, office_id: str) -> Sequence[AuditRecord]:
    async def read() -> Sequence[AuditRecord]:
        store = SQLStore.from_url(parts.database_url, table_prefix=parts.table_prefix)
        try:
            return await store.recent_events(office_ids=[office_id], limit=500)
        finally:
            await store.close()

    return anyio.run(read)


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_recovery_lifts_the_lockout_so_the_new_phones_first_code_counts(
    user: Browser,
) -> None:
    user.login("rosa")
    secret, reset_code = user.enroll()
    user.post("/logout")
    user.login("rosa")
    for _ in range(20):
        answer = user.submit("/2fa/verify", code=wrong(user.code(secret)))
        if answer.status_code == 429:
            break
    assert answer.status_code == 429
    recovered = user.submit("/2fa/recover", reset_code=reset_code)
    assert location(recovered).startswith("/2fa/enroll")
    new_secret = user.scan()
    answer = user.submit("/2fa/enroll/code", code=user.code(new_secret))
    assert answer.status_code == 303, answer.text
    assert user.submit("/2fa/enroll/finish").status_code == 303
    assert user.get("/").status_code == 200


def test_activating_again_right_after_a_deactivation_takes_the_new_phones_first_code(
    parts: Parts,
) -> None:
    with browser(parts.app(), parts.clock) as anna:
        old_secret, _ = activate_office(anna)
        anna.post("/logout")
        anna.login("anna")
        # This step is used now; the activation below happens within the same 30 s.
        assert anna.verify(old_secret).status_code == 303
        assert anna.submit("/2fa/office/deactivate", password=PASSWORD).status_code == 303
        activate_office(anna)
        assert status_of(anna) == "active"
    assert "code_failed" not in {r.event for r in records_of(parts, "amsterdam")}


def test_twenty_five_logins_before_enrolling_leave_one_enrollment_row_for_the_admin(
    parts: Parts,
) -> None:
    app = parts.app()
    with browser(app, parts.clock) as ruben, browser(app, parts.clock, beside=ruben) as rosa:
        ruben.login("ruben")
        ruben.enroll()
        for _ in range(25):
            rosa.post("/logout")
            rosa.login("rosa")
            assert rosa.get("/2fa/enroll/scan").status_code == 200
            parts.clock.advance(5)
        page = ruben.get("/2fa/office")
        # The admin's page still shows what happened before the flood.
        assert 'data-event="enrolled"' in page.text
    started = [r for r in records_of(parts, "rotterdam") if r.event == "enrollment_started"]
    rosas = [r for r in started if r.subject_id == "rosa"]
    assert len(rosas) == 1
    assert rosas[0].detail == "repeated=25"


def test_repeats_far_apart_are_separate_rows(parts: Parts) -> None:
    with browser(parts.app(), parts.clock) as rosa:
        for _ in range(2):
            rosa.post("/logout")
            rosa.login("rosa")
            rosa.get("/2fa/enroll/scan")
            parts.clock.advance(16 * 60)
    started = [r for r in records_of(parts, "rotterdam") if r.event == "enrollment_started"]
    assert [r.detail for r in started] == ["", ""]


def test_every_address_of_one_ipv6_64_shares_one_per_address_limit(parts: Parts) -> None:
    app = parts.app(max_failures=10, address_max_failures=7)
    with browser(app, parts.clock) as ruben, browser(app, parts.clock, beside=ruben) as rosa:
        at = {ruben: "2001:db8:1:2::a", rosa: "2001:db8:1:2:ffff:0:0:b"}
        for person, name in ((ruben, "ruben"), (rosa, "rosa")):
            person.client._transport.client = (at[person], 50000)  # type: ignore[attr-defined]
            person.login(name)
            secret = person.scan()
            for _ in range(3):
                answer = person.submit("/2fa/enroll/code", code=wrong(person.code(secret)))
                assert answer.status_code == 400, answer.text
        # A third address of the same /64: its seventh failure reaches the limit, and
        # rosa has failed often enough herself to be held back by it.
        rosa.client._transport.client = ("2001:db8:1:2::c", 50000)  # type: ignore[attr-defined]
        answer = rosa.submit("/2fa/enroll/code", code=wrong(rosa.code(secret)))
        assert answer.status_code == 429
        assert "retry-after" in answer.headers


def test_a_client_that_disconnects_mid_body_is_no_error(
    user: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    user.login("rosa")
    user.scan()
    token = user.csrf_token("/2fa/enroll/code")
    cookie = "; ".join(f"{name}={value}" for name, value in user.client.cookies.items())
    sent: list[Message] = []
    chunks: list[Message] = [
        {"type": "http.request", "body": f"csrf_token={token}&co".encode(), "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/2fa/enroll/code",
        "raw_path": b"/2fa/enroll/code",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"cookie", cookie.encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"100"),
        ],
        "client": ("192.0.2.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    caplog.set_level(logging.DEBUG)
    app: ASGIApp = user.client.app
    assert user.client.portal is not None
    user.client.portal.call(app, scope, receive, send)
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and r.exc_info]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert not [m for m in sent if m["type"] == "http.response.start"]
