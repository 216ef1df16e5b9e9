"""A user sent to the guard from a page of the app comes back to that page, by way of the
code, an enrollment or a recovery; without such a page, to the app's home page.

Every step follows the link or the form the page itself shows, as a person clicking
through does, so a step that drops `next` breaks the way back.
"""

from __future__ import annotations

import html
import re

import httpx2 as httpx

from example_app.demo_data import DEMO_PASSWORD
from tests.support import Browser, Parts, browser, location

SOME_PAGE = "/some/page?tab=2"
_NEXT_BUTTON = re.compile(r'<a class="ng-button" href="([^"]+)"')
_FORM = re.compile(r'<form method="post" action="([^"]+)" class="ng-form"')
_RECOVER_LINK = re.compile(r'<a href="([^"]+)" data-recover-link>')
_CONTINUE = re.compile(r'<a class="ng-button" href="([^"]+)" data-continue')
_APP_LINK = re.compile(r'<a class="ng-app-link" href="([^"]+)" data-app-link>')
_BACK = re.compile(r'href="([^"]+)"[^>]*data-back')


def found(pattern: re.Pattern[str], page: httpx.Response) -> str:
    match = pattern.search(page.text)
    assert match, f"{pattern.pattern} not on the page ({page.status_code})"
    return html.unescape(match.group(1))


def sent_to_the_guard_from_some_page(person: Browser, username: str) -> str:
    """Log in on the way to SOME_PAGE, as a bookmark does; the guard page it sends to."""
    login = person.login(username, next_url=SOME_PAGE)
    assert location(login) == SOME_PAGE
    detour = person.get(SOME_PAGE)
    assert detour.status_code == 303
    return location(detour)


def enroll_by_the_pages(person: Browser, start: str) -> httpx.Response:
    """Click through the enrollment from ``start``; the page that says it is done."""
    install = person.get(start)
    assert install.status_code == 200, install.text
    scan_url = found(_NEXT_BUTTON, install)
    if location(asked := person.get(scan_url)).startswith("/2fa/enroll/password"):
        # A login older than the recovery shows the password before the new key.
        password_form = found(_FORM, person.get(location(asked)))
        typed = person.submit(password_form, password=DEMO_PASSWORD)
        scan_url = location(typed)
    secret = person.scan_at(scan_url)
    code_url = found(_NEXT_BUTTON, person.get(scan_url))
    code_page = person.get(code_url)
    checked = person.submit(found(_FORM, code_page), code=person.code(secret))
    assert checked.status_code == 303, checked.text
    finish = person.get(location(checked))
    finished = person.submit(found(_FORM, finish))
    assert finished.status_code == 303, finished.text
    person.clock.advance(30)
    return person.get(location(finished))


def test_after_the_code_the_user_is_back_on_the_page_they_came_from(user: Browser) -> None:
    user.login("rosa")
    secret, _ = user.enroll()
    user.post("/logout")

    prompt = sent_to_the_guard_from_some_page(user, "rosa")
    assert prompt.startswith("/2fa/verify?")
    answer = user.submit(found(_FORM, user.get(prompt)), code=user.code(secret))

    assert location(answer) == SOME_PAGE
    assert user.get(SOME_PAGE).status_code == 404  # the app's own answer, not the guard's


def test_after_enrolling_the_user_goes_on_to_the_page_they_came_from(user: Browser) -> None:
    start = sent_to_the_guard_from_some_page(user, "rosa")
    assert start.startswith("/2fa/enroll?")

    done = enroll_by_the_pages(user, start)

    assert found(_CONTINUE, done) == SOME_PAGE
    assert user.get(SOME_PAGE).status_code == 404


def test_after_a_recovery_and_enrolling_again_the_user_is_back_on_the_page_they_came_from(
    user: Browser,
) -> None:
    user.login("rosa")
    _, reset_code = user.enroll()
    user.post("/logout")

    prompt = sent_to_the_guard_from_some_page(user, "rosa")
    recover_url = found(_RECOVER_LINK, user.get(prompt))
    recovered = user.submit(found(_FORM, user.get(recover_url)), reset_code=reset_code)
    assert recovered.status_code == 303
    done = enroll_by_the_pages(user, location(recovered))

    assert found(_CONTINUE, done) == SOME_PAGE
    assert user.get(SOME_PAGE).status_code == 404


def test_without_a_page_to_go_back_to_the_user_goes_to_the_home_page_the_host_names(
    parts: Parts,
) -> None:
    with browser(parts.app(home_path="/start"), parts.clock) as person:
        person.login("rosa")
        secret, _ = person.enroll()
        person.post("/logout")
        person.login("rosa")

        answer = person.verify(secret)

        assert location(answer) == "/start"
        assert found(_APP_LINK, person.get("/2fa/office")) == "/start"
        assert found(_BACK, person.get("/2fa/no-such-page")) == "/start"


def test_a_user_who_enrolls_without_a_page_to_go_back_to_continues_to_the_home_page(
    parts: Parts,
) -> None:
    with browser(parts.app(home_path="/start"), parts.clock) as person:
        person.login("rosa")

        done = enroll_by_the_pages(person, "/2fa/enroll")

        assert found(_CONTINUE, done) == "/start"


def test_a_guard_page_opened_without_a_login_sends_to_the_login_the_host_names(
    parts: Parts,
) -> None:
    with browser(parts.app(login_path="/account/login"), parts.clock) as person:
        answer = person.get("/2fa/office")

        assert location(answer) == "/account/login?next=%2F2fa%2Foffice"
