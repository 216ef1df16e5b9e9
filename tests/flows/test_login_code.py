"""The manual: after the password, the login asks for the 6-digit code."""

from __future__ import annotations

import pytest

from tests.support import Browser, Parts, browser, location


def enrolled(user: Browser, name: str = "rosa") -> str:
    user.login(name)
    secret, _ = user.enroll()
    user.post("/logout")
    user.login(name)
    # Well past the enrollment's code, so one step back is a code never used.
    user.clock.advance(60)
    return secret


def test_the_next_login_asks_for_a_code(user: Browser) -> None:
    enrolled(user)
    answer = user.get("/")
    assert answer.status_code == 303
    assert location(answer) == "/2fa/verify?next=%2F"
    prompt = user.get("/2fa/verify")
    assert 'name="code"' in prompt.text
    assert 'autocomplete="one-time-code"' in prompt.text
    assert "Twee staps verificatie code kwijt?" in prompt.text


def test_the_right_code_opens_the_app_and_keeps_the_next_target(user: Browser) -> None:
    secret = enrolled(user)
    assert location(user.get("/?tab=aangiftes")) == "/2fa/verify?next=%2F%3Ftab%3Daangiftes"
    answer = user.client.post(
        "/2fa/verify",
        params={"next": "/?tab=aangiftes"},
        data={"csrf_token": user.csrf_token("/2fa/verify"), "code": user.code(secret)},
    )
    assert answer.status_code == 303
    assert location(answer) == "/?tab=aangiftes"
    assert user.get("/").status_code == 200


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_code_is_accepted_for_the_current_step_and_one_either_side(
    user: Browser, offset: int
) -> None:
    secret = enrolled(user)
    assert (
        user.submit("/2fa/verify", code=user.code(secret, offset_steps=offset)).status_code == 303
    )


def test_a_code_two_steps_away_is_refused(user: Browser) -> None:
    secret = enrolled(user)
    answer = user.submit("/2fa/verify", code=user.code(secret, offset_steps=2))
    assert answer.status_code == 400


def test_a_code_is_accepted_once(user: Browser) -> None:
    secret = enrolled(user)
    code = user.code(secret)
    assert user.submit("/2fa/verify", code=code).status_code == 303
    user.post("/logout")
    user.login("rosa")
    replay = user.submit("/2fa/verify", code=code)
    assert replay.status_code == 400
    assert "al gebruikt" in replay.text


def test_a_code_from_a_phone_whose_clock_is_off_gets_the_clock_sync_steps(user: Browser) -> None:
    secret = enrolled(user)
    answer = user.submit("/2fa/verify", code=user.code(secret, offset_steps=-6))
    assert answer.status_code == 400
    assert "klok van uw telefoon" in answer.text
    assert 'href="/2fa/help/sync"' in answer.text
    assert user.get("/").status_code == 303


def test_ten_wrong_codes_lock_the_user_out_with_429(user: Browser) -> None:
    secret = enrolled(user)
    right = user.code(secret)
    wrong = "000000" if right != "000000" else "111111"
    statuses = [user.submit("/2fa/verify", code=wrong).status_code for _ in range(10)]
    assert statuses == [400] * 9 + [429]
    locked = user.submit("/2fa/verify", code=right)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert user.get("/").status_code == 303


def test_the_sync_help_covers_both_apps_on_android_and_ios(user: Browser) -> None:
    page = user.get("/2fa/help/sync")
    assert page.status_code == 200
    for combination in ("android_google", "android_microsoft", "ios"):
        assert f'data-sync="{combination}"' in page.text
    assert "Google Authenticator" in page.text
    assert "Microsoft Authenticator" in page.text


def test_a_replayed_code_is_refused_on_every_process(shared: Parts) -> None:
    one, two = shared.app(), shared.app()
    with browser(one, shared.clock) as first, browser(two, shared.clock) as second:
        secret = enrolled(first)
        second.login("rosa")
        code = first.code(secret)
        assert first.submit("/2fa/verify", code=code).status_code == 303
        assert second.submit("/2fa/verify", code=code).status_code == 400


def test_a_code_guessed_for_a_later_time_never_works_when_that_time_comes(user: Browser) -> None:
    secret = enrolled(user)
    later = user.code(secret, offset_steps=5)
    hint = user.submit("/2fa/verify", code=later)
    assert hint.status_code == 400
    assert "klok van uw telefoon" in hint.text
    user.clock.advance(5 * 30)
    assert user.submit("/2fa/verify", code=later).status_code == 400
    user.clock.advance(30)
    assert user.verify(secret).status_code == 303


def test_one_colleagues_failures_never_lock_out_another_at_the_office_address(
    parts: Parts,
) -> None:
    app = parts.app(address_max_failures=12)
    with browser(app, parts.clock) as rosa, browser(app, parts.clock, beside=rosa) as ruben:
        rosa_secret = enrolled(rosa, "rosa")
        ruben_secret = enrolled(ruben, "ruben")
        # Rosa fails nine times, then succeeds, again and again, from the office's address.
        for _ in range(2):
            for _ in range(9):
                assert rosa.submit("/2fa/verify", code="000000").status_code in {400, 429}
            rosa.clock.advance(30)
            rosa.verify(rosa_secret)
            rosa.post("/logout")
            rosa.login("rosa")
        ruben.clock.advance(30)
        assert ruben.verify(ruben_secret).status_code == 303
