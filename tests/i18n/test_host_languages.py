"""The host's own languages and texts, and the language for a browser that names none."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextens_guard import GuardError
from nextens_guard.web.i18n import Catalogs
from tests.support import Browser, Parts, browser

HERE = Path(__file__).resolve().parent
# A host's German catalog: a few texts; a fuzzy one, which does not count.
GERMAN = HERE / "locale"
# A host's own wording of one Dutch text.
OVERRIDE = HERE / "locale-override"


def code_prompt(person: Browser, accept_language: str) -> str:
    """The code prompt as a browser speaking ``accept_language`` sees it."""
    person.login("rosa")
    person.enroll()
    person.post("/logout")
    person.login("rosa")
    page = person.get("/2fa/verify", headers={"Accept-Language": accept_language})
    assert page.status_code == 200
    return page.text


def help_page(parts: Parts, accept_language: str | None, **options: object) -> str:
    with browser(parts.app(**options), parts.clock) as person:
        headers = {"Accept-Language": accept_language} if accept_language else {}
        page = person.get("/2fa/help/sync", headers=headers)
        assert page.status_code == 200
        return page.text


def test_a_german_browser_gets_the_hosts_german_texts_and_dutch_for_the_rest(
    embedded: Parts,
) -> None:
    with browser(embedded.app(locale_dirs=[GERMAN]), embedded.clock) as person:
        page = code_prompt(person, "de-DE,de;q=0.9,en;q=0.5")

    assert '<html lang="de">' in page
    assert "Geben Sie Ihren Bestätigungscode ein" in page
    assert "Zwei-Faktor-Code verloren?" in page
    assert "Zurück zu Nextens" in page
    # Not in the host's catalog, or only as a fuzzy guess: the default language's text.
    assert "Open de authenticator app op uw telefoon" in page
    assert "Controleren" in page
    assert "Prüfen" not in page


def test_with_english_as_the_default_the_untranslated_german_texts_are_english(
    embedded: Parts,
) -> None:
    app = embedded.app(locale_dirs=[GERMAN], default_language="en")
    with browser(app, embedded.clock) as person:
        page = code_prompt(person, "de")

    assert "Geben Sie Ihren Bestätigungscode ein" in page
    assert "Open the authenticator app on your phone" in page


def test_dutch_and_english_browsers_are_unchanged_by_a_hosts_german_catalog(
    embedded: Parts,
) -> None:
    assert "Klok van uw telefoon gelijkzetten" in help_page(embedded, "nl", locale_dirs=[GERMAN])
    assert "Setting your phone&#39;s clock right" in help_page(embedded, "en", locale_dirs=[GERMAN])


@pytest.mark.parametrize("accept_language", [None, "de-DE,de;q=0.9", "fr, *;q=0.1"])
def test_a_browser_naming_no_language_of_the_pages_gets_dutch_by_default(
    embedded: Parts, accept_language: str | None
) -> None:
    assert '<html lang="nl">' in help_page(embedded, accept_language)


@pytest.mark.parametrize("accept_language", [None, "de-DE,de;q=0.9", "fr, *;q=0.1"])
def test_a_browser_naming_no_language_of_the_pages_gets_the_default_language_the_host_sets(
    embedded: Parts, accept_language: str | None
) -> None:
    assert '<html lang="en">' in help_page(embedded, accept_language, default_language="en")


def test_a_hosts_german_catalog_can_be_the_default_language(embedded: Parts) -> None:
    page = help_page(embedded, "fr", locale_dirs=[GERMAN], default_language="de")

    assert '<html lang="de">' in page
    # A text the host's default language lacks is English, the package's other language.
    assert "Setting your phone&#39;s clock right" in page


def test_a_host_can_reword_a_text_of_a_language_the_guard_ships(embedded: Parts) -> None:
    with browser(embedded.app(locale_dirs=[OVERRIDE]), embedded.clock) as person:
        page = code_prompt(person, "nl")

    assert "Typ de code uit de app" in page
    assert "Twee staps verificatie code kwijt?" in page


def test_the_browser_chooses_among_three_languages_by_its_ranking() -> None:
    catalogs = Catalogs(locale_dirs=[GERMAN])

    assert catalogs.languages == ("nl", "en", "de")
    assert catalogs.negotiate("de;q=0.9,en;q=0.8") == "de"
    assert catalogs.negotiate("en,de;q=0.9") == "en"
    assert catalogs.negotiate("de-AT") == "de"
    assert catalogs.negotiate("fr") == "nl"


def test_a_default_language_without_a_catalog_stops_the_guard_at_start(
    embedded: Parts,
) -> None:
    with pytest.raises(GuardError, match=r"default_language 'de' has no catalog.*nl, en"):
        embedded.app(default_language="de")


def test_a_locale_folder_that_is_not_there_stops_the_guard_at_start(
    embedded: Parts, tmp_path: Path
) -> None:
    with pytest.raises(GuardError, match="is not a folder"):
        embedded.app(locale_dirs=[tmp_path / "missing"])


def write_catalog(folder: Path, language: str, key: str, text: str) -> None:
    target = folder / language / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "nextens_guard.po").write_text(
        f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        f'msgid "{key}"\nmsgstr "{text}"\n',
        encoding="utf-8",
    )


def test_a_text_with_a_placeholder_the_page_does_not_fill_in_stops_the_guard_at_start(
    embedded: Parts, tmp_path: Path
) -> None:
    write_catalog(tmp_path, "de", "step_of", "Schritt {step} von {steps}")

    with pytest.raises(GuardError, match=r"'step_of' names \['steps'\]"):
        embedded.app(locale_dirs=[tmp_path])


def test_a_catalog_in_a_folder_not_named_by_a_language_code_stops_the_guard_at_start(
    embedded: Parts, tmp_path: Path
) -> None:
    write_catalog(tmp_path, "de_CH", "title", "Zwei-Faktor-Authentifizierung")

    with pytest.raises(GuardError, match="two-letter code"):
        embedded.app(locale_dirs=[tmp_path])


def test_a_later_locale_folder_wins_over_an_earlier_one(tmp_path: Path) -> None:
    write_catalog(tmp_path, "de", "verify.lost", "Code weg?")

    catalogs = Catalogs(locale_dirs=[GERMAN, tmp_path])

    assert catalogs.translator("de")("verify.lost") == "Code weg?"
    assert catalogs.translator("de")("title") == "Zwei-Faktor-Authentifizierung"
