"""The pages speak Dutch by default and English when the browser asks for it."""

from __future__ import annotations

import re
import string

import pytest

from nextens_guard.web.i18n import read_catalog
from tests.i18n.html import parse
from tests.i18n.tour import PAGES, Tour, people
from tests.support import Parts

TEXTS = {
    language: {str(m.id): str(m.string) for m in read_catalog(language) if m.id}
    for language in ("nl", "en")
}


def fragments(text: str) -> list[str]:
    """The literal stretches of a text long enough to tell a language by."""
    return [
        " ".join(literal.split())
        for literal, _, _, _ in string.Formatter().parse(text)
        if len(literal.strip()) >= 12
    ]


def visible_text(html: str) -> str:
    page = parse(html)
    body = page.all("body")
    assert len(body) == 1
    return " ".join(body[0].text.split())


def test_every_page_was_visited(tour: Tour) -> None:
    assert set(tour.pages) == set(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_each_page_says_its_language(tour: Tour, name: str) -> None:
    page = parse(tour.pages[name].text)

    assert [html["lang"] for html in page.all("html")] == [tour.language]


@pytest.mark.parametrize("name", PAGES)
def test_no_page_mixes_in_the_other_language(tour: Tour, name: str) -> None:
    other = "en" if tour.language == "nl" else "nl"
    shown = visible_text(tour.pages[name].text)
    foreign = [
        key
        for key, text in TEXTS[other].items()
        if text != TEXTS[tour.language][key]
        for fragment in fragments(text)
        if fragment in shown
    ]
    assert foreign == []


def test_the_code_prompt_has_the_words_of_the_design(tour: Tour) -> None:
    lost = {
        "nl": "Twee staps verificatie code kwijt?",
        "en": "Lost your two-step verification code?",
    }
    page = parse(tour.pages["verify"].text)

    links = [" ".join(a.text.split()) for a in page.all("a") if a.has("data-recover-link")]
    assert links == [lost[tour.language]]


@pytest.mark.parametrize("name", ["enroll_finish", "activate_finish"])
def test_the_final_click_says_activeren(tour: Tour, name: str) -> None:
    button = {"nl": "Activeren", "en": "Activate"}[tour.language]
    page = parse(tour.pages[name].text)

    logout = {"nl": "Uitloggen", "en": "Log out"}[tour.language]
    buttons = [" ".join(b.text.split()) for b in page.all("button", type="submit")]

    # Beside the header's way out, the one button of the page.
    assert [text for text in buttons if text != logout] == [button]


def test_the_office_page_has_the_buttons_of_the_manual(tour: Tour) -> None:
    words = {
        "nl": ("Bekijk reset code", "Deactiveren", "Twee staps verificatie activeren"),
        "en": ("View reset code", "Deactivate", "Switch on two-step verification"),
    }[tour.language]
    admin = visible_text(tour.pages["office_admin"].text)
    inactive = visible_text(tour.pages["office_inactive"].text)

    assert words[0] in admin
    assert words[1] in admin
    assert words[2] in inactive


def test_an_error_page_speaks_the_language_too(tour: Tour) -> None:
    heading = {"nl": "Niet gevonden", "en": "Not found"}[tour.language]

    assert parse(tour.pages["not_found"].text).text_of("h1") == heading


def test_a_browser_that_names_no_language_gets_dutch(embedded: Parts) -> None:
    with people(embedded, "") as (rosa, _, _):
        assert "accept-language" not in rosa.client.headers
        rosa.login("rosa")
        page = rosa.get("/2fa/enroll")

    assert re.search(r'<html lang="nl">', page.text)
    assert "Installeer de app" in page.text


def test_a_browser_that_asks_for_english_first_gets_english(embedded: Parts) -> None:
    with people(embedded, "") as (rosa, _, _):
        rosa.login("rosa")
        page = rosa.get("/2fa/enroll", headers={"Accept-Language": "en-GB,en;q=0.9,nl;q=0.8"})

    assert '<html lang="en">' in page.text
    assert "Install the app" in page.text
