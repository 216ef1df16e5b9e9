"""An operator switches an office group on or off from the command line, as admins do on
the office page, and the running app follows."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest

from example_app.app import ExampleApp
from tests.cli.conftest import Operator
from tests.support import Browser, Parts, browser, location, sent_within

# Without Redis, another process learns of a change when its cached state expires; the
# tests' app keeps it briefly so they need not wait the default 30 s.
SHORT_CACHE_SECONDS = 0.3
WAIT_SECONDS = 3.0


def running_app(parts: Parts) -> ExampleApp:
    if parts.redis_url:
        return parts.app()
    return parts.app(cache_ttl_seconds=SHORT_CACHE_SECONDS)


class Terminal(io.StringIO):
    """An operator typing at a terminal."""

    def isatty(self) -> bool:
        return True


def reaches_the_app_within(person: Browser, seconds: float) -> bool:
    """Whether ``person`` gets the dashboard itself, no guard page, within ``seconds``."""
    deadline = time.monotonic() + seconds
    while person.get("/").status_code != 200:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def events(operator: Operator, *args: str) -> list[dict[str, Any]]:
    outcome = operator("audit", "export", *args)
    assert outcome.code == 0, outcome.err
    return [json.loads(line) for line in outcome.out.splitlines()]


def test_office_status_names_the_group_and_the_state_of_each_user(operator: Operator) -> None:
    shown = operator("office", "status", "amsterdam")
    assert shown.code == 0, shown.err
    assert "Office amsterdam (Kantoor Amsterdam)" in shown.out
    assert "Two-step verification: off" in shown.out
    assert "utrecht (Kantoor Utrecht)" in shown.out
    assert "anna  not enrolled" in shown.out

    as_json = json.loads(operator("office", "status", "amsterdam", "--json").out)
    assert as_json["active"] is False
    assert sorted(as_json["group"]) == ["amsterdam", "utrecht"]
    assert [u["id"] for u in as_json["users"]] == ["anna", "bram"]


def test_activating_switches_the_whole_group_on_and_its_users_must_enroll(
    operator: Operator,
) -> None:
    parts = operator.parts
    app = running_app(parts)
    with browser(app, parts.clock) as bram, browser(app, parts.clock, beside=bram) as victor:
        bram.login("bram")
        victor.login("victor")
        assert bram.get("/").status_code == 200

        done = operator("office", "activate", "amsterdam")

        assert done.code == 0, done.err
        assert "on for amsterdam (Kantoor Amsterdam), utrecht (Kantoor Utrecht)" in done.out
        assert sent_within(bram, "/2fa/enroll", seconds=WAIT_SECONDS)
        assert sent_within(victor, "/2fa/enroll", seconds=WAIT_SECONDS)
    status = json.loads(operator("office", "status", "utrecht", "--json").out)
    assert status["active"] is True
    recorded = events(operator, "--office", "utrecht")
    assert [(e["event"], e["actor_id"], e["detail"]) for e in recorded] == [
        ("activated", operator.actor, "via amsterdam")
    ]
    assert operator.actor.startswith("cli:")


def test_deactivating_without_yes_and_without_a_terminal_changes_nothing(
    operator: Operator,
) -> None:
    assert operator("office", "activate", "rotterdam").code == 0
    refused = operator("office", "deactivate", "rotterdam")
    assert refused.code == 2
    assert "pass --yes" in refused.err
    assert "rotterdam (Kantoor Rotterdam)" in refused.err
    assert json.loads(operator("office", "status", "rotterdam", "--json").out)["active"] is True
    assert not [e for e in events(operator) if e["event"] == "deactivated"]


def test_deactivating_with_yes_lets_the_group_in_with_the_password_alone(
    operator: Operator,
) -> None:
    parts = operator.parts
    app = running_app(parts)
    with browser(app, parts.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
        assert rosa.get("/").status_code == 200
        rosa.post("/logout")
        rosa.login("rosa")
        assert location(rosa.get("/")).startswith("/2fa/verify")

        done = operator("office", "deactivate", "rotterdam", "--yes")

        assert done.code == 0, done.err
        assert "off for rotterdam (Kantoor Rotterdam)" in done.out
        assert reaches_the_app_within(rosa, WAIT_SECONDS)
    status = json.loads(operator("user", "status", "rosa", "--json").out)
    assert status["required"] is False
    assert status["enrolled"] is False
    assert [e["actor_id"] for e in events(operator) if e["event"] == "deactivated"] == [
        operator.actor
    ]


@pytest.mark.parametrize(("answer", "code"), [("y\n", 0), ("ja\n", 0), ("n\n", 2), ("\n", 2)])
def test_an_operator_at_a_terminal_is_asked_before_switching_off(
    embedded_operator: Operator, monkeypatch: pytest.MonkeyPatch, answer: str, code: int
) -> None:
    assert embedded_operator("office", "activate", "rotterdam").code == 0
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    outcome = embedded_operator("office", "deactivate", "rotterdam")
    assert outcome.code == code, outcome.err
    assert "Continue? [y/N]" in outcome.err
    active = json.loads(embedded_operator("office", "status", "rotterdam", "--json").out)
    assert active["active"] is (code != 0)


@pytest.mark.parametrize("command", ["status", "activate", "deactivate"])
def test_an_unknown_office_is_named_and_exits_2(embedded_operator: Operator, command: str) -> None:
    outcome = embedded_operator(
        "office", command, "zwolle", "--yes" if command == "deactivate" else "--json"
    )
    assert outcome.code == 2
    assert "unknown office 'zwolle'" in outcome.err
    assert outcome.out == ""
