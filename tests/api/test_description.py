"""The OpenAPI description the guard serves, checked against the running pages.

Schemathesis generates requests from the description, valid and invalid, and sends
them to the running app as a logged-in single-page app would: every answer must be
one the description names, in the shape it gives, and none may be a 5xx.
"""

from __future__ import annotations

from collections import defaultdict
from importlib import resources
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import example_app.backend
from nextens_guard.web.api import PAGES
from nextens_guard.web.openapi import ENDPOINTS
from tests.api.spa import JSON, Spa
from tests.support import Browser, Parts, browser

# Enough cases to send good and bad input to every operation several times, few enough
# that the four runs (two people, two set-ups) take about a minute together.
EXAMPLES_PER_OPERATION = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Headers the transport would add for its own HTTP client; ours sets what it needs.
_TRANSPORT_HEADERS = {"accept", "accept-encoding", "connection", "user-agent"}
# A generated case, whatever operation it is for.
Case = schemathesis.Case[Any]


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated requests re-enter passwords many times; the hash cost is not tested here."""
    monkeypatch.setitem(example_app.backend._SCRYPT, "n", 2**4)


def test_the_description_is_served_to_anyone(spa: Spa) -> None:
    answer = spa.browser.get("/2fa/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    description = answer.json()
    assert description["openapi"] == "3.1.0"
    assert set(description["paths"]) == {f"/2fa{path}" for path in ENDPOINTS}
    verify = description["paths"]["/2fa/verify"]
    assert set(verify) == {"get", "post"}
    assert verify["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"] == {
        "code": {"type": "string"},
        "trust": {"type": "string"},
        "csrf_token": {"type": "string"},
    }
    assert set(verify["post"]["responses"]) >= {"200", "400", "401", "403", "429"}


def test_every_page_template_has_a_json_view() -> None:
    folder = resources.files("nextens_guard") / "templates" / "nextens_guard"
    pages = {
        entry.name
        for entry in folder.iterdir()
        if entry.name.endswith(".html") and not entry.name.startswith("_")
    }
    # The layout, and the error page whose JSON is the error shape itself.
    assert set(PAGES) == pages - {"base.html", "error.html"}
    described = {endpoint.page for endpoint in ENDPOINTS.values()} - {None}
    assert described == set(PAGES)


def test_the_description_loads_as_an_openapi_schema(spa: Spa) -> None:
    description = spa.browser.get("/2fa/openapi.json").json()
    schema = schemathesis.openapi.from_dict(description)
    operations = [result for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) == sum(
        1 + (endpoint.fields is not None) for endpoint in ENDPOINTS.values()
    )


def _send(person: Browser, case: Case) -> Any:
    """The generated request, sent through this person's browser with their session."""
    request = case.as_transport_kwargs(base_url="http://testserver")
    headers = {
        name: value
        for name, value in request["headers"].items()
        if name.lower() not in _TRANSPORT_HEADERS
    }
    extra: dict[str, Any] = {}
    if "json" in request:
        extra["json"] = request["json"]
    elif "data" in request:
        extra["content"] = request["data"]
    return person.client.request(
        request["method"],
        request["url"],
        params=request.get("params"),
        headers={**headers, **JSON},
        **extra,
    )


def _answers_as_described(person: Browser) -> dict[str, set[int]]:
    """Generated requests to every operation; the statuses each one answered."""
    description = person.get("/2fa/openapi.json").json()
    token = person.get("/2fa/help/sync", headers=JSON).json()["csrf_token"]
    seen: dict[str, set[int]] = defaultdict(set)
    schema = schemathesis.openapi.from_dict(description)
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        cases = st.one_of(
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        @given(case=cases, own_token=st.booleans())
        def every_answer_is_described(case: Case, own_token: bool) -> None:
            if own_token and case.method == "POST":
                # Half the posts carry this session's token, so they reach the fields behind it.
                if isinstance(case.body, dict):
                    case.body.pop("csrf_token", None)
                case.headers["X-CSRF-Token"] = token
            answer = _send(person, case)
            seen[f"{case.method} {case.path}"].add(answer.status_code)
            assert answer.status_code < 500, f"{case.method} {case.formatted_path}: {answer.text}"
            case.validate_response(answer, checks=CHECKS)

        every_answer_is_described()
    return seen


def _person(name: str, person: Browser) -> None:
    """Bring ``person`` to where ``name`` stands in the test."""
    if name == "ruben, verified administrator":
        person.login("ruben")
        person.enroll()
    elif name == "rosa, enrolled, at the code prompt":
        person.login("rosa")
        person.enroll()
        person.post("/logout")
        person.login("rosa")
    elif name == "rosa, enrolling":
        person.login("rosa")
        person.scan()
    elif name == "anna, administrator of an office without it":
        person.login("anna")
        person.scan_at("/2fa/office/activate/scan")
    # "nobody logged in" needs nothing.


@pytest.mark.parametrize(
    "who",
    [
        "ruben, verified administrator",
        "rosa, enrolled, at the code prompt",
        "rosa, enrolling",
        "anna, administrator of an office without it",
        "nobody logged in",
    ],
)
def test_every_generated_request_gets_a_described_answer_and_never_a_500(
    parts: Parts, who: str
) -> None:
    with browser(parts.app(), parts.clock) as person:
        _person(who, person)
        seen = _answers_as_described(person)
    assert all(status < 500 for statuses in seen.values() for status in statuses)
    assert len(seen) == sum(1 + (e.fields is not None) for e in ENDPOINTS.values())


def test_a_lockout_answers_as_described(parts: Parts) -> None:
    with browser(parts.app(), parts.clock) as rosa:
        rosa.login("rosa")
        secret, _ = rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")
        wrong = "000000" if rosa.code(secret) != "000000" else "111111"
        schema = schemathesis.openapi.from_dict(rosa.get("/2fa/openapi.json").json())
        token = rosa.get("/2fa/help/sync", headers=JSON).json()["csrf_token"]
        case = schema["/2fa/verify"]["POST"].Case(
            body={"csrf_token": token, "code": wrong}, media_type="application/json"
        )
        statuses = []
        for _ in range(10):
            answer = _send(rosa, case)
            case.validate_response(answer, checks=CHECKS)
            statuses.append(answer.status_code)
        assert statuses == [400] * 9 + [429]
