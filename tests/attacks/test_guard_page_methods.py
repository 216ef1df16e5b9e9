"""What reaches a guard page other than a GET or a POST: HEAD, a websocket, another host.

HEAD and GET never change anything on any guard page, whatever body and form token
they carry; a websocket to a guard path is refused before it is accepted, without an
error in the log; no guard answer takes its address from the Host header, and each
says ``Vary: Cookie`` once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx2 as httpx
import pytest
from starlette.websockets import WebSocketDisconnect

from nextens_guard.web.api import CSRF_HEADER
from tests.flows.test_audit import events_of
from tests.flows.test_office import activate_office, status_of
from tests.support import Browser, Parts, browser, location

PASSWORD = "nextens-demo"


@pytest.fixture
def person(parts: Parts) -> Iterator[Browser]:
    with browser(parts.app(), parts.clock) as someone:
        yield someone


def head(person: Browser, path: str, **fields: str) -> list[httpx.Response]:
    """A HEAD to ``path`` with a valid form token: once with a form body, once with JSON."""
    token = person.csrf_token(path)
    as_form = person.client.request("HEAD", path, data={"csrf_token": token, **fields})
    as_json = person.client.request(
        "HEAD", path, json={"csrf_token": token, **fields}, headers={CSRF_HEADER: token}
    )
    return [as_form, as_json]


def assert_answered_like_a_get(answers: list[httpx.Response]) -> None:
    for answer in answers:
        assert answer.status_code in (200, 303), answer.status_code
        assert answer.content == b""


def logged_in_with_code(person: Browser, name: str = "rosa") -> tuple[str, str]:
    """``name`` enrolled and logged in again: at the code prompt; the secret, reset code."""
    person.login(name)
    secret, reset_code = person.enroll()
    person.post("/logout")
    person.login(name)
    assert location(person.get("/")).startswith("/2fa/verify")
    return secret, reset_code


def test_a_head_with_the_right_code_does_not_verify_the_session(person: Browser) -> None:
    secret, _ = logged_in_with_code(person)
    assert_answered_like_a_get(head(person, "/2fa/verify", code=person.code(secret)))
    assert location(person.get("/")).startswith("/2fa/verify")
    # The code was not used up either: the POST takes it.
    assert person.verify(secret).status_code == 303


def test_a_head_with_the_reset_code_does_not_void_the_enrollment(parts: Parts) -> None:
    with browser(parts.app(), parts.clock) as person:
        secret, reset_code = logged_in_with_code(person)
        assert_answered_like_a_get(head(person, "/2fa/recover", reset_code=reset_code))
        assert location(person.get("/")).startswith("/2fa/verify")
        assert person.verify(secret).status_code == 303
    assert "recovered" not in [event for event, _, _ in events_of(parts, ["rotterdam"])]


def test_a_head_with_the_right_code_does_not_pass_the_enrollments_code_step(
    person: Browser,
) -> None:
    person.login("rosa")
    secret = person.scan()
    assert_answered_like_a_get(head(person, "/2fa/enroll/code", code=person.code(secret)))
    assert location(person.get("/2fa/enroll/finish")).startswith("/2fa/enroll/code")
    assert person.submit("/2fa/enroll/code", code=person.code(secret)).status_code == 303


def test_a_head_to_the_enrollments_last_step_does_not_finish_it(person: Browser) -> None:
    person.login("rosa")
    secret = person.scan()
    assert person.submit("/2fa/enroll/code", code=person.code(secret)).status_code == 303
    assert_answered_like_a_get(head(person, "/2fa/enroll/finish"))
    assert location(person.get("/")).startswith("/2fa/enroll")
    assert person.submit("/2fa/enroll/finish").status_code == 303
    assert person.get("/").status_code == 200


def test_a_head_with_the_password_does_not_pass_the_wizards_password_step(
    person: Browser,
) -> None:
    person.login("anna")
    person.get("/2fa/office/activate")
    person.scan_at("/2fa/office/activate/scan")
    assert_answered_like_a_get(head(person, "/2fa/office/activate/password", password=PASSWORD))
    answer = person.get("/2fa/office/activate/code")
    assert location(answer).startswith("/2fa/office/activate/password")


def test_heads_through_the_activation_wizard_activate_nothing(person: Browser) -> None:
    person.login("anna")
    person.get("/2fa/office/activate")
    secret = person.scan_at("/2fa/office/activate/scan")
    person.submit("/2fa/office/activate/password", password=PASSWORD)
    code = person.code(secret)
    assert_answered_like_a_get(head(person, "/2fa/office/activate/code", code=code))
    answer = person.get("/2fa/office/activate/finish")
    assert location(answer).startswith("/2fa/office/activate/code")
    assert person.submit("/2fa/office/activate/code", code=code).status_code == 303
    assert_answered_like_a_get(head(person, "/2fa/office/activate/finish"))
    assert status_of(person) == "inactive"


def test_a_head_with_the_password_does_not_show_or_log_the_reset_code(parts: Parts) -> None:
    with browser(parts.app(), parts.clock) as anna:
        activate_office(anna)
        assert_answered_like_a_get(head(anna, "/2fa/office/reset-code", password=PASSWORD))
        assert_answered_like_a_get(head(anna, "/2fa/office/reset-code", password="wrong"))
    kinds = [event for event, _, _ in events_of(parts, ["amsterdam"])]
    assert "reset_code_viewed" not in kinds
    assert "password_failed" not in kinds


def test_a_head_with_the_password_does_not_deactivate_the_office(person: Browser) -> None:
    activate_office(person)
    assert_answered_like_a_get(head(person, "/2fa/office/deactivate", password=PASSWORD))
    assert status_of(person) == "active"


def test_a_head_to_a_users_reset_does_not_reset_them(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        activate_office(anna)
        bram.login("bram")
        bram.enroll()
        assert_answered_like_a_get(head(anna, "/2fa/users/bram/reset"))
        bram.post("/logout")
        bram.login("bram")
        assert location(bram.get("/")).startswith("/2fa/verify")
    assert "reset_by_admin" not in [event for event, _, _ in events_of(parts, ["amsterdam"])]


@pytest.mark.parametrize(
    "path", ["/2fa", "/2fa/", "/2fa/verify", "/2fa/enroll/scan", "/2fa/users/bram", "/2fa/x"]
)
def test_a_websocket_to_a_guard_path_is_refused_before_accept_without_an_error(
    person: Browser, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for logged_in in (False, True):
        if logged_in:
            person.login("rosa")
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            person.client.websocket_connect(path),
        ):
            pass  # pragma: no cover - never accepted
        assert refused.value.code == 1008
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


@pytest.mark.parametrize("path", ["/2fa/verify/", "/2fa/office/", "/2fa/enroll/scan/"])
def test_a_trailing_slash_is_a_not_found_page_never_a_redirect_to_the_host_header(
    person: Browser, path: str
) -> None:
    person.login("rosa")
    answer = person.get(path, headers={"Host": "evil.example"})
    assert answer.status_code == 404
    assert "location" not in answer.headers
    assert "evil.example" not in answer.text


@pytest.mark.parametrize(
    "path", ["/2fa/enroll", "/2fa/enroll/scan", "/2fa/help/sync", "/2fa/nowhere", "/2fa/verify"]
)
def test_every_guard_page_says_vary_cookie_once(person: Browser, path: str) -> None:
    for logged_in in (False, True):
        if logged_in:
            person.login("rosa")
        answer = person.get(path)
        assert answer.headers.get_list("vary") == ["Cookie"], (path, answer.headers)


def test_the_guards_redirect_and_its_json_say_vary_cookie_once(person: Browser) -> None:
    person.login("rosa")
    for headers in ({}, {"accept": "application/json"}):
        answer = person.get("/", headers=headers)
        assert answer.status_code in (303, 401)
        assert answer.headers.get_list("vary") == ["Cookie"], answer.headers
    # A session the guard writes to on the way (a login's marker dropped) too.
    person.post("/logout")
    answer = person.get("/2fa/verify")
    assert answer.headers.get_list("vary") == ["Cookie"], answer.headers
