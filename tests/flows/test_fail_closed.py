"""When Redis or the database is down, nobody passes unverified: they get a clear 503."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx

from tests.support import Parts, browser, location

# Nothing listens on port 1 of the loopback address: a part that is down.
DOWN_REDIS = "redis://127.0.0.1:1/0"
DOWN_POSTGRES = "postgresql://postgres@127.0.0.1:1/test"


def embedded(tmp_path: Path, **changes: str) -> Parts:
    parts = Parts(
        kind="embedded",
        database_url=f"sqlite:///{tmp_path / 'guard.sqlite3'}",
        redis_url=None,
        table_prefix="nextens_guard_",
        key_prefix="nextens_guard",
    )
    for name, value in changes.items():
        setattr(parts, name, value)
    return parts


def test_with_the_database_down_a_logged_in_user_gets_a_503_page(tmp_path: Path) -> None:
    parts = embedded(tmp_path, database_url=DOWN_POSTGRES)
    with browser(parts.app(), parts.clock) as user:
        user.login("rosa")
        answer = user.get("/")
        assert answer.status_code == 503
        assert "Tijdelijk niet beschikbaar" in answer.text
        assert 'data-app-page="dashboard"' not in answer.text
        assert "Traceback" not in answer.text
        assert answer.headers["retry-after"]
        api = user.get("/", headers={"accept": "application/json"})
        assert api.status_code == 503
        assert api.json()["error"] == "http_503"
        # People who are not logged in still reach the login page.
        assert user.get("/login").status_code == 200


def logged_in_before_the_outage(parts: Parts) -> httpx.Cookies:
    """rosa's session cookie from a password login while every part answered: with Redis
    down the login itself is refused, since its attempts cannot be counted."""
    with browser(parts.app(), parts.clock) as user:
        assert user.login("rosa").status_code == 303
        return httpx.Cookies(user.client.cookies)


def test_with_redis_down_the_password_login_is_refused_with_a_503(tmp_path: Path) -> None:
    parts = embedded(tmp_path, redis_url=DOWN_REDIS)
    with browser(parts.app(), parts.clock) as user:
        answer = user.login("rosa")
        assert answer.status_code == 503
        assert answer.headers["retry-after"]
        assert location(user.get("/")).startswith("/login")


def test_with_redis_down_a_code_cannot_be_checked_and_nobody_passes(tmp_path: Path) -> None:
    parts = embedded(tmp_path)
    cookies = logged_in_before_the_outage(parts)
    parts.redis_url = DOWN_REDIS
    with browser(parts.app(), parts.clock) as user:
        user.client.cookies = cookies
        assert location(user.get("/")).startswith("/2fa/enroll")
        secret = user.scan()
        answer = user.submit("/2fa/enroll/code", code=user.code(secret))
        assert answer.status_code == 503
        assert "Tijdelijk niet beschikbaar" in answer.text
        assert location(user.get("/")).startswith("/2fa/enroll")


def test_an_enrolled_user_keeps_their_enrollment_through_an_outage(tmp_path: Path) -> None:
    parts = embedded(tmp_path)
    with browser(parts.app(), parts.clock) as user:
        user.login("rosa")
        secret, _ = user.enroll()
    cookies = logged_in_before_the_outage(parts)
    parts.redis_url = DOWN_REDIS
    with browser(parts.app(), parts.clock) as user:
        user.client.cookies = cookies
        assert user.verify(secret).status_code == 503
    parts.redis_url = None
    with browser(parts.app(), parts.clock) as user:
        user.login("rosa")
        assert user.verify(secret).status_code == 303
        assert user.get("/").status_code == 200
