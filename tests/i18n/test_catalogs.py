"""The message catalogs: every text the pages use, complete in Dutch and English."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from nextens_guard.services.audit import EventKind
from nextens_guard.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, RUNTIME_KEYS, read_catalog

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "nextens_guard"
# Whole-page errors the guard renders (error_response) or may render.
PAGE_STATUSES = (403, 404, 413, 429, 500, 503)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def texts(catalog: Catalog) -> dict[str, str]:
    return {str(message.id): str(message.string) for message in catalog if message.id}


def keys_in_code() -> set[str]:
    """What `pybabel extract -F babel.cfg` finds: every key the code and templates use."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    return {
        message
        for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, keywords={})
        if isinstance(message, str)
    }


CATALOGS = {language: read_catalog(language) for language in LANGUAGES}
DUTCH = texts(CATALOGS["nl"])
ENGLISH = texts(CATALOGS["en"])


def test_dutch_and_english_are_the_languages_shipped() -> None:
    assert set(CATALOGS) == {"nl", "en"}
    assert DEFAULT_LANGUAGE == "nl"


def test_every_key_the_pages_use_is_in_the_catalogs_and_no_other() -> None:
    used = keys_in_code()

    assert sorted(used - set(DUTCH)) == [], "used but missing from the Dutch catalog"
    assert sorted(set(DUTCH) - used) == [], "in the Dutch catalog but used nowhere"


def test_the_shipped_template_is_what_extraction_finds() -> None:
    with (PACKAGE / "locale" / "nextens_guard.pot").open("rb") as pot:
        template = {str(message.id) for message in read_po(pot) if message.id}

    assert template == keys_in_code()


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_has_every_key(language: str) -> None:
    assert set(texts(CATALOGS[language])) == set(DUTCH)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_is_empty_or_left_fuzzy(language: str) -> None:
    catalog = CATALOGS[language]
    assert not catalog.fuzzy, "the header is marked fuzzy"
    for message in catalog:
        if message.id:
            assert str(message.string).strip(), f"{language}: {message.id} has no text"
            assert not message.fuzzy, f"{language}: {message.id} is fuzzy"
    assert not catalog.obsolete, f"{language}: obsolete entries {sorted(catalog.obsolete)}"


@pytest.mark.parametrize("key", sorted(DUTCH))
def test_each_text_has_the_same_placeholders_in_dutch_and_english(key: str) -> None:
    assert placeholders(DUTCH[key]) == placeholders(ENGLISH[key])


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_says_which_language_it_holds(language: str) -> None:
    assert str(CATALOGS[language].locale) == language
    assert CATALOGS[language].charset == "utf-8"


def test_every_security_event_has_a_name_on_the_office_page() -> None:
    for kind in EventKind:
        assert f"event.{kind.value}" in RUNTIME_KEYS


@pytest.mark.parametrize("status", PAGE_STATUSES)
def test_every_error_page_has_a_title_and_a_message(status: int) -> None:
    assert f"page.{status}.title" in RUNTIME_KEYS
    assert f"page.{status}.body" in RUNTIME_KEYS


def test_the_dutch_words_of_the_design_are_kept() -> None:
    assert DUTCH["verify.lost"] == "Twee staps verificatie code kwijt?"
    assert DUTCH["enroll.finish.button"] == "Activeren"
    assert DUTCH["office.deactivate_button"] == "Deactiveren"
    assert DUTCH["office.view_reset_code"] == "Bekijk reset code"
    assert DUTCH["user.reset_yes"] == "Resetten"
    assert DUTCH["title"] == "Twee staps verificatie"
