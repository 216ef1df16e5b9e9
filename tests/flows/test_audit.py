"""The audit trail: every security event stored without secrets, shown to the office's admins."""

from __future__ import annotations

import base64
import logging
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest

from nextens_guard import AuthBackend, GuardUser
from nextens_guard.reset_codes import format_reset_code
from nextens_guard.services.audit import AuditEvent, EventKind
from tests.flows.test_office import activate_office
from tests.support import Parts, browser


def events_of(parts: Parts, office_ids: list[str]) -> list[tuple[str, str | None, str | None]]:
    async def read() -> list[tuple[str, str | None, str | None]]:
        from nextens_guard.store.sql import SQLStore

        store = SQLStore.from_url(parts.database_url, table_prefix=parts.table_prefix)
        try:
            records = await store.recent_events(office_ids=office_ids, limit=500)
        finally:
            await store.close()
        return [(r.event, r.actor_id, r.subject_id) for r in records]

    return anyio.run(read)


def test_every_security_event_is_recorded_with_actor_subject_and_office(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        bram.login("bram")
        secret, reset_code = bram.enroll()
        bram.post("/logout")
        bram.login("bram")
        bram.submit("/2fa/verify", code="000000" if bram.code(secret) != "000000" else "111111")
        bram.verify(secret)
        bram.post("/logout")
        bram.login("bram")
        bram.submit("/2fa/recover", reset_code="K7QF2M9XDA3HV8TPZ4NE")
        bram.submit("/2fa/recover", reset_code=reset_code)
        anna.submit("/2fa/office/reset-code", password="wrong")
        anna.submit("/2fa/office/reset-code", password="nextens-demo")
        anna.submit("/2fa/users/bram/reset")
    kinds = {event for event, _, _ in events_of(parts, ["amsterdam"])}
    assert {
        "activated",
        "enrolled",
        "verified",
        "code_failed",
        "reset_code_failed",
        "recovered",
        "password_failed",
        "reset_code_viewed",
        "reset_by_admin",
    } <= kinds
    events = events_of(parts, ["amsterdam"])
    assert ("reset_by_admin", "anna", "bram") in events
    assert ("activated", "anna", None) in events
    # Utrecht's admins see the activation that reached their office too.
    assert ("activated", "anna", None) in events_of(parts, ["utrecht"])


def test_admins_see_their_own_offices_recent_events_on_the_office_page(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as ruben:
        activate_office(anna)
        ruben.login("ruben")
        ruben.enroll()
        page = anna.get("/2fa/office")
        assert 'data-event="activated"' in page.text
        rows = re.findall(r'<tr data-event="(\w+)">.*?</tr>', page.text, re.DOTALL)
        assert rows
        # Nothing of Rotterdam shows in Amsterdam.
        assert "ruben" not in page.text


def test_a_failed_lockout_is_recorded(parts: Parts) -> None:
    with browser(parts.app(), parts.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")
        for _ in range(10):
            rosa.submit("/2fa/verify", code="000000")
    assert ("locked_out", "rosa", "rosa") in events_of(parts, ["rotterdam"])


def test_the_hosts_event_hook_hears_resets_and_deactivations(parts: Parts) -> None:
    heard: list[AuditEvent] = []

    async def hook(event: AuditEvent) -> None:
        heard.append(event)

    app = parts.app(on_event=hook)
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        bram.login("bram")
        bram.enroll()
        anna.submit("/2fa/users/bram/reset")
        anna.submit("/2fa/office/deactivate", password="nextens-demo")
    kinds = [(e.kind, e.subject_id, e.office_id) for e in heard]
    assert (EventKind.RESET_BY_ADMIN, "bram", "amsterdam") in kinds
    assert (EventKind.DEACTIVATED, None, "amsterdam") in kinds
    assert (EventKind.DEACTIVATED, None, "utrecht") in kinds


def test_a_failing_event_hook_is_logged_and_never_breaks_the_request(
    parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    async def hook(event: AuditEvent) -> None:
        raise RuntimeError("mail server down")

    with browser(parts.app(on_event=hook), parts.clock) as rosa:
        rosa.login("rosa")
        with caplog.at_level(logging.ERROR, logger="nextens_guard.audit"):
            rosa.enroll()
        assert rosa.get("/").status_code == 200
    assert "event hook failed" in caplog.text


def test_no_secret_reaches_the_audit_trail_or_the_logs(
    parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with browser(parts.app(), parts.clock) as rosa:
        rosa.login("rosa")
        secret, reset_code = rosa.enroll()
        rosa.submit("/2fa/office/reset-code", password="nextens-demo")
        cookie = rosa.client.cookies.get("session") or ""
    everything = repr(events_of(parts, ["rotterdam"])) + caplog.text
    for value in (secret, reset_code, "nextens-demo"):
        assert value not in everything
    session = base64.b64decode(cookie.split(".")[0] + "==").decode("utf-8", "replace")
    assert secret not in session
    assert reset_code not in session


def test_attempts_refused_during_a_lockout_are_not_each_recorded(parts: Parts) -> None:
    with browser(parts.app(), parts.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")
        for _ in range(25):
            rosa.submit("/2fa/verify", code="000000")
    kinds = [event for event, _, _ in events_of(parts, ["rotterdam"])]
    assert kinds.count("locked_out") == 1
    assert kinds.count("code_failed") == 9


def test_a_copy_of_the_database_without_the_key_reveals_no_secret(tmp_path: Path) -> None:
    parts = Parts(
        kind="embedded",
        database_url=f"sqlite:///{tmp_path / 'guard.sqlite3'}",
        redis_url=None,
        table_prefix="nextens_guard_",
        key_prefix="nextens_guard",
    )
    with browser(parts.app(), parts.clock) as rosa:
        rosa.login("rosa")
        secret, reset_code = rosa.enroll()
    copy = b"".join(path.read_bytes() for path in tmp_path.glob("guard.sqlite3*"))
    assert copy
    for value in (secret, reset_code, format_reset_code(reset_code)):
        assert value.encode() not in copy
        assert value.lower().encode() not in copy
    assert base64.b32decode(secret) not in copy


class Asked:
    """The demo backend, counting whom ``get_user`` was asked for."""

    def __init__(self, backend: AuthBackend) -> None:
        self._backend = backend
        self.ids: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)

    async def get_user(self, user_id: str) -> GuardUser | None:
        self.ids[user_id] += 1
        return await self._backend.get_user(user_id)


def test_the_office_page_names_the_people_of_its_events_and_marks_ids_nobody_has(
    parts: Parts,
) -> None:
    app = parts.app()
    assert app.guard is not None
    guard = app.guard
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        bram.login("bram")
        bram.enroll()
        anna.submit("/2fa/users/bram/reset")
        # An event of a user the host has since removed keeps their id.
        gone = AuditEvent(
            kind=EventKind.RESET_BY_ADMIN,
            outcome="ok",
            at=datetime.now(UTC),
            actor_id="cli:root",
            subject_id="vertrokken-42",
            office_id="amsterdam",
        )
        assert anna.client.portal is not None
        anna.client.portal.call(guard.audit.record, gone)

        asked = Asked(guard.backend.host)
        guard.backend.host = asked
        page = anna.get("/2fa/office")

        reset = re.search(r'<tr data-event="reset_by_admin">(.*?)</tr>', page.text, re.DOTALL)
        assert reset
        assert ">Bram Jansen<" in reset.group(1)
        assert ">Anna de Vries<" in reset.group(1)
        assert "vertrokken-42 (onbekende gebruiker)" in page.text
        assert 'data-user-id="vertrokken-42" data-unknown-user' in page.text
        # The operator is no user of the office: shown as it is, not as unknown.
        assert "cli:root" in page.text
        assert "cli:root (onbekende" not in page.text
        # Bram is in several rows and asked for once; so is everyone else on the events.
        assert len(re.findall(r'data-user-id="bram"', page.text)) > 1
        assert asked.ids["bram"] == 1
        assert asked.ids["vertrokken-42"] == 1

        english = anna.get("/2fa/office", headers={"accept-language": "en"})
        assert "vertrokken-42 (unknown user)" in english.text

        api = anna.get("/2fa/office", headers={"accept": "application/json"}).json()
        named = {(e["subject_id"], e["subject_username"]) for e in api["events"]}
        assert ("bram", "bram") in named
        assert ("vertrokken-42", None) in named
