"""The reset code: plain, selectable text for everyone, and a copy button where JavaScript
runs, added by the guard's one small script under a strict Content-Security-Policy."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from example_app.demo_data import DEMO_PASSWORD
from tests.i18n.html import parse
from tests.i18n.tour import PAGES, PASSKEY_DIALOG_PAGES, RESET_CODE_PAGES, Tour, people
from tests.support import Parts

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
ORIGIN = "https://guard.test"
COPY = {
    "nl": ("Kopiëren", "De resetcode is gekopieerd."),
    "en": ("Copy", "The reset code has been copied."),
}


def policy(response: httpx.Response) -> dict[str, str]:
    directives = response.headers["content-security-policy"].split(";")
    return {name: value for name, _, value in (d.strip().partition(" ") for d in directives)}


@pytest.mark.parametrize("name", PAGES)
def test_every_page_allows_scripts_from_the_guard_alone(tour: Tour, name: str) -> None:
    rules = policy(tour.pages[name])

    assert rules["default-src"] == "'none'"
    assert rules["script-src"] == "'self'"
    assert "unsafe" not in tour.pages[name].headers["content-security-policy"]


@pytest.mark.parametrize("name", RESET_CODE_PAGES)
def test_a_shown_reset_code_is_text_with_the_copy_words_beside_it(tour: Tour, name: str) -> None:
    page = parse(tour.pages[name].text)
    (code,) = page.with_attr("data-reset-code")
    (box,) = page.with_attr("data-copy-label")
    (script,) = page.all("script")

    assert code.tag == "code"
    assert "".join(code.text.split()).replace("-", "") == code["data-reset-code"]
    assert (box["data-copy-label"], box["data-copied-label"]) == COPY[tour.language]
    assert box["data-copy-failed-label"]
    assert script["src"].endswith("/2fa/static/guard.js")
    assert script.has("defer")
    # The button is the script's to add: without JavaScript there is none.
    assert not page.all("button", type="button")


@pytest.mark.parametrize(
    "name", [name for name in PAGES if name not in (*RESET_CODE_PAGES, *PASSKEY_DIALOG_PAGES)]
)
def test_pages_without_a_reset_code_load_no_script(tour: Tour, name: str) -> None:
    assert not parse(tour.pages[name].text).all("script")


@pytest.mark.parametrize("name", PASSKEY_DIALOG_PAGES)
def test_a_page_with_the_passkey_dialog_loads_only_its_own_script(tour: Tour, name: str) -> None:
    (script,) = parse(tour.pages[name].text).all("script")
    assert script["src"].endswith("/static/passkeys.js")


def test_the_script_is_served_as_javascript(embedded: Parts) -> None:
    with people(embedded, "nl") as (rosa, _, _):
        script = rosa.get("/2fa/static/guard.js")

    assert script.status_code == 200
    assert script.headers["content-type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
    assert script.headers["x-content-type-options"] == "nosniff"


# In a real browser


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, started inside a test: the test's own event loops (the app's,
    the store clean-up's) must not run while Playwright's does."""
    executable = shutil.which(CHROMIUM)
    if executable is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def served(parts: Parts, language: str) -> dict[str, httpx.Response]:
    """rosa's reset code page with its script and style sheet, as the guard answers them."""
    with people(parts, language) as (rosa, _, _):
        rosa.login("rosa")
        secret, _ = rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")
        rosa.clock.advance(60)
        assert rosa.verify(secret).status_code == 303
        page = rosa.submit("/2fa/office/reset-code", password=DEMO_PASSWORD)
        assert page.status_code == 200
        return {
            "/2fa/office/reset-code": page,
            "/2fa/static/guard.js": rosa.get("/2fa/static/guard.js"),
            "/2fa/static/guard.css": rosa.get("/2fa/static/guard.css"),
        }


def open_page(
    chromium: Browser, answers: dict[str, httpx.Response], *, script: bool
) -> tuple[Page, list[str]]:
    """The page at an https origin (a secure context, as in production), every request
    answered with the guard's own response, headers and all; with what went wrong: a
    Content-Security-Policy violation or a request the guard did not answer."""
    context = chromium.new_context(java_script_enabled=script)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ORIGIN)
    page = context.new_page()
    trouble: list[str] = []
    page.on(
        "console",
        lambda message: (
            trouble.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def answer(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        if path not in answers:
            trouble.append(f"unanswered: {route.request.url}")
            route.abort()
            return
        response = answers[path]
        route.fulfill(
            status=response.status_code,
            headers={
                name: value for name, value in response.headers.items() if name != "content-length"
            },
            body=response.content,
        )

    page.route(f"{ORIGIN}/**", answer)
    page.goto(f"{ORIGIN}/2fa/office/reset-code")
    page.wait_for_load_state("load")
    return page, trouble


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_copy_button_puts_the_reset_code_on_the_clipboard(
    embedded: Parts, language: str
) -> None:
    answers = served(embedded, language)
    with chromium() as browser:
        page, trouble = open_page(browser, answers, script=True)
        button = page.locator("button[data-copy-reset-code]")
        button.wait_for()
        shown = page.locator("[data-reset-code]").inner_text().strip()

        assert button.inner_text() == COPY[language][0]
        button.click()
        page.locator(".ng-copy-status", has_text=COPY[language][1]).wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == shown
        assert page.locator(".ng-copy-status").get_attribute("role") == "status"
        assert trouble == []


def test_without_javascript_the_reset_code_is_there_and_no_button(embedded: Parts) -> None:
    answers = served(embedded, "nl")
    with chromium() as browser:
        page, trouble = open_page(browser, answers, script=False)
        code = page.locator("[data-reset-code]")

        assert code.is_visible()
        assert len(code.inner_text().replace("-", "").strip()) >= 16
        assert page.locator("button[data-copy-reset-code]").count() == 0
        # The header's "Uitloggen" is a form of its own; the page itself has no button.
        assert page.locator("main button").count() == 0
        # One click selects the whole code, to copy by hand.
        assert code.evaluate("element => getComputedStyle(element).userSelect") == "all"
        assert trouble == []
