"""A single-page app's POST needs the same form token as a form: in the body or a header."""

from __future__ import annotations

import pytest

from nextens_guard.csrf import CsrfTokens
from tests.api.spa import JSON, Spa
from tests.support import Parts


def _at_the_code_step(spa: Spa) -> str:
    spa.browser.login("rosa")
    secret: str = spa.state("/2fa/enroll/scan")["secret"]
    return secret


def test_the_token_may_travel_in_the_x_csrf_token_header(spa: Spa) -> None:
    secret = _at_the_code_step(spa)
    answer = spa.browser.post(
        "/2fa/enroll/code",
        json={"code": spa.browser.code(secret)},
        headers={**JSON, "x-csrf-token": spa.token()},
    )
    assert answer.status_code == 200
    assert answer.json() == {"next": "/2fa/enroll/finish"}


def test_a_post_without_a_token_is_refused_with_403(spa: Spa) -> None:
    secret = _at_the_code_step(spa)
    answer = spa.post("/2fa/enroll/code", token=False, code=spa.browser.code(secret))
    assert answer.status_code == 403
    assert answer.json() == {
        "error": "csrf",
        "message": ("Het formulier is verlopen of komt niet van deze pagina. Probeer het opnieuw."),
        "field": "csrf_token",
    }
    assert spa.get("/2fa/enroll/finish").json()["next"] == "/2fa/enroll/code"


@pytest.mark.parametrize("where", ["body", "header"])
def test_a_forged_or_foreign_token_is_refused_with_403(spa: Spa, parts: Parts, where: str) -> None:
    secret = _at_the_code_step(spa)
    foreign = CsrfTokens(parts.secrets.guard_secret, max_age=3600).issue({})
    forged = CsrfTokens("another key " * 4, max_age=3600).issue({})
    for token in (foreign, forged, spa.token() + "x", ""):
        body = {"code": spa.browser.code(secret)}
        headers = dict(JSON)
        if where == "body":
            body["csrf_token"] = token
        else:
            headers["x-csrf-token"] = token
        answer = spa.browser.post("/2fa/enroll/code", json=body, headers=headers)
        assert answer.status_code == 403, token
        assert answer.json()["error"] == "csrf"


def test_a_wrong_token_in_the_body_is_not_saved_by_a_right_one_in_the_header(spa: Spa) -> None:
    secret = _at_the_code_step(spa)
    answer = spa.browser.post(
        "/2fa/enroll/code",
        json={"csrf_token": "forged", "code": spa.browser.code(secret)},
        headers={**JSON, "x-csrf-token": spa.token()},
    )
    assert answer.status_code == 403


def test_a_token_sent_twice_in_one_body_counts_as_missing(spa: Spa) -> None:
    secret = _at_the_code_step(spa)
    token = spa.token()
    code = spa.browser.code(secret)
    content = f'{{"csrf_token": "{token}", "csrf_token": "{token}", "code": "{code}"}}'
    answer = spa.browser.post(
        "/2fa/enroll/code",
        content=content.encode(),
        headers={**JSON, "content-type": "application/json", "x-csrf-token": token},
    )
    assert answer.status_code == 403


def test_a_form_posted_from_another_site_is_refused_as_before(spa: Spa) -> None:
    secret = _at_the_code_step(spa)
    answer = spa.browser.post("/2fa/enroll/code", data={"code": spa.browser.code(secret)})
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
