"""Nothing of the app is reachable between password and code, however it is asked for."""

from __future__ import annotations

import json

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.support import Browser, location

PROTECTED_SPELLINGS = [
    "/",
    "//",
    "/./",
    "/?x=1",
    "/static/../",
    "/static/..",
    "/login/../",
    "/login/..%2F",
    "/static%2F..%2F",
    "/%2e/",
    "/static/%2e%2e/",
    "/LOGIN/../",
    "/login/",
    "//login",
    "/Login",
    "/2FA/../",
    "/\uff4cogin/../",  # full-width l
    "/login\u2215..\u2215",  # division slash
    "/static\uff0f..\uff0f",  # full-width solidus
    "/\u2024/",  # one dot leader
]


def enrolled_and_logged_in_again(user: Browser) -> str:
    user.login("rosa")
    secret, _ = user.enroll()
    user.post("/logout")
    user.login("rosa")
    return secret


@pytest.mark.parametrize("path", PROTECTED_SPELLINGS)
def test_the_dashboard_is_unreachable_before_the_code_however_the_path_is_spelled(
    user: Browser, path: str
) -> None:
    enrolled_and_logged_in_again(user)
    for method in ("GET", "HEAD", "POST", "OPTIONS", "PROPFIND"):
        answer = user.client.request(method, path)
        assert 'data-app-page="dashboard"' not in answer.text, (method, path)
        assert answer.status_code in {303, 401, 404}, (method, path, answer.status_code)


def test_the_login_page_and_static_files_stay_reachable(user: Browser) -> None:
    enrolled_and_logged_in_again(user)
    assert user.get("/login").status_code == 200
    assert user.get("/static/app.css").status_code == 200
    assert user.post("/logout").status_code == 303


def test_a_missing_guard_file_is_a_404_page_and_posting_to_one_a_plain_405(
    user: Browser,
) -> None:
    missing = user.get("/2fa/static/no-such-file.css")
    assert missing.status_code == 404
    assert "Niet gevonden" in missing.text

    assert user.post("/2fa/static/guard.css").status_code == 405


def test_an_unverified_websocket_is_refused_before_it_is_accepted(user: Browser) -> None:
    enrolled_and_logged_in_again(user)
    with pytest.raises(WebSocketDisconnect) as refused, user.client.websocket_connect("/ws/echo"):
        pass
    assert refused.value.code == 1008


def test_a_verified_websocket_echoes(user: Browser) -> None:
    secret = enrolled_and_logged_in_again(user)
    assert user.verify(secret).status_code == 303
    with user.client.websocket_connect("/ws/echo") as socket:
        socket.send_text("aangifte")
        assert socket.receive_text() == "aangifte"


def test_json_clients_are_told_which_step_is_needed(user: Browser) -> None:
    user.login("rosa")
    answer = user.get("/", headers={"accept": "application/json"})
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "two_factor_required",
        "action": "enroll",
        "url": "/2fa/enroll?next=%2F",
    }
    user.enroll()
    user.post("/logout")
    user.login("rosa")
    answer = user.get("/", headers={"accept": "application/json"})
    assert json.loads(answer.text)["action"] == "verify"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        "\t//evil.example",
    ],
)
def test_the_next_target_is_only_ever_a_local_path(user: Browser, target: str) -> None:
    secret = enrolled_and_logged_in_again(user)
    answer = user.client.post(
        "/2fa/verify",
        params={"next": target},
        data={"csrf_token": user.csrf_token("/2fa/verify"), "code": user.code(secret)},
    )
    assert answer.status_code == 303
    assert location(answer) == "/"


def test_guard_pages_are_never_cached_or_framed(user: Browser) -> None:
    user.login("rosa")
    for path in ("/2fa/enroll", "/2fa/enroll/scan", "/2fa/help/sync", "/"):
        answer = user.get(path)
        assert answer.headers["cache-control"] == "no-store", path
        assert answer.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], path
        assert answer.headers["referrer-policy"] == "no-referrer", path


def test_pages_speak_dutch_by_default_and_english_on_request(user: Browser) -> None:
    user.login("rosa")
    assert "Installeer de app" in user.get("/2fa/enroll").text
    english = user.get("/2fa/enroll", headers={"accept-language": "en-GB,en;q=0.9"})
    assert "Install the app" in english.text
    assert '<html lang="en">' in english.text


def test_anyone_logged_out_is_sent_to_the_login_page(user: Browser) -> None:
    for path in ("/2fa/enroll", "/2fa/verify", "/2fa/recover"):
        answer = user.get(path)
        assert answer.status_code == 303
        assert location(answer).startswith("/login?next=")


def test_an_unknown_guard_page_is_a_clear_404(user: Browser) -> None:
    answer = user.get("/2fa/nothing-here")
    assert answer.status_code == 404
    assert "Niet gevonden" in answer.text
