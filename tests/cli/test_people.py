"""The operator names people as they know them: by username, or by id where it must."""

from __future__ import annotations

import json

from example_fastapi_users.users import demo_user_id
from tests.cli.conftest import Operator

FASTAPI_USERS = "tests.cli.config:fastapi_users_guard"
IDS_ONLY = "tests.cli.config:ids_only_guard"
OFFICE_NAMES = "tests.cli.config:office_names_guard"
WITHOUT_ROSA = "tests.cli.config:without_rosa_guard"

ROSA_ID = str(demo_user_id("rosa"))


def test_a_user_is_found_by_username_where_ids_are_uuids(operator: Operator) -> None:
    shown = operator("user", "status", "rosa@example.nl", app=FASTAPI_USERS)
    assert shown.code == 0, shown.err
    assert "User rosa@example.nl (Rosa Mulder)" in shown.out
    assert "Office: rotterdam (Kantoor Rotterdam)" in shown.out

    by_id = json.loads(operator("user", "status", ROSA_ID, "--json", app=FASTAPI_USERS).out)
    assert (by_id["id"], by_id["username"]) == (ROSA_ID, "rosa@example.nl")
    # The host's own rules for names hold: fastapi-users ignores case in addresses.
    shouted = operator("user", "status", "Rosa@Example.NL", "--json", app=FASTAPI_USERS)
    assert json.loads(shouted.out)["id"] == ROSA_ID


def test_resetting_by_username_resets_that_user_and_the_export_names_them(
    operator: Operator,
) -> None:
    done = operator("user", "reset", "rosa@example.nl", "--yes", "--json", app=FASTAPI_USERS)
    assert done.code == 0, done.err
    assert json.loads(done.out)["user"] == ROSA_ID

    exported = operator("audit", "export", "--user", "rosa@example.nl", app=FASTAPI_USERS)
    assert exported.code == 0, exported.err
    events = [json.loads(line) for line in exported.out.splitlines()]
    assert [(e["event"], e["subject_id"], e["subject_username"]) for e in events] == [
        ("reset_by_admin", ROSA_ID, "rosa@example.nl")
    ]
    # The operator is no user of the app: no name, the actor id as it is.
    assert events[0]["actor_username"] is None
    assert events[0]["actor_id"] == operator.actor


def test_an_unknown_user_is_a_clear_usage_error(operator: Operator) -> None:
    for argv in (
        ("user", "status", "nobody@example.nl"),
        ("user", "reset", "nobody@example.nl", "--yes"),
        ("user", "logout-everywhere", "nobody@example.nl", "--yes"),
    ):
        refused = operator(*argv, app=FASTAPI_USERS)
        assert refused.code == 2
        assert "unknown user 'nobody@example.nl': no user has this id or username" in refused.err
        assert refused.out == ""
    long = operator("user", "status", "x" * 300, app=FASTAPI_USERS)
    assert long.code == 2
    assert "longer than any id or username" in long.err


def test_a_backend_without_find_users_takes_ids_and_says_why_a_name_is_unknown(
    operator: Operator,
) -> None:
    by_id = operator("user", "status", ROSA_ID, app=IDS_ONLY)
    assert by_id.code == 0, by_id.err
    assert "User rosa@example.nl (Rosa Mulder)" in by_id.out

    by_name = operator("user", "status", "rosa@example.nl", app=IDS_ONLY)
    assert by_name.code == 2
    assert "cannot look users up by username" in by_name.err
    assert "give the user's id" in by_name.err


def test_a_username_that_several_users_share_is_refused_with_their_ids(
    operator: Operator,
) -> None:
    refused = operator("user", "reset", "beheer", "--yes", app=OFFICE_NAMES)
    assert refused.code == 2
    assert "'beheer' is the username of 2 users" in refused.err
    assert "beheer (id anna, office amsterdam)" in refused.err
    assert "beheer (id uma, office utrecht)" in refused.err
    # Nothing was reset.
    assert operator("audit", "export", app=OFFICE_NAMES).out == ""

    chosen = operator("user", "status", "uma", "--json", app=OFFICE_NAMES)
    assert json.loads(chosen.out)["id"] == "uma"


def test_an_id_wins_over_another_users_username_and_the_operator_is_told(
    operator: Operator,
) -> None:
    # "rosa" is rosa's id, and bram's username at this host.
    shown = operator("user", "status", "rosa", "--json", app=OFFICE_NAMES)
    assert shown.code == 0, shown.err
    assert json.loads(shown.out)["id"] == "rosa"
    assert "'rosa' is the id of rosa (id rosa, office rotterdam)" in shown.err
    assert "rosa (id bram, office amsterdam)" in shown.err


def test_the_events_of_a_user_the_app_no_longer_knows_are_exported_under_their_id(
    operator: Operator,
) -> None:
    assert operator("user", "reset", "rosa", "--yes").code == 0

    exported = operator("audit", "export", "--user", "rosa", app=WITHOUT_ROSA)

    assert exported.code == 0, exported.err
    assert "no user has the id or username 'rosa' now" in exported.err
    events = [json.loads(line) for line in exported.out.splitlines()]
    assert [(e["subject_id"], e["subject_username"]) for e in events] == [("rosa", None)]
    assert operator("user", "status", "rosa", app=WITHOUT_ROSA).code == 2
