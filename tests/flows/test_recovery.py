"""The manual: "Twee staps verificatie code kwijt?" and the personal reset code."""

from __future__ import annotations

from tests.support import Browser, location


def test_the_reset_code_starts_a_fresh_enrollment_and_the_old_secret_stops_working(
    user: Browser,
) -> None:
    user.login("rosa")
    old_secret, reset_code = user.enroll()
    user.post("/logout")
    user.login("rosa")
    assert 'href="/2fa/recover' in user.get("/2fa/verify").text
    answer = user.submit("/2fa/recover", reset_code=reset_code)
    assert answer.status_code == 303
    assert location(answer).startswith("/2fa/enroll")
    assert location(user.get("/")).startswith("/2fa/enroll")
    new_secret, new_reset_code = user.enroll()
    assert new_secret != old_secret
    assert new_reset_code != reset_code
    user.post("/logout")
    user.login("rosa")
    assert user.submit("/2fa/verify", code=user.code(old_secret)).status_code == 400
    assert user.submit("/2fa/verify", code=user.code(new_secret)).status_code == 303


def test_the_reset_code_is_accepted_in_any_case_with_or_without_dashes(user: Browser) -> None:
    user.login("rosa")
    _, reset_code = user.enroll()
    user.post("/logout")
    user.login("rosa")
    typed = "-".join(reset_code[i : i + 5] for i in range(0, 20, 5)).lower()
    assert user.submit("/2fa/recover", reset_code=typed).status_code == 303


def test_a_wrong_reset_code_is_refused_and_changes_nothing(user: Browser) -> None:
    user.login("rosa")
    secret, reset_code = user.enroll()
    user.post("/logout")
    user.login("rosa")
    wrong = ("A" if reset_code[0] != "A" else "B") + reset_code[1:]
    answer = user.submit("/2fa/recover", reset_code=wrong)
    assert answer.status_code == 400
    assert "resetcode is niet juist" in answer.text
    assert user.submit("/2fa/verify", code=user.code(secret)).status_code == 303


def test_a_used_reset_code_cannot_be_used_again(user: Browser) -> None:
    user.login("rosa")
    _, reset_code = user.enroll()
    user.post("/logout")
    user.login("rosa")
    assert user.submit("/2fa/recover", reset_code=reset_code).status_code == 303
    user.enroll()
    user.post("/logout")
    user.login("rosa")
    assert user.submit("/2fa/recover", reset_code=reset_code).status_code == 400
