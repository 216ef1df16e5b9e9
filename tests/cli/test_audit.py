"""``audit export``: the security events as JSON lines, the operator's own among them,
never a secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.cli.conftest import Operator
from tests.support import browser

FIELDS = {
    "id",
    "at",
    "event",
    "outcome",
    "actor_id",
    "actor_username",
    "subject_id",
    "subject_username",
    "office_id",
    "address",
    "detail",
}


def exported(operator: Operator, *args: str) -> list[dict[str, Any]]:
    outcome = operator("audit", "export", *args)
    assert outcome.code == 0, outcome.err
    return [json.loads(line) for line in outcome.out.splitlines()]


def test_the_export_holds_the_apps_and_the_operators_events_and_no_secret(
    operator: Operator,
) -> None:
    parts = operator.parts
    with browser(parts.app(), parts.clock) as rosa:
        rosa.login("rosa")
        secret, reset_code = rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")
        rosa.submit("/2fa/verify", code="000000")
    assert operator("user", "reset", "rosa", "--yes").code == 0
    assert operator("office", "activate", "amsterdam").code == 0

    lines = operator("audit", "export").out
    events = [json.loads(line) for line in lines.splitlines()]

    assert all(set(event) == FIELDS for event in events)
    kinds = [event["event"] for event in events]
    # The demo data's own activation of Rotterdam comes first.
    assert kinds[:3] == ["activated", "enrollment_started", "enrolled"]
    assert kinds[-3:] == ["reset_by_admin", "activated", "activated"]
    assert "code_failed" in kinds
    ids = [event["id"] for event in events]
    assert ids == sorted(ids)
    mine = [(e["event"], e["office_id"]) for e in events if e["actor_id"] == operator.actor]
    assert mine == [
        ("reset_by_admin", "rotterdam"),
        ("activated", "amsterdam"),
        ("activated", "utrecht"),
    ]
    for secret_text in (secret, reset_code, parts.secrets.guard_secret):
        assert secret_text not in lines
    assert all(datetime.fromisoformat(str(e["at"])).tzinfo is not None for e in events)
    # Names where the app knows the person, as it names them now.
    reset = next(e for e in events if e["event"] == "reset_by_admin")
    assert (reset["subject_id"], reset["subject_username"]) == ("rosa", "rosa")


def test_the_export_is_narrowed_by_office_user_and_time(operator: Operator) -> None:
    assert operator("office", "activate", "amsterdam").code == 0
    assert operator("user", "reset", "bram", "--yes").code == 0
    assert operator("user", "reset", "uma", "--yes").code == 0

    assert {e["office_id"] for e in exported(operator, "--office", "utrecht")} == {"utrecht"}
    assert [e["subject_id"] for e in exported(operator, "--user", "uma")] == ["uma"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert exported(operator, "--since", tomorrow) == []
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert len(exported(operator, "--since", an_hour_ago)) == 4
    both = exported(operator, "--office", "amsterdam", "--user", "bram")
    assert [(e["event"], e["subject_id"]) for e in both] == [("reset_by_admin", "bram")]


def test_an_export_longer_than_a_page_comes_out_whole_and_in_order(
    embedded_operator: Operator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nextens_guard.cli.commands.EXPORT_PAGE", 4)
    for office in ("amsterdam", "rotterdam", "amsterdam", "rotterdam"):
        assert embedded_operator("office", "activate", office).code == 0
    for user in ("anna", "bram", "uma"):
        assert embedded_operator("user", "reset", user, "--yes").code == 0
    events = exported(embedded_operator)
    assert len(events) == 2 + 1 + 2 + 1 + 3
    assert [e["id"] for e in events] == sorted({e["id"] for e in events})
    # Two activations and the resets of anna and bram.
    assert len(exported(embedded_operator, "--office", "amsterdam")) == 4
