"""The README's integration examples run as printed, and guard what they say they guard."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from example_app.backend import SESSION_USER_KEY, DemoBackend

README = Path(__file__).resolve().parents[2] / "README.md"


def example_under(heading: str) -> str:
    """The first Python block after ``heading`` in the README."""
    text = README.read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, f"no Python example under {heading!r}"
    return match.group(1)


async def home(request: Request) -> Response:
    return PlainTextResponse("the host's home page")


@pytest.fixture
def namespace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """What a reader brings: the secrets in the environment, their routes and backend."""
    monkeypatch.chdir(tmp_path)  # the default SQLite file lands here
    monkeypatch.setenv("GUARD_SECRET_KEY", "g" * 40)
    monkeypatch.setenv("GUARD_KEY_K1", base64.b64encode(os.urandom(32)).decode())
    monkeypatch.setenv("SESSION_SECRET", "s" * 40)
    return {"os": os, "base64": base64, "routes": [Route("/", home)], "MyBackend": DemoBackend}


def test_the_starlette_example_serves_the_app_and_the_guards_pages(
    namespace: dict[str, Any],
) -> None:
    exec(example_under("## Guard a Starlette app"), namespace)  # noqa: S102 - our own README

    with TestClient(namespace["app"]) as client:
        assert client.get("/").text == "the host's home page"
        assert client.get("/2fa/help/sync").status_code == 200


def test_the_fastapi_example_hands_the_route_its_user_and_keeps_the_schema(
    namespace: dict[str, Any],
) -> None:
    exec(example_under("## Guard a Starlette app"), namespace)  # noqa: S102 - its `settings`
    exec(example_under("## FastAPI"), namespace)  # noqa: S102 - our own README
    app: FastAPI = namespace["app"]

    @app.post("/test-login/{user_id}")
    async def log_in(user_id: str, request: Request) -> None:
        request.session[SESSION_USER_KEY] = user_id

    with TestClient(app) as client:
        assert client.get("/api/me").status_code == 401
        assert "/api/me" in client.get("/openapi.json").json()["paths"]
        client.post("/test-login/bram")
        assert client.get("/api/me").json() == {"username": "bram"}
