"""The example's notices: the mails it would send about a person's second step."""

from __future__ import annotations

import logging

import pytest

from tests.example.conftest import ENGLISH
from tests.flows.test_notifications import BROWSER, MAILED, walk_every_change
from tests.support import Browser, Parts, browser, location


def test_a_verified_user_sees_their_own_notices_and_nobody_elses(embedded: Parts) -> None:
    app = embedded.app()
    with browser(app, embedded.clock) as rosa, browser(app, embedded.clock, beside=rosa) as ruben:
        rosa.client.headers["Accept-Language"] = ENGLISH
        rosa.login("rosa")
        rosa.enroll()
        rosa.submit("/2fa/office/reset-code", password="nextens-demo")
        ruben.login("ruben")
        ruben.enroll()

        page = rosa.get("/notifications")
        others = ruben.get("/notifications").text

    assert page.status_code == 200
    assert 'data-app-page="notifications"' in page.text
    assert 'data-notice="enrolled"' in page.text
    assert 'data-notice="reset_code_viewed"' in page.text
    assert "Your reset code was viewed" in page.text
    # Switching the office on reached everyone of it, rosa too.
    assert 'data-notice="activated"' in page.text
    assert 'data-notice="reset_code_viewed"' not in others


def test_the_notices_page_is_behind_the_second_step(person: Browser) -> None:
    person.login("rosa")

    answer = person.get("/notifications")

    assert answer.status_code == 303
    assert location(answer).startswith("/2fa/enroll")


def test_the_dashboard_links_to_the_notices(person: Browser) -> None:
    person.login("bram")

    assert 'href="/notifications"' in person.get("/").text


def test_the_example_app_logs_every_event_with_what_its_mail_would_say(
    parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="example_app.events")
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        anna.client.headers["User-Agent"] = BROWSER
        bram.client.headers["User-Agent"] = BROWSER
        walk_every_change(anna, bram)
    lines = [r.getMessage() for r in caplog.records if r.name == "example_app.events"]

    for kind in MAILED:
        (line, *_) = [x for x in lines if f"event={kind.value} " in x and "user=bram " in x]
        assert "office=amsterdam" in line
        assert "mail=yes" in line
        assert f"agent={BROWSER} " in line
    assert any("event=code_failed " in x and "mail=no" in x for x in lines)
    assert any("event=locked_out " in x and "failures=10 " in x for x in lines)
