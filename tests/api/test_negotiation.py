"""Who gets JSON: a client that asks for it or sends it. A browser still gets its pages."""

from __future__ import annotations

import pytest

from tests.api.spa import Spa


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "text/html",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "text/html,application/json",
        "*/*",
    ],
)
def test_a_browser_still_gets_the_html_page(spa: Spa, accept: str | None) -> None:
    spa.browser.login("rosa")
    headers = {"accept": accept} if accept else {}
    page = spa.browser.get("/2fa/enroll/scan", headers=headers)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "data-totp-secret" in page.text


@pytest.mark.parametrize("accept", ["application/json", "application/json, text/plain, */*"])
def test_a_client_asking_for_json_gets_json(spa: Spa, accept: str) -> None:
    spa.browser.login("rosa")
    answer = spa.browser.get("/2fa/enroll/scan", headers={"accept": accept})
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["page"] == "scan"


def test_a_form_post_that_asks_for_json_gets_json(spa: Spa) -> None:
    spa.browser.login("rosa")
    secret = spa.state("/2fa/enroll/scan")["secret"]
    answer = spa.browser.post(
        "/2fa/enroll/code",
        data={"csrf_token": spa.token(), "code": spa.browser.code(secret)},
        headers={"accept": "application/json"},
    )
    assert answer.json() == {"next": "/2fa/enroll/finish"}


def test_a_json_post_gets_json_whatever_it_accepts(spa: Spa) -> None:
    spa.browser.login("rosa")
    spa.browser.scan()
    answer = spa.browser.post(
        "/2fa/enroll/code", json={"csrf_token": spa.token(), "code": "000000"}
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "code"


def test_json_answers_carry_the_guards_headers(spa: Spa) -> None:
    spa.browser.login("rosa")
    for answer in (spa.get("/2fa/enroll/scan"), spa.get("/2fa/users"), spa.get("/2fa/nowhere")):
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "Cookie" in answer.headers["vary"]
    missing = spa.get("/2fa/nowhere")
    assert (missing.status_code, missing.json()["error"]) == (404, "http_404")


def test_the_html_form_keeps_its_redirect(spa: Spa) -> None:
    spa.browser.login("rosa")
    secret = spa.browser.scan()
    answer = spa.browser.submit("/2fa/enroll/code", code=spa.browser.code(secret))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/2fa/enroll/finish"
