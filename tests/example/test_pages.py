"""The example's own pages: their language, their icon."""

from __future__ import annotations

import re

from tests.example.conftest import DUTCH, ENGLISH, log_in
from tests.support import Browser


def test_the_login_and_dashboard_speak_english_for_a_browser_that_ranks_english_first(
    person: Browser,
) -> None:
    person.client.headers["Accept-Language"] = ENGLISH
    login = person.get("/login")
    assert '<html lang="en">' in login.text
    assert ">Log in</button>" in login.text
    assert "Accept-Language" in login.headers["vary"]
    assert log_in(person, "bram").status_code == 303
    dashboard = person.get("/")
    assert 'data-app-page="dashboard"' in dashboard.text
    assert 'data-user="bram"' in dashboard.text
    assert "Welcome," in dashboard.text
    assert ">Settings &gt; User management &gt; Two-step verification</a>" in dashboard.text
    assert ">Log out</button>" in dashboard.text


def test_the_login_and_dashboard_stay_dutch_for_a_dutch_browser(person: Browser) -> None:
    person.client.headers["Accept-Language"] = DUTCH
    assert ">Inloggen</button>" in person.get("/login").text
    log_in(person, "bram")
    dashboard = person.get("/")
    assert '<html lang="nl">' in dashboard.text
    assert "Welkom," in dashboard.text
    assert ">Uitloggen</button>" in dashboard.text


def test_the_pages_speak_the_language_the_guards_pages_speak(person: Browser) -> None:
    person.client.headers["Accept-Language"] = "fr-FR,fr;q=0.9,en;q=0.8"
    assert '<html lang="en">' in person.get("/login").text
    assert '<html lang="en">' in person.get("/2fa/help/sync").text


def test_the_icon_is_linked_and_served_even_to_someone_between_password_and_code(
    person: Browser,
) -> None:
    page = person.get("/login").text
    for href in re.findall(r'<link rel="icon" href="([^"]+)"', page):
        assert person.get(href).status_code == 200, href
    # rosa's office asks for the second step: every other page sends her to enrollment.
    log_in(person, "rosa")
    assert person.get("/").status_code == 303
    icon = person.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content.startswith(b"\x00\x00\x01\x00")
