"""A JSON body is read like a form, by the same rules; anything else is a clear 400."""

from __future__ import annotations

import json

import pytest

from tests.api.spa import JSON, Spa

_JSON_BODY = {**JSON, "content-type": "application/json"}


def _at_the_code_prompt(spa: Spa) -> str:
    spa.browser.login("rosa")
    secret, _ = spa.enroll()
    spa.browser.post("/logout")
    spa.browser.login("rosa")
    return secret


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"{not json", "the body is not JSON"),
        (b"", "the body is not JSON"),
        (b"[]", "the body must be a JSON object"),
        (b'"123456"', "the body must be a JSON object"),
        (b"null", "the body must be a JSON object"),
        (b'{"code": 123456}', "the member 'code' must be a string"),
        (b'{"code": null}', "the member 'code' must be a string"),
        (b'{"code": ["123456"]}', "the member 'code' must be a string"),
        (b'{"code": {"value": "123456"}}', "the member 'code' must be a string"),
        ('{"code": "123456"}'.encode("utf-16"), "the body is not UTF-8"),
        (b'{"code": "\xff\xfe"}', "the body is not UTF-8"),
        (b'{"code": "\\ud800"}', "the body holds text that is not valid Unicode"),
        (b"[" * 5000 + b"]" * 5000, "the body nests too deeply"),
        (json.dumps({f"f{i}": "x" for i in range(9)}).encode(), "the body has more than 8 members"),
        (json.dumps({"code": "1" * 3000}).encode(), "the member 'code' is too long"),
    ],
)
def test_a_body_that_is_not_an_object_of_texts_is_a_clear_400(
    spa: Spa, content: bytes, detail: str
) -> None:
    secret = _at_the_code_prompt(spa)
    answer = spa.browser.post(
        "/2fa/verify", content=content, headers={**_JSON_BODY, "x-csrf-token": spa.token()}
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "form_unreadable"
    assert body["detail"] == detail
    assert body["message"].startswith("Het formulier kon niet worden gelezen")
    assert spa.post("/2fa/verify", code=spa.browser.code(secret)).status_code == 200


def test_a_very_deep_body_is_refused_without_a_500(spa: Spa) -> None:
    _at_the_code_prompt(spa)
    content = b'{"a":' * 2000 + b"1" + b"}" * 2000
    answer = spa.browser.post("/2fa/verify", content=content, headers=_JSON_BODY)
    assert answer.status_code == 400
    assert answer.json()["detail"] in {
        "the body nests too deeply",
        "the member 'a' must be a string",
    }


def test_unknown_members_are_ignored_as_in_a_form(spa: Spa) -> None:
    secret = _at_the_code_prompt(spa)
    answer = spa.post("/2fa/verify", code=spa.browser.code(secret), remember="yes")
    assert answer.status_code == 200


def test_a_body_over_the_limit_is_refused_with_413(spa: Spa) -> None:
    _at_the_code_prompt(spa)
    content = json.dumps({"code": "1" * 200_000}).encode()
    answer = spa.browser.post("/2fa/verify", content=content, headers=_JSON_BODY)
    assert answer.status_code == 413
    assert answer.headers["cache-control"] == "no-store"
