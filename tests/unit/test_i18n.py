"""The language of the pages: Dutch unless the browser prefers English."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nextens_guard.web.i18n import DEFAULT_LANGUAGE, Translator, negotiate
from nextens_guard.web.messages import EN, MESSAGES, NL


def placeholders(message: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(message) if field is not None}


# Choosing the language


def test_the_default_language_is_dutch() -> None:
    assert DEFAULT_LANGUAGE == "nl"


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
    assert negotiate(accept_language) in MESSAGES


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

    assert negotiate(header) in MESSAGES


# Translating


def test_a_translator_speaks_the_chosen_language() -> None:
    assert Translator("en")("title") == "Two-step verification"
    assert Translator("nl")("title") == "Twee staps verificatie"


def test_a_translator_for_an_unknown_language_speaks_dutch() -> None:
    translate = Translator("de")

    assert translate.language == "nl"
    assert translate("title") == NL["title"]


def test_a_translator_fills_in_placeholders() -> None:
    assert Translator("nl")("step_of", step=2, total=5) == "Stap 2 van 5"
    assert Translator("en")("error.locked", seconds=60) == (
        "Too many wrong attempts. Please try again in 60 seconds."
    )


# The messages


def test_dutch_and_english_have_the_same_messages() -> None:
    assert set(NL) == set(EN)
    assert set(MESSAGES) == {"nl", "en"}


@pytest.mark.parametrize("key", sorted(NL))
def test_each_message_has_the_same_placeholders_in_dutch_and_english(key: str) -> None:
    assert placeholders(NL[key]) == placeholders(EN[key])


@pytest.mark.parametrize("key", sorted(NL))
def test_no_message_is_empty(key: str) -> None:
    assert NL[key].strip()
    assert EN[key].strip()
