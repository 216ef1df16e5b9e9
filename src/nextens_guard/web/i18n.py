"""Which language a page speaks: Dutch unless the browser prefers English."""

from __future__ import annotations

from .messages import MESSAGES

__all__ = ["DEFAULT_LANGUAGE", "Translator", "negotiate"]

DEFAULT_LANGUAGE = "nl"


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
        if language in MESSAGES and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


class Translator:
    def __init__(self, language: str) -> None:
        self.language = language if language in MESSAGES else DEFAULT_LANGUAGE
        self._messages = MESSAGES[self.language]

    def __call__(self, key: str, **values: object) -> str:
        text = self._messages.get(key) or MESSAGES[DEFAULT_LANGUAGE][key]
        return text.format(**values) if values else text
