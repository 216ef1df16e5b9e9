"""An operator looks a user up and resets them, as an admin does on the user's page."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Operator
from tests.cli.test_office import WAIT_SECONDS, running_app
from tests.support import browser, sent_within


def test_user_status_tells_whether_two_step_verification_is_required_and_set_up(
    operator: Operator,
) -> None:
    parts = operator.parts
    with browser(running_app(parts), parts.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
    shown = operator("user", "status", "rosa")
    assert shown.code == 0, shown.err
    assert "User rosa (Rosa Mulder)" in shown.out
    assert "Office: rotterdam (Kantoor Rotterdam)" in shown.out
    assert "Two-step verification required: yes" in shown.out
    assert "State: enrolled since" in shown.out

    bram = json.loads(operator("user", "status", "bram", "--json").out)
    assert bram["required"] is False
    assert bram["state"] == "not enrolled"


def test_resetting_a_user_ends_their_verified_session_on_the_running_app(
    operator: Operator,
) -> None:
    parts = operator.parts
    app = running_app(parts)
    with browser(app, parts.clock) as rosa:
        rosa.login("rosa")
        old_secret, _ = rosa.enroll()
        assert rosa.get("/").status_code == 200

        done = operator("user", "reset", "rosa", "--yes")

        assert done.code == 0, done.err
        assert "rosa is reset" in done.out
        if parts.redis_url:
            assert "Every running app process was told through Redis." in done.out
        else:
            # The app's memory is out of this process's reach: its cache expires instead.
            assert "No Redis configured" in done.out
        assert sent_within(rosa, "/2fa/enroll", seconds=WAIT_SECONDS)
        new_secret, _ = rosa.enroll()
        assert new_secret != old_secret
    exported = operator("audit", "export", "--user", "rosa")
    resets = [json.loads(line) for line in exported.out.splitlines()]
    resets = [e for e in resets if e["event"] == "reset_by_admin"]
    assert [(e["actor_id"], e["subject_id"], e["office_id"]) for e in resets] == [
        (operator.actor, "rosa", "rotterdam")
    ]


def test_the_reset_says_so_when_the_user_had_nothing_set_up(operator: Operator) -> None:
    done = operator("user", "reset", "bram", "--yes", "--json")
    assert done.code == 0, done.err
    assert json.loads(done.out) == {
        "actor": operator.actor,
        "destroyed": False,
        "reset": True,
        "user": "bram",
    }


def test_a_reset_without_yes_and_without_a_terminal_changes_nothing(
    embedded_operator: Operator,
) -> None:
    parts = embedded_operator.parts
    with browser(running_app(parts), parts.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
    refused = embedded_operator("user", "reset", "rosa")
    assert refused.code == 2
    assert "pass --yes" in refused.err
    assert json.loads(embedded_operator("user", "status", "rosa", "--json").out)["enrolled"]


@pytest.mark.parametrize("command", ["status", "reset"])
@pytest.mark.parametrize("user", ["nobody", "x" * 300])
def test_an_unknown_user_is_named_and_exits_2(
    embedded_operator: Operator, command: str, user: str
) -> None:
    outcome = embedded_operator("user", command, user, "--yes" if command == "reset" else "--json")
    assert outcome.code == 2
    assert "unknown user" in outcome.err
    assert outcome.out == ""


def test_logging_a_user_out_everywhere_asks_every_session_for_the_code_and_keeps_the_phone(
    operator: Operator,
) -> None:
    parts = operator.parts
    app = running_app(parts)
    with browser(app, parts.clock) as rosa:
        rosa.login("rosa")
        secret, _ = rosa.enroll()
        assert rosa.get("/").status_code == 200

        done = operator("user", "logout-everywhere", "rosa", "--yes")

        assert done.code == 0, done.err
        assert "rosa is logged out everywhere" in done.out
        assert sent_within(rosa, "/2fa/verify", seconds=WAIT_SECONDS)
        parts.clock.advance(30)
        assert rosa.verify(secret).status_code == 303
        assert rosa.get("/").status_code == 200
    exported = operator("audit", "export", "--user", "rosa")
    events = [json.loads(line)["event"] for line in exported.out.splitlines()]
    assert "logged_out_everywhere" in events


def test_logging_out_everywhere_says_so_when_the_user_had_nothing_set_up(
    operator: Operator,
) -> None:
    done = operator("user", "logout-everywhere", "bram", "--yes", "--json")
    assert done.code == 0, done.err
    assert json.loads(done.out) == {
        "actor": operator.actor,
        "logged_out_everywhere": False,
        "user": "bram",
    }
