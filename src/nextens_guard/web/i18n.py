"""Which language a page speaks, and its words: the browser's choice among the languages
there are catalogs for, the default language when it names none of them.

The words live in Babel message catalogs, ``nextens_guard/locale/<language>/LC_MESSAGES/
nextens_guard.po``, one per language. Each ``msgid`` is a stable message key such as
``verify.lost``, not the Dutch sentence: the page code and the templates name what they
show (``t("step_of", step=1, total=4)``), so rewording a Dutch text never touches a page
module or orphans its English translation, and a key reads the same in every diff.
``{name}`` placeholders are filled in with ``str.format``; ``{product}`` is in every text
and names the host's product (``product_name``, else the catalog's ``product.default``,
"de applicatie"), so a sentence is translated whole whatever the product is called;
``{seconds:wait}`` shows a number of seconds as a wait in the page's language
("15 minuten", "45 seconden"), and :meth:`Translator.when` writes a moment in the
office's time zone, both with Babel.

The catalogs are compiled in memory from the ``.po`` files: those shipped in the package
when this module is imported, and the host's own (``locale_dirs``) when a guard is built.
There is no generated ``.mo`` file to keep in step with its source or to forget in a
build, and a broken catalog stops the app at start rather than at the first page.
Reading two catalogs of some 140 messages takes milliseconds, once.
"""

from __future__ import annotations

import ast
import logging
import math
import re
import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from importlib.resources import files
from os import PathLike
from pathlib import Path
from typing import IO, Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po
from babel.units import format_unit

from ..errors import GuardError

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "PRODUCT_KEY",
    "RUNTIME_KEYS",
    "Catalogs",
    "Translator",
    "extract_keys",
    "negotiate",
    "read_catalog",
]

logger = logging.getLogger("nextens_guard")

DOMAIN = "nextens_guard"
DEFAULT_LANGUAGE = "nl"
# The catalogs are complete in this language too; a text a host's own language lacks,
# even in the default language, shows in it.
_LAST_RESORT = "en"
# What {product} says when the host names no product: a word of each language.
PRODUCT_KEY = "product.default"
# A folder of a host's catalog is named by a language code ("de"), as Accept-Language
# names it; a regional variant ("de_CH") would never be chosen by negotiate().
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")

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
    "event.verified_code",
    "event.verified_passkey",
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
    "event.trust_policy_changed",
    "event.browser_trusted",
    "event.trusted_browser_used",
    "event.trusted_browser_removed",
    "event.authenticator_added",
    "event.authenticator_removed",
    "event.authenticator_cloned",
    "event.passkey_failed",
    "event.authenticator_renamed",
    "event.passkey_policy_changed",
    # Whom an office requires a passkey of, by rule (services/passkey_policy.py).
    # How a sign-in passed, on the user's security page (services/audit.py, Method).
    "security.how.code",
    "security.how.passkey",
    "passkey_policy.status_off",
    "passkey_policy.status_admins",
    "passkey_policy.status_everyone",
    "passkey_policy.choice_off",
    "passkey_policy.choice_admins",
    "passkey_policy.choice_everyone",
    "passkey_policy.required_body_admins",
    "passkey_policy.required_body_everyone",
)


def read_catalog(language: str) -> Catalog:
    """The catalog of ``language`` as written in the package."""
    source = files("nextens_guard") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with source.open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def _shipped_languages() -> tuple[str, ...]:
    """Every language the package ships a catalog for, Dutch first; a new one is a folder."""
    found = sorted(
        entry.name
        for entry in (files("nextens_guard") / "locale").iterdir()
        if (entry / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
    )
    for needed in (DEFAULT_LANGUAGE, _LAST_RESORT):
        if needed not in found:
            raise RuntimeError(f"the {needed!r} catalog is missing from the package")
    found.remove(DEFAULT_LANGUAGE)
    return (DEFAULT_LANGUAGE, *found)


def _texts(catalog: Catalog) -> dict[str, str]:
    # Fuzzy and empty entries are left out: a text nobody confirmed falls back to another
    # language's rather than showing a guess or nothing.
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.string, str) and message.string and not message.fuzzy
    }


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        # A lone brace: str.format would fail on it at every page that shows it.
        return {"{"}


LANGUAGES = _shipped_languages()
_SHIPPED: Mapping[str, Mapping[str, str]] = {
    language: _texts(read_catalog(language)) for language in LANGUAGES
}


