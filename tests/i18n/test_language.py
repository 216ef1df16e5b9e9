"""The language of the pages: Dutch unless the browser prefers English."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nextens_guard.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator, negotiate

# Choosing the language


def test_the_default_language_is_dutch() -> None:
    assert DEFAULT_LANGUAGE == "nl"
    assert LANGUAGES == ("nl", "en")


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        (None, "nl"),
        ("", "nl"),
        ("en-US,en;q=0.9", "en"),
        ("en", "en"),
        ("EN-gb", "en"),
        ("nl,en;q=0.5", "nl"),
        ("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7", "nl"),
        ("en;q=0.5,nl;q=0.8", "nl"),
        ("de,en;q=0.3", "en"),
        ("de-DE,fr;q=0.8", "nl"),
        ("en;q=0", "nl"),
        ("en;q=0.0,de", "nl"),
        ("*", "nl"),
        ("en, nl", "en"),
        ("nl, en", "nl"),
        (" en ; q=0.9 ", "en"),
        ("en;q=abc", "nl"),
        ("en;q=nan", "nl"),
    ],
)
def test_the_browser_chooses_between_dutch_and_english(
    accept_language: str | None, language: str
) -> None:
    assert negotiate(accept_language) == language


@given(st.text())
def test_any_accept_language_header_gives_a_supported_language(accept_language: str) -> None:
    assert negotiate(accept_language) in LANGUAGES


languages = st.sampled_from(["nl", "en", "de", "fr", "*", "en-US", "nl-BE", "", "q", ";"])
qualities = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=8),
)


@given(st.lists(st.tuples(languages, qualities), max_size=30))
def test_any_list_of_languages_and_qualities_gives_a_supported_language(
    parts: list[tuple[str, str | None]],
) -> None:
    header = ",".join(tag if quality is None else f"{tag};q={quality}" for tag, quality in parts)

    assert negotiate(header) in LANGUAGES


# Translating


def test_a_translator_speaks_the_chosen_language() -> None:
    assert Translator("en")("title") == "Two-step verification"
    assert Translator("nl")("title") == "Twee staps verificatie"


def test_a_translator_for_an_unknown_language_speaks_dutch() -> None:
    translate = Translator("de")

    assert translate.language == "nl"
    assert translate("verify.lost") == "Twee staps verificatie code kwijt?"


def test_a_translator_fills_in_placeholders() -> None:
    assert Translator("nl")("step_of", step=2, total=5) == "Stap 2 van 5"
    assert Translator("en")("error.locked", seconds=60) == (
        "Too many wrong attempts. Please try again in 1 minute."
    )


@pytest.mark.parametrize(
    ("language", "seconds", "said"),
    [
        ("nl", 900, "15 minuten"),
        ("nl", 61, "2 minuten"),
        ("nl", 60, "1 minuut"),
        ("nl", 45, "45 seconden"),
        ("nl", 1, "1 seconde"),
        ("en", 900, "15 minutes"),
        ("en", 30, "30 seconds"),
    ],
)
def test_a_wait_reads_in_minutes_and_in_seconds_under_a_minute(
    language: str, seconds: int, said: str
) -> None:
    assert Translator(language).wait(seconds) == said


def test_a_placeholder_value_is_never_read_as_a_format_string() -> None:
    assert Translator("en")("users.heading", office="{office} {0}") == "Users of {office} {0}"


def test_an_unknown_key_shows_itself_rather_than_failing_the_page() -> None:
    assert Translator("en")("no.such.key") == "no.such.key"
