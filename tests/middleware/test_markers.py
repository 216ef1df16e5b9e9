"""A verified session lasts as long as its login, for at most a working day."""

from __future__ import annotations

from tests.middleware.host import APP_PAGE, build_host
from tests.support import Parts, browser, location


def test_the_verification_does_not_outlive_a_logout_that_keeps_the_session(
    parts: Parts,
) -> None:
    host = build_host(parts)
    with browser(host.app, parts.clock) as ruben:
        ruben.login("ruben")
        ruben.enroll()
        assert APP_PAGE in ruben.get("/").text
        # The host forgets the user but keeps the rest of the session...
        ruben.post("/careless-logout")
        # ...and logs someone in as ruben without clearing it: the code is asked again.
        ruben.post("/switch-user", data={"username": "ruben"})
        answer = ruben.get("/")
        assert answer.status_code == 303
        assert location(answer).startswith("/2fa/verify")


def test_a_logout_then_login_straight_on_an_exempt_page_asks_for_the_code(parts: Parts) -> None:
    host = build_host(parts)
    with browser(host.app, parts.clock) as ruben:
        ruben.login("ruben")
        ruben.enroll()
        ruben.post("/careless-logout")
        # The very next request is a login on an exempt page.
        ruben.client.post("/login", data={"username": "ruben"})
        assert location(ruben.get("/")).startswith("/2fa/verify")


def test_a_verified_session_asks_for_the_code_again_after_a_working_day(parts: Parts) -> None:
    host = build_host(parts)
    with browser(host.app, parts.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
        assert APP_PAGE in rosa.get("/").text
        parts.clock.advance(11 * 60 * 60)
        assert APP_PAGE in rosa.get("/").text
        parts.clock.advance(60 * 60)
        assert location(rosa.get("/")).startswith("/2fa/verify")


def test_exempting_the_home_page_exempts_the_home_page_only(parts: Parts) -> None:
    host = build_host(parts, exempt_paths=["/", "/login", "/logout"])
    with browser(host.app, parts.clock) as rosa:
        rosa.login("rosa")
        assert rosa.get("/").status_code == 200
        for path in ("/api/aangiften", "/api/", "/lifespan-state"):
            answer = rosa.get(path)
            assert answer.status_code == 303, path
            assert location(answer).startswith("/2fa/enroll"), path
