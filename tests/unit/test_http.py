"""How the guard answers: local redirect targets only, JSON for clients that ask for it."""

from __future__ import annotations

import pytest
from starlette.types import Scope

from nextens_guard.http import local_target, wants_json, with_query


def http_scope(*headers: tuple[str, str]) -> Scope:
    return {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ],
    }


# Redirect targets


@pytest.mark.parametrize(
    "target",
    ["/", "/dashboard", "/dashboard?x=1", "/2fa/office", "/a/b?c=d&e=f#part", "/caf%C3%A9"],
)
def test_a_path_on_this_site_is_kept(target: str) -> None:
    assert local_target(target) == target


@pytest.mark.parametrize(
    "target",
    [
        "//host",
        "//host/dashboard",
        "///host",
        "https://host",
        "https://host/dashboard",
        "http:/host",
        "/\\host",
        "/\\/host",
        "\\\\host",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "\t//host",
        " //host",
        "/\t/host",
        "/\n/host",
        "/\r\n/host",
        "/dashboard\r\nSet-Cookie: x=1",
        "/\x00",
        "/\x1f",
        "/\x7f",
        "",
        None,
        "foo",
        "foo/bar",
        "./dashboard",
        "../dashboard",
        "?next=/",
        "#/",
        "/" + "a" * 3000,
    ],
)
def test_anything_but_a_local_path_goes_to_the_default(target: str | None) -> None:
    assert local_target(target) == "/"


def test_the_default_can_be_chosen() -> None:
    assert local_target("//host", "/app/") == "/app/"
    assert local_target(None, "/app/") == "/app/"


# JSON or a page


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((), False),
        ((("accept", "application/json"),), True),
        ((("accept", "application/json, text/plain, */*"),), True),
        ((("accept", "text/html"),), False),
        ((("accept", "text/html,application/xhtml+xml,application/json;q=0.9"),), False),
        ((("accept", "*/*"),), False),
        ((("content-type", "application/json"),), True),
        ((("content-type", "application/json; charset=utf-8"),), True),
        ((("content-type", "application/x-www-form-urlencoded"),), False),
        ((("accept", "text/html"), ("content-type", "application/json")), True),
    ],
)
def test_a_client_that_asks_for_json_gets_json(
    headers: tuple[tuple[str, str], ...], expected: bool
) -> None:
    assert wants_json(http_scope(*headers)) is expected


# Query strings


def test_a_query_carries_only_the_values_given() -> None:
    assert (
        with_query("/2fa/verify", next="/dashboard?x=1") == "/2fa/verify?next=%2Fdashboard%3Fx%3D1"
    )
    assert with_query("/2fa/verify", next=None) == "/2fa/verify"
    assert with_query("/2fa/verify") == "/2fa/verify"
