"""A real Chromium (Debian's package, never a downloaded browser) on the example app.

Every test starts its own example app with fresh demo data, so flows never meet.
One browser serves the whole folder; each person gets a fresh browser context,
as if on their own computer. Without Chromium these tests fail: `make test`
(scripts/test-services) installs it with apt-get.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Response, expect, sync_playwright

from tests.browser.album import VIEWPORT
from tests.browser.people import Person
from tests.browser.server import RunningApp, example_app

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The machine may have no network at all: nothing in Chromium should try to reach out.
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]
LOCALES = {"nl": "nl-NL", "en": "en-US"}
TIMEOUT_MS = 20_000  # generous: two cores shared with the rest of the suite


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    executable = shutil.which(CHROMIUM)
    if executable is None:
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(`apt-get install chromium`, as `make test` does) or point CHROMIUM at one"
        )
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[RunningApp]:
    with example_app(tmp_path) as running:
        yield running


PersonFactory = Callable[..., Person]


@pytest.fixture
def people(chromium: Browser, app: RunningApp) -> Iterator[PersonFactory]:
    """``people("rosa")`` is rosa at her own browser; ``language="en"`` for English."""
    contexts = []
    failures: list[str] = []

    def server_error(response: Response) -> None:
        if response.status >= 500:
            failures.append(f"{response.status} {response.request.method} {response.url}")

    def person(username: str, *, language: str = "nl") -> Person:
        context = chromium.new_context(
            locale=LOCALES[language], viewport=VIEWPORT, timezone_id="Europe/Amsterdam"
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("response", server_error)
        return Person(username=username, page=page, app_url=app.url, language=language)

    yield person
    for context in contexts:
        context.close()
    assert not failures, f"server errors: {failures}\n{app.log()}"
    assert "Traceback" not in app.log(), app.log()
