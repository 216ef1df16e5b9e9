"""A host backend that cannot answer lets nobody through: a clear 503, never the app."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from nextens_guard import BackendError
from tests.middleware.host import APP_HEADER, APP_PAGE, Failing, build_host, demo_backend
from tests.support import Parts, browser


@pytest.mark.parametrize("method", ["get_user", "linked_offices", "authenticated_user_id"])
@pytest.mark.parametrize(
    "error",
    [
        pytest.param(BackendError("users database down"), id="BackendError"),
        pytest.param(RuntimeError("users database down"), id="any-exception"),
    ],
)
def test_a_backend_that_raises_fails_closed_with_503(
    embedded: Parts, method: str, error: Exception
) -> None:
    host = build_host(embedded, backend=Failing(demo_backend(), method, error))
    with TestClient(host.app, follow_redirects=False) as client:
        client.post("/login", data={"username": "rosa"})
        for path in ("/", "/api/aangifte"):
            answer = client.get(path)
            assert answer.status_code == 503, path
            assert "Tijdelijk niet beschikbaar" in answer.text
            assert answer.headers["retry-after"]
            assert APP_PAGE not in answer.text
            assert APP_HEADER not in answer.headers
            assert "Traceback" not in answer.text
            assert "users database down" not in answer.text
        api = client.get("/api/aangifte", headers={"accept": "application/json"})
        assert api.status_code == 503
        assert api.json()["error"] == "http_503"
        assert "users database down" not in api.text
        assert APP_HEADER not in api.headers


def test_the_503_page_is_never_cached_or_framed(embedded: Parts) -> None:
    """Like every other answer of the guard in front of the app, its redirects included."""
    host = build_host(embedded, backend=Failing(demo_backend(), "get_user", BackendError()))
    with TestClient(host.app, follow_redirects=False) as client:
        client.post("/login", data={"username": "rosa"})
        answer = client.get("/")
        assert answer.status_code == 503
        assert answer.headers.get("cache-control") == "no-store"
        assert answer.headers.get("x-frame-options") == "DENY"
        assert "frame-ancestors 'none'" in answer.headers.get("content-security-policy", "")


def test_a_verified_user_keeps_working_while_the_backend_slow_path_is_down(
    embedded: Parts,
) -> None:
    """A verified request asks the backend only for the session, so the outage does not show."""
    backend = Failing(demo_backend(), None, BackendError("users database down"))
    host = build_host(embedded, backend=backend)
    with browser(host.app, embedded.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
        assert APP_PAGE in rosa.get("/").text
        backend.fail("get_user")
        assert APP_PAGE in rosa.get("/").text


@pytest.mark.parametrize("path", ["/2fa/enroll", "/2fa/verify", "/2fa/recover"])
def test_a_backend_error_on_a_guard_page_is_a_503_too(embedded: Parts, path: str) -> None:
    """BackendError is the host saying it cannot answer: a part is down, not a bug of ours."""
    host = build_host(embedded, backend=Failing(demo_backend(), "get_user", BackendError("down")))
    with TestClient(host.app, follow_redirects=False) as client:
        client.post("/login", data={"username": "rosa"})
        answer = client.get(path)
        assert answer.status_code == 503
        assert "Tijdelijk niet beschikbaar" in answer.text
        assert "Traceback" not in answer.text