def _host_catalogs(locale_dirs: Iterable[str | PathLike[str]]) -> dict[str, dict[str, str]]:
    """The texts of the host's catalogs by language; a later folder wins over an earlier one.

    Each text is checked against the package's: a placeholder the pages do not fill in
    would fail every page that shows the text, so it stops the guard at start instead.
    """
    found: dict[str, dict[str, str]] = {}
    for folder in map(Path, locale_dirs):
        if not folder.is_dir():
            raise GuardError(f"locale_dirs: {folder} is not a folder")
        for source in sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            language = source.parents[1].name
            if not _LANGUAGE_CODE.fullmatch(language):
                raise GuardError(
                    f"locale_dirs: {source} is in a folder named {language!r}; name it by "
                    "the language's two-letter code in lower case, like 'de'"
                )
            try:
                Locale.parse(language)
                with source.open("rb") as po:
                    catalog = read_po(po, locale=language, domain=DOMAIN, abort_invalid=True)
            except (UnknownLocaleError, PoFileError, ValueError, OSError) as exc:
                raise GuardError(f"locale_dirs: {source} cannot be read: {exc}") from exc
            texts = _texts(catalog)
            for key, text in texts.items():
                known = _SHIPPED[DEFAULT_LANGUAGE].get(key)
                if known is None:
                    logger.warning("%s: %r is not a text of the guard's pages", source, key)
                    continue
                unknown = _placeholders(text) - _placeholders(known) - {"product"}
                if unknown:
                    raise GuardError(
                        f"locale_dirs: {source}: {key!r} names {sorted(unknown)}, which the "
                        f"page does not fill in; it may use {sorted(_placeholders(known))} "
                        "and {product}"
                    )
            found.setdefault(language, {}).update(texts)
    return found


class Catalogs:
    """The languages the pages speak and their texts: the package's catalogs with the
    host's on top, each language complete.

    A text a language lacks shows in ``default_language``, and a text that lacks too
    (a host's own default language, partly translated) in English, which the package
    ships complete like Dutch. A host's text of a key replaces the package's.
    """

    def __init__(
        self,
        *,
        default_language: str = DEFAULT_LANGUAGE,
        locale_dirs: Iterable[str | PathLike[str]] = (),
        product_name: str | None = None,
    ) -> None:
        host = _host_catalogs(locale_dirs)
        available = [*LANGUAGES, *sorted(set(host) - set(LANGUAGES))]
        if default_language not in available:
            raise GuardError(
                f"default_language {default_language!r} has no catalog; the languages "
                f"there are: {', '.join(available)}"
            )
        available.remove(default_language)
        self.languages: tuple[str, ...] = (default_language, *available)
        self.default_language = default_language
        self.product_name = product_name

        def own(language: str) -> dict[str, str]:
            return {**_SHIPPED.get(language, {}), **host.get(language, {})}

        base = {**_SHIPPED[_LAST_RESORT], **own(default_language)}
        self._texts: Mapping[str, Mapping[str, str]] = {
            language: {**base, **own(language)} for language in self.languages
        }

    def negotiate(self, accept_language: str | None) -> str:
        """The language of these catalogs the browser ranks highest, else the default."""
        return negotiate(accept_language, self.languages, self.default_language)

    def translator(self, language: str) -> Translator:
        """The words of ``language``; of the default language when there is no catalog."""
        return Translator(language, self)

    def texts(self, language: str) -> Mapping[str, str]:
        return self._texts[language]


_PACKAGE = Catalogs()


def negotiate(
    accept_language: str | None,
    languages: Iterable[str] = LANGUAGES,
    default: str = DEFAULT_LANGUAGE,
) -> str:
    """The language of ``languages`` the browser ranks highest, ``default`` when it names
    none (by default the package's languages and Dutch).

    Written out because Starlette has no Accept-Language parser and Babel's
    negotiate_locale takes an already-ranked list; this is the ranking, in a few lines.
    """
    if not accept_language:
        return default
    known = frozenset(languages)
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
        if language in known and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else default


class _Formatter(string.Formatter):
    """``str.format`` plus the ``wait`` spec: ``{seconds:wait}`` reads as a wait."""

    def __init__(self, translator: Translator) -> None:
        self._translator = translator

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        # A value the page did not give shows as its placeholder rather than failing it.
        if isinstance(key, str) and key not in kwargs:
            return _Missing(key)
        return super().get_value(key, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> Any:
        if isinstance(value, _Missing):
            return f"{{{value}}}"
        if format_spec == "wait" and isinstance(value, int | float):
            return self._translator.wait(value)
        return super().format_field(value, format_spec)


class _Missing(str):
    """The name of a placeholder the page gave no value for."""

    __slots__ = ()


class Translator:
    """``t(key, **values)``: the text of ``key`` in one language, placeholders filled in.

    ``catalogs`` are the package's alone unless given (a guard gives its own, with the
    host's languages, default language and product name).
    """

    def __init__(self, language: str, catalogs: Catalogs | None = None) -> None:
        catalogs = catalogs or _PACKAGE
        self.language = language if language in catalogs.languages else catalogs.default_language
        self._texts = catalogs.texts(self.language)
        self.product = catalogs.product_name or self._texts.get(PRODUCT_KEY, "")
        self._formatter = _Formatter(self)

    def __call__(self, key: str, **values: object) -> str:
        # An unknown key shows itself rather than failing the page; tests/i18n keeps
        # every key the code uses in both catalogs.
        text = self._texts.get(key, key)
        return self._formatter.format(text, **{"product": self.product, **values})

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
