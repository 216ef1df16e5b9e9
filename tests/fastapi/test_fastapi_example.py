"""A FastAPI app behind the guard: its routes get the user who passed, and nobody else."""

from __future__ import annotations

from typing import Any

from tests.support import Browser, location

JSON = {"Accept": "application/json"}


def test_after_enrolling_the_api_route_answers_with_the_users_own_username(
    person: Browser,
) -> None:
    person.login("rosa")
    person.enroll()

    answer = person.get("/api/me")

    assert answer.status_code == 200
    assert answer.json() == {
        "username": "rosa",
        "display_name": "Rosa Mulder",
        "office_id": "rotterdam",
    }


def test_after_the_code_at_a_later_login_the_api_route_knows_the_user_again(
    person: Browser,
) -> None:
    person.login("rosa")
    secret, _ = person.enroll()
    person.post("/logout")
    person.login("rosa")
    assert person.get("/api/me").status_code == 303

    assert person.verify(secret).status_code == 303

    assert person.get("/api/me").json()["username"] == "rosa"


def test_before_enrolling_a_browser_is_sent_to_enrollment_and_never_reaches_the_route(
    person: Browser,
) -> None:
    person.login("rosa")

    answer = person.get("/api/me")

    assert answer.status_code == 303
    assert location(answer) == "/2fa/enroll?next=%2Fapi%2Fme"


def test_before_the_code_a_json_client_gets_401_with_where_to_go(person: Browser) -> None:
    person.login("rosa")
    person.enroll()
    person.post("/logout")
    person.login("rosa")

    answer = person.get("/api/me", headers=JSON)

    assert answer.status_code == 401
    body: dict[str, Any] = answer.json()
    assert body["error"] == "two_factor_required"
    assert body["action"] == "verify"
    assert body["url"].startswith("/2fa/verify")


def test_a_user_whose_office_has_it_switched_off_gets_their_username(person: Browser) -> None:
    person.login("bram")

    answer = person.get("/api/me")

    assert answer.status_code == 200
    assert answer.json()["username"] == "bram"


def test_a_visitor_who_is_not_logged_in_gets_401_from_the_api_route(person: Browser) -> None:
    answer = person.get("/api/me", headers=JSON)

    assert answer.status_code == 401
    assert "rosa" not in answer.text


def test_the_dashboard_and_login_work_as_in_the_starlette_example(person: Browser) -> None:
    assert person.get("/login").status_code == 200
    assert person.get("/static/app.css").status_code == 200
    assert person.login("bram").status_code == 303

    dashboard = person.get("/")

    assert 'data-app-page="dashboard"' in dashboard.text
    assert 'data-user="bram"' in dashboard.text


def test_the_openapi_schema_and_docs_page_still_work(person: Browser) -> None:
    schema = person.get("/openapi.json")
    docs = person.get("/docs")

    assert schema.status_code == 200
    operation = schema.json()["paths"]["/api/me"]["get"]
    # The guard's dependency reads the request: it adds no parameter to the API.
    assert operation.get("parameters", []) == []
    assert docs.status_code == 200


def test_the_openapi_schema_is_behind_the_code_for_a_user_halfway_through_login(
    person: Browser,
) -> None:
    person.login("rosa")

    assert person.get("/openapi.json").status_code == 303
    person.enroll()
    assert "/api/me" in person.get("/openapi.json").json()["paths"]
