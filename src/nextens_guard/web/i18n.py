"""Which language a page speaks, and its words: Dutch unless the browser prefers English.

The words live in Babel message catalogs, ``nextens_guard/locale/<language>/LC_MESSAGES/
nextens_guard.po``, one per language. Each ``msgid`` is a stable message key such as
``verify.lost``, not the Dutch sentence: the page code and the templates name what they
show (``t("step_of", step=1, total=4)``), so rewording a Dutch text never touches a page
module or orphans its English translation, and a key reads the same in every diff.
``{name}`` placeholders are filled in with ``str.format``; ``{seconds:wait}`` shows a
number of seconds as a wait in the page's language ("15 minuten", "45 seconden"), and
:meth:`Translator.when` writes a moment in the office's time zone, both with Babel.

The catalogs are compiled in memory when this module is imported, from the ``.po`` files
shipped in the package: there is no generated ``.mo`` file to keep in step with its
source or to forget in a build, and a broken catalog stops the app at start rather than
at the first page. Reading two catalogs of some 140 messages takes milliseconds, once.
"""

from __future__ import annotations

import ast
import math
import re
import string
from collections.abc import Collection, Iterator, Mapping
from datetime import datetime, tzinfo
from importlib.resources import files
from io import BytesIO
from typing import IO, Any

from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from babel.units import format_unit

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "RUNTIME_KEYS",
    "Translator",
    "extract_keys",
    "negotiate",
    "read_catalog",
]

DOMAIN = "nextens_guard"
DEFAULT_LANGUAGE = "nl"

# Keys the pages put together at run time (f"page.{status}.title", "event." ~ kind),
# written out so that extraction, which reads literals, finds them too.
RUNTIME_KEYS = (
    "page.403.title",
    "page.403.body",
    "page.404.title",
    "page.404.body",
    "page.413.title",
    "page.413.body",
    "page.429.title",
    "page.429.body",
    "page.500.title",
    "page.500.body",
    "page.503.title",
    "page.503.body",
    "event.enrollment_started",
    "event.enrolled",
    "event.verified",
    "event.code_failed",
    "event.reset_code_failed",
    "event.password_failed",
    "event.locked_out",
    "event.recovered",
    "event.reset_by_admin",
    "event.logged_out_everywhere",
    "event.reset_code_viewed",
    "event.activated",
    "event.deactivated",
    "event.keys_rotated",
)


def read_catalog(language: str) -> Catalog:
    """The catalog of ``language`` as written in the package."""
    source = files("nextens_guard") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with source.open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def _languages() -> tuple[str, ...]:
    """Every language that ships a catalog, the default first; a new language is a folder."""
    found = sorted(
        entry.name
        for entry in (files("nextens_guard") / "locale").iterdir()
        if (entry / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
    )
    if DEFAULT_LANGUAGE not in found:
        raise RuntimeError(f"the {DEFAULT_LANGUAGE!r} catalog is missing from the package")
    found.remove(DEFAULT_LANGUAGE)
    return (DEFAULT_LANGUAGE, *found)


def _compile(catalog: Catalog) -> Translations:
    # Fuzzy entries are left out: a text nobody confirmed falls back to Dutch.
    mo = BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


def _load(languages: Collection[str]) -> Mapping[str, Translations]:
    default = _compile(read_catalog(DEFAULT_LANGUAGE))
    loaded = {DEFAULT_LANGUAGE: default}
    for language in languages:
        if language != DEFAULT_LANGUAGE:
            translations = _compile(read_catalog(language))
            # A key another language has not translated yet shows the Dutch text.
            translations.add_fallback(default)
            loaded[language] = translations
    return loaded


LANGUAGES = _languages()
_TRANSLATIONS = _load(LANGUAGES)


def negotiate(accept_language: str | None) -> str:
    """The supported language the browser ranks highest, Dutch when it names none.

    Written out because Starlette has no Accept-Language parser and Babel's
    negotiate_locale takes an already-ranked list; this is the ranking, in a few lines.
    """
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in _TRANSLATIONS and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


class _Formatter(string.Formatter):
    """``str.format`` plus the ``wait`` spec: ``{seconds:wait}`` reads as a wait."""

    def __init__(self, translator: Translator) -> None:
        self._translator = translator

    def format_field(self, value: Any, format_spec: str) -> Any:
        if format_spec == "wait" and isinstance(value, int | float):
            return self._translator.wait(value)
        return super().format_field(value, format_spec)


class Translator:
    """``t(key, **values)``: the text of ``key`` in one language, placeholders filled in."""

    def __init__(self, language: str) -> None:
        self.language = language if language in _TRANSLATIONS else DEFAULT_LANGUAGE
        self._gettext = _TRANSLATIONS[self.language].gettext
        self._formatter = _Formatter(self)

    def __call__(self, key: str, **values: object) -> str:
        # An unknown key shows itself rather than failing the page; tests/i18n keeps
        # every key the code uses in both catalogs.
        text = self._gettext(key)
        return self._formatter.format(text, **values) if values else text

    def wait(self, seconds: float) -> str:
        """A wait as people say it: whole minutes, rounded up so nobody comes back a
        moment early, and seconds under a minute ("15 minuten", "45 seconden")."""
        whole = max(math.ceil(seconds), 1)
        if whole < 60:
            return format_unit(whole, "duration-second", locale=self.language)
        return format_unit(math.ceil(whole / 60), "duration-minute", locale=self.language)

    def when(self, moment: datetime | None, zone: tzinfo) -> str:
        """``moment`` in the time zone ``zone``, as the language writes a date and time
        ("7 dec 2026, 03:01:00"); empty for no moment."""
        if moment is None:
            return ""
        return format_datetime(moment, "medium", tzinfo=zone, locale=self.language)


# Extraction (`pybabel extract -F babel.cfg`, see babel.cfg at the repository root)

_KEY = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")
# The dotted names in the page modules that are not message keys: template files,
# ASGI event types and the guard's own namespaced session and scope keys.
_NOT_KEYS = re.compile(r".*\.(?:html|css|js)|(?:nextens_guard|http|lifespan|websocket)\..*")


def _is_key(text: str) -> bool:
    return _KEY.fullmatch(text) is not None and _NOT_KEYS.fullmatch(text) is None


def extract_keys(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for the page modules: every literal shaped like a key.

    The pages hand keys around in more ways than one function call (verdict tables,
    ``intro_key=``, ``translator(request)("...")``), so a keyword-based extractor
    would miss most of them; a literal with a key's shape is a key.
    """
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_key(node.value):
            yield node.lineno, "", node.value, []
