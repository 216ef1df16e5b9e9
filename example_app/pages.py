"""The example's own pages: their templates, and what they say in Dutch and in English.

The language is the one the guard's pages speak for the same browser: the guard's own
``negotiate`` ranks the browser's Accept-Language, so a user never sees the login in one
language and the code prompt right after it in another.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from nextens_guard.web.i18n import negotiate

__all__ = ["HERE", "WORDS", "Words", "render", "wait_text", "words_for"]

HERE = Path(__file__).parent
_templates = Jinja2Templates(directory=HERE / "templates")

Words = dict[str, str]

WORDS: dict[str, Words] = {
    "nl": {
        "lang": "nl",
        "tagline": "Aangifteprogramma voor kantoren (demo)",
        "login_title": "Inloggen",
        "username": "Gebruikersnaam",
        "password": "Wachtwoord",
        "log_in": "Inloggen",
        "hint": "Demo: anna, bram, uma, victor, ruben of rosa; wachtwoord",
        "wrong": "Onjuiste gebruikersnaam of wachtwoord.",
        "expired": "Dit formulier is verlopen. Vul uw gegevens opnieuw in.",
        "locked": "Te veel mislukte pogingen om in te loggen. Probeer het over {wait} opnieuw.",
        "unavailable": "Inloggen lukt even niet. Probeer het over een minuut opnieuw.",
        "seconds": "{n} seconden",
        "minutes": "{n} minuten",
        "dashboard_title": "Overzicht",
        "welcome": "Welkom,",
        "content": "Hier staan uw aangiftes. (Dit is de beveiligde inhoud van de demo.)",
        "settings": "Instellingen > Gebruikersbeheer > Twee staps verificatie",
        "log_out": "Uitloggen",
        "notifications": "Meldingen over uw beveiliging",
        "no_notifications": "Nog geen meldingen.",
        "notice_enrolled": "Twee staps verificatie ingesteld",
        "notice_recovered": "Opnieuw ingesteld met uw resetcode",
        "notice_reset_by_admin": "Uw twee staps verificatie is gereset door een beheerder",
        "notice_logged_out_everywhere": "Overal uitgelogd",
        "notice_reset_code_viewed": "Uw resetcode is bekeken",
        "notice_locked_out": "Te veel onjuiste pogingen: tijdelijk geblokkeerd",
        "notice_activated": "Twee staps verificatie aangezet voor uw kantoor",
        "notice_deactivated": "Twee staps verificatie uitgezet voor uw kantoor",
    },
    "en": {
        "lang": "en",
        "tagline": "Tax returns for accounting offices (demo)",
        "login_title": "Log in",
        "username": "Username",
        "password": "Password",
        "log_in": "Log in",
        "hint": "Demo: anna, bram, uma, victor, ruben or rosa; password",
        "wrong": "Wrong username or password.",
        "expired": "This form has expired. Please enter your details again.",
        "locked": "Too many failed attempts to log in. Please try again in {wait}.",
        "unavailable": "Logging in is not possible right now. Please try again in a minute.",
        "seconds": "{n} seconds",
        "minutes": "{n} minutes",
        "dashboard_title": "Overview",
        "welcome": "Welcome,",
        "content": "Your tax returns are here. (This is the demo's protected content.)",
        "settings": "Settings > User management > Two-step verification",
        "log_out": "Log out",
        "notifications": "Security notifications",
        "no_notifications": "No notifications yet.",
        "notice_enrolled": "Two-step verification set up",
        "notice_recovered": "Set up again with your reset code",
        "notice_reset_by_admin": "Your two-step verification was reset by an administrator",
        "notice_logged_out_everywhere": "Logged out everywhere",
        "notice_reset_code_viewed": "Your reset code was viewed",
        "notice_locked_out": "Too many wrong attempts: locked for a while",
        "notice_activated": "Two-step verification switched on for your office",
        "notice_deactivated": "Two-step verification switched off for your office",
    },
}


def words_for(request: Request) -> Words:
    """The words of the language the browser ranks highest: English or Dutch."""
    return WORDS.get(negotiate(request.headers.get("accept-language")), WORDS["nl"])


def wait_text(words: Words, seconds: int) -> str:
    """``seconds`` as a person reads a wait: in seconds up to a minute and a half."""
    if seconds <= 90:
        return words["seconds"].format(n=seconds)
    return words["minutes"].format(n=-(-seconds // 60))


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The page ``name`` in the browser's language (the words are ``t`` in templates)."""
    response = _templates.TemplateResponse(
        request,
        name,
        {"t": words_for(request), **context},
        status_code=status_code,
        headers=headers,
    )
    # The same URL answers in another language for another browser.
    response.headers.append("Vary", "Accept-Language")
    return response
