"""When the command line cannot do its work it says why in a sentence, never a traceback,
and exits 1 for a part that is down, 2 for what the operator can fix on the command line."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Operator


@pytest.mark.parametrize(
    ("app", "says"),
    [
        ("tests.cli.config", "must look like MODULE:CALLABLE"),
        ("tests.cli.nowhere:guard", "no module named 'tests.cli.nowhere'"),
        ("tests.cli.config:nowhere", "has no attribute 'nowhere'"),
        ("tests.cli.config:NOT_CALLABLE", "is not callable"),
        ("tests.cli.config:not_a_factory", "returned str; expected a Guard"),
        ("tests.cli.config:failing_factory", "failed (RuntimeError: GUARD_KEY_K1 is not set)"),
    ],
)
def test_a_bad_app_path_is_explained_and_exits_2(
    embedded_operator: Operator, app: str, says: str
) -> None:
    outcome = embedded_operator("office", "status", "amsterdam", app=app)
    assert outcome.code == 2
    assert says in outcome.err
    assert outcome.out == ""


def test_the_app_may_come_from_the_environment(
    embedded_operator: Operator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEXTENS_GUARD_APP", "tests.cli.config:guard")
    outcome = embedded_operator("office", "status", "amsterdam", app=None)
    assert outcome.code == 0, outcome.err


def test_a_database_that_is_down_is_named_and_exits_1(
    embedded_operator: Operator, closed_port: int
) -> None:
    url = f"postgresql://postgres:hunter2@127.0.0.1:{closed_port}/test"
    for command in (
        ["office", "status", "amsterdam"],
        ["user", "reset", "rosa", "--yes"],
        ["keys", "rotate"],
        ["audit", "export"],
    ):
        outcome = embedded_operator("--database-url", url, *command)
        assert outcome.code == 1, command
        assert "database unavailable" in outcome.err
        assert f"127.0.0.1:{closed_port}" in outcome.err
        # The password in the URL is not repeated.
        assert "hunter2" not in outcome.err


def test_a_database_url_that_is_no_database_url_exits_2(embedded_operator: Operator) -> None:
    outcome = embedded_operator("--database-url", "mysql://somewhere/db", "keys", "status")
    assert outcome.code == 2
    assert "SQLite or PostgreSQL" in outcome.err


def test_with_redis_down_no_change_is_made(operator: Operator, closed_port: int) -> None:
    redis_down = f"redis://127.0.0.1:{closed_port}/0"
    outcome = operator("--redis-url", redis_down, "office", "activate", "amsterdam")
    assert outcome.code == 1
    assert "redis ping failed; nothing changed" in outcome.err
    status = json.loads(operator("office", "status", "amsterdam", "--json").out)
    assert status["active"] is False
