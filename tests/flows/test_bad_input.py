"""Every bad input gets a clear error, loses nothing, and is never a 500."""

from __future__ import annotations

import pytest

from tests.support import Browser

BAD_CODES = [
    "",
    "   ",
    "12345",
    "1234567",
    "12345678901234567890" * 50,
    "abcdef",
    "\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic digits: int() takes them
    "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width digits
    "12 34 56 78",
    "123456\x00",
    "ï¿½½½½",
    "<script>",
]
BAD_RESET_CODES = [
    "",
    "short",
    "X" * 19,
    "X" * 21,
    "X" * 23,
    "X" * 25,
    "Ö" * 20,
    "Ö" * 24,
    "A" * 5000,
    "K7QF2-M9XDA-3HV8T-PZ4N!",
    "K7QF-2M9X-DA3H-V8TP-Z4NE-6RW!",
]


def at_the_code_prompt(user: Browser) -> str:
    user.login("rosa")
    secret, _ = user.enroll()
    user.post("/logout")
    user.login("rosa")
    return secret


@pytest.mark.parametrize("code", BAD_CODES)
def test_a_bad_code_is_refused_clearly_and_the_right_one_still_works(
    user: Browser, code: str
) -> None:
    secret = at_the_code_prompt(user)
    answer = user.submit("/2fa/verify", code=code)
    assert answer.status_code in {400, 413}
    assert user.verify(secret).status_code == 303


def test_a_missing_code_field_is_refused_clearly(user: Browser) -> None:
    at_the_code_prompt(user)
    answer = user.submit("/2fa/verify")
    assert answer.status_code == 400
    assert "Vul de verificatie code in" in answer.text


def test_a_repeated_code_field_counts_as_no_code(user: Browser) -> None:
    secret = at_the_code_prompt(user)
    token = user.csrf_token("/2fa/verify")
    code = user.code(secret)
    answer = user.post(
        "/2fa/verify",
        content=f"csrf_token={token}&code={code}&code={code}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 400
    assert user.verify(secret).status_code == 303


@pytest.mark.parametrize("reset_code", BAD_RESET_CODES)
def test_a_bad_reset_code_is_refused_clearly_and_loses_nothing(
    user: Browser, reset_code: str
) -> None:
    secret = at_the_code_prompt(user)
    answer = user.submit("/2fa/recover", reset_code=reset_code)
    assert answer.status_code in {400, 413}
    assert user.verify(secret).status_code == 303


@pytest.mark.parametrize(
    "path", ["/2fa/verify", "/2fa/recover", "/2fa/enroll/code", "/2fa/enroll/finish"]
)
@pytest.mark.parametrize("token", [None, "", "forged", "x" * 1000])
def test_a_missing_or_forged_form_token_is_refused(
    user: Browser, path: str, token: str | None
) -> None:
    user.login("rosa")
    if path.startswith("/2fa/enroll"):
        secret = user.scan()
        if path.endswith("finish"):
            user.submit("/2fa/enroll/code", code=user.code(secret))
    else:
        user.enroll()
        user.post("/logout")
        user.login("rosa")
    data = {"code": "123456", "reset_code": "K7QF2M9XDA3HV8TPZ4NE"}
    if token is not None:
        data["csrf_token"] = token
    answer = user.post(path, data=data)
    assert answer.status_code == 403
    assert "formulier is verlopen" in answer.text


def test_a_form_token_from_another_session_is_refused(user: Browser) -> None:
    user.login("rosa")
    secret = user.scan()
    foreign = user.csrf_token("/2fa/enroll/code")
    user.post("/logout")
    user.login("rosa")
    answer = user.post("/2fa/enroll/code", data={"csrf_token": foreign, "code": user.code(secret)})
    assert answer.status_code == 403


def test_a_huge_body_is_refused_with_413(user: Browser) -> None:
    at_the_code_prompt(user)
    answer = user.post(
        "/2fa/verify",
        content=b"code=" + b"1" * 200_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"\xff\xfe\x00garbage=%%%", "application/x-www-form-urlencoded"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"{not json", "application/json"),
        (b"code=123456", "text/plain"),
    ],
)
def test_a_malformed_body_is_a_clear_error_never_a_500(
    user: Browser, content: bytes, content_type: str
) -> None:
    secret = at_the_code_prompt(user)
    answer = user.post("/2fa/verify", content=content, headers={"content-type": content_type})
    assert 400 <= answer.status_code < 500
    assert "Traceback" not in answer.text
    assert user.verify(secret).status_code == 303
