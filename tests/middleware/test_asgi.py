"""The guard as an ASGI citizen: lifespan, root paths, a missing session, every method."""

from __future__ import annotations

import logging

import pyotp
import pytest
from starlette.applications import Starlette
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Router
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from nextens_guard import GuardError, TwoFactorMiddleware
from tests.middleware.host import (
    APP_HEADER,
    APP_PAGE,
    GREETING,
    Host,
    build_host,
    enroll,
    submit,
)
from tests.support import BROWSER_ACCEPT, Parts, browser, location


def test_lifespan_passes_through(embedded: Parts) -> None:
    host = build_host(embedded)
    assert host.events == []
    with TestClient(host.app) as client:
        assert host.events == ["startup"]
        assert host.guard.started
        # What the host's lifespan handed on reaches its requests through the guard.
        assert client.get("/lifespan-state").text == GREETING
    assert host.events == ["startup", "shutdown"]
    assert not host.guard.started


def mounted_under_app(host: Host) -> ASGIApp:
    """A parent app that mounts the guarded stack at /app and passes its lifespan on."""
    router = Router(routes=[Mount("/app", app=host.app)])

    async def parent(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await host.app(scope, receive, send)
        else:
            await router(scope, receive, send)

    return parent


@pytest.mark.parametrize("how", ["mount", "root_path"])
def test_the_guard_works_under_a_root_path(embedded: Parts, how: str) -> None:
    host = build_host(embedded)
    headers = {"accept": BROWSER_ACCEPT}
    if how == "mount":
        client = TestClient(mounted_under_app(host), follow_redirects=False, headers=headers)
    else:
        # As uvicorn --root-path /app sends it: the full path, and the prefix beside it.
        client = TestClient(host.app, root_path="/app", follow_redirects=False, headers=headers)
    with client:
        client.post("/app/login", data={"username": "rosa"})
        answer = client.get("/app/")
        assert answer.status_code == 303
        assert location(answer) == "/app/2fa/enroll?next=%2Fapp%2F"
        secret, _ = enroll(client, embedded.clock, base="/app")
        client.post("/app/logout")
        client.post("/app/login", data={"username": "rosa"})

        answer = client.get("/app/api/aangifte?jaar=2024")
        assert answer.status_code == 303
        target = location(answer)
        assert target == "/app/2fa/verify?next=%2Fapp%2Fapi%2Faangifte%3Fjaar%3D2024"
        api = client.get("/app/", headers={"accept": "application/json"})
        assert api.status_code == 401
        assert api.json()["url"] == "/app/2fa/verify?next=%2Fapp%2F"

        page = client.get(target)
        assert page.status_code == 200
        assert 'action="/app/2fa/verify?next=' in page.text
        assert 'href="/app/2fa/recover?next=' in page.text
        assert 'href="/app/2fa/static/guard.css"' in page.text
        assert client.get("/app/2fa/static/guard.css").status_code == 200
        assert client.get("/app/2fa/help/sync").status_code == 200

        verified = submit(client, target, code=pyotp.TOTP(secret).at(embedded.clock.now))
        assert verified.status_code == 303
        assert location(verified) == "/app/api/aangifte?jaar=2024"
        assert client.get("/app/api/aangifte?jaar=2024").headers[APP_HEADER] == "reached"
        assert APP_PAGE in client.get("/app/").text


def test_without_a_session_middleware_every_request_gets_a_500_naming_the_mistake_logged_once(
    embedded: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    host = build_host(embedded, sessions=False)
    with caplog.at_level(logging.ERROR, logger="nextens_guard"), TestClient(host.app) as client:
        for path in ("/", "/api/aangifte", "/2fa/verify", "/lifespan-state"):
            answer = client.get(path, headers={"accept": "text/html"})
            assert answer.status_code == 500, path
            assert "SessionMiddleware" in answer.text, path
            assert "Traceback" not in answer.text, path
            assert APP_PAGE not in answer.text, path
            assert APP_HEADER not in answer.headers, path
        api = client.get("/", headers={"accept": "application/json"})
        assert api.status_code == 500
        assert api.json()["error"] == "misconfigured"
        assert client.post("/login", data={"username": "rosa"}).status_code == 500
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws"):
            pass
        assert refused.value.code == 1011
    told = [r for r in caplog.records if "SessionMiddleware" in r.getMessage()]
    assert len(told) == 1


def misordered(parts: Parts) -> Starlette:
    """The two middlewares added the wrong way round: Starlette's add_middleware puts the
    last one added outermost, so the guard runs before any session exists."""
    host = build_host(parts, sessions=False)
    app = Starlette(routes=[Mount("/", app=host.app)])
    app.add_middleware(SessionMiddleware, secret_key=parts.secrets.session_secret)
    app.add_middleware(TwoFactorMiddleware, guard=host.guard)
    return app


def test_a_misordered_session_middleware_stops_the_app_at_start_naming_the_mistake(
    embedded: Parts,
) -> None:
    with pytest.raises(GuardError, match="SessionMiddleware"), TestClient(misordered(embedded)):
        pass


def test_a_misordered_session_middleware_answers_500_naming_the_mistake_without_a_start(
    embedded: Parts,
) -> None:
    # A server that runs no lifespan: the first request tells it.
    answer = TestClient(misordered(embedded)).get("/", headers={"accept": "text/html"})
    assert answer.status_code == 500
    assert "SessionMiddleware" in answer.text


METHODS = ["GET", "HEAD", "OPTIONS", "POST", "DELETE", "PROPFIND", "BREW"]


@pytest.mark.parametrize("method", METHODS)
def test_head_options_and_unknown_methods_are_guarded_too(embedded: Parts, method: str) -> None:
    host = build_host(embedded)
    with browser(host.app, embedded.clock) as rosa:
        rosa.login("rosa")
        secret, _ = rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")

        answer = rosa.client.request(method, "/api/aangifte")
        assert APP_HEADER not in answer.headers
        assert "host app content" not in answer.text
        assert answer.status_code == 303
        expected = "/2fa/verify"
        if method in ("GET", "HEAD"):
            expected += "?next=%2Fapi%2Faangifte"
        assert location(answer) == expected

        assert rosa.verify(secret).status_code == 303
        passed = rosa.client.request(method, "/api/aangifte")
        assert passed.status_code == 200
        assert passed.headers[APP_HEADER] == "reached"
