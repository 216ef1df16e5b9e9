"""The demo people, each brought to the form under test, and what every answer must be."""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx

from nextens_guard.csrf import CsrfTokens
from tests.fuzz.inputs import BODY_LIMIT, Body, FormEncoding, Pair, Right, Token, Tokens, form
from tests.support import Browser, Parts, browser

__all__ = [
    "ROOMY_LIMITS",
    "Person",
    "anna_activating",
    "assert_clean_answer",
    "body_statuses",
    "enrolled_mark",
    "is_a_current_code",
    "is_the_reset_code",
    "office_status",
    "post_field",
    "rosa_at_the_code_prompt",
    "rosa_enrolling",
    "ruben_and_rosa",
    "send",
    "tokens_for",
]

# Limits so high that fuzzing never locks anyone out: these tests show that wrong input
# is refused and loses nothing. The lockout has tests of its own, at the default limits.
ROOMY_LIMITS: dict[str, Any] = {"max_failures": 1_000_000, "address_max_failures": 1_000_000}

_OFFICE_STATUS = re.compile(r'data-office-status="(\w+)"')
_ENROLLED = re.compile(r'data-enrolled="(\w+)"')
# Reset codes are read with O, I and L as the digits people mean.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass
class Person:
    browser: Browser
    secret: str = ""
    reset_code: str = ""

    def right_code(self) -> Right:
        """The code the person's phone shows now."""
        clock = self.browser.clock
        return Right(self.browser.code(self.secret), secret=self.secret, now=clock.now)


def _app_options(roomy: bool) -> dict[str, Any]:
    return ROOMY_LIMITS if roomy else {}


@contextmanager
def rosa_at_the_code_prompt(parts: Parts, *, roomy: bool = True) -> Iterator[Person]:
    """Rosa of Rotterdam (two-step verification on), enrolled, back after a password login."""
    with browser(parts.app(**_app_options(roomy)), parts.clock) as rosa:
        rosa.login("rosa")
        secret, reset_code = rosa.enroll()
        rosa.post("/logout")
        rosa.login("rosa")
        yield Person(rosa, secret, reset_code)


@contextmanager
def rosa_enrolling(parts: Parts) -> Iterator[Person]:
    """Rosa at her first login: she scanned the QR code and is asked for a first code."""
    with browser(parts.app(**ROOMY_LIMITS), parts.clock) as rosa:
        rosa.login("rosa")
        yield Person(rosa, rosa.scan())


@contextmanager
def anna_activating(parts: Parts) -> Iterator[Person]:
    """Anna (user-management rights in Amsterdam) in the activation wizard, past the QR code."""
    with browser(parts.app(**ROOMY_LIMITS), parts.clock) as anna:
        anna.login("anna")
        yield Person(anna, anna.scan_at("/2fa/office/activate/scan"))


@contextmanager
def ruben_and_rosa(parts: Parts, *, roomy: bool = True) -> Iterator[tuple[Person, Person]]:
    """Ruben (user-management rights in Rotterdam) verified, and Rosa of his office enrolled."""
    app = parts.app(**_app_options(roomy))
    with browser(app, parts.clock) as ruben, browser(app, parts.clock, beside=ruben) as rosa:
        ruben.login("ruben")
        ruben_secret, ruben_reset_code = ruben.enroll()
        rosa.login("rosa")
        rosa_secret, rosa_reset_code = rosa.enroll()
        yield (
            Person(ruben, ruben_secret, ruben_reset_code),
            Person(rosa, rosa_secret, rosa_reset_code),
        )


def tokens_for(parts: Parts, person: Browser, path: str) -> Tokens:
    """This session's form token at ``path``, one of another session and a forged one."""
    return Tokens(
        own=person.csrf_token(path),
        foreign=CsrfTokens(parts.secrets.guard_secret, max_age=3600).issue({}),
        forged=CsrfTokens(secrets.token_urlsafe(32), max_age=3600).issue({}),
    )


def send(person: Browser, path: str, body: Body, tokens: Tokens) -> httpx.Response:
    request = body.render(tokens)
    content = iter([request.content]) if request.chunked else request.content
    return person.post(path, content=content, headers=request.headers)


def post_field(
    person: Browser, path: str, tokens: Tokens, *, encoding: FormEncoding, field: str, value: str
) -> tuple[Body, httpx.Response]:
    """``value`` in ``field`` of the form at ``path``, beside this session's token."""
    body = form(encoding, Pair("csrf_token", Token.OWN), Pair(field, value))
    return body, send(person, path, body, tokens)


def body_statuses(body: Body, tokens: Tokens, refused: Collection[int] = (400, 403)) -> set[int]:
    """What a form that reads ``body`` answers: 413 when too large, else ``refused``."""
    return {413} if len(body.render(tokens).content) > BODY_LIMIT else set(refused)


def assert_clean_answer(answer: httpx.Response, allowed: Collection[int]) -> None:
    """A status the guard means, its own headers, and nothing of its insides."""
    assert answer.status_code in allowed, f"{answer.status_code}: {answer.text[:400]}"
    assert answer.headers.get("cache-control") == "no-store"
    assert "Traceback" not in answer.text
    assert 'File "' not in answer.text


def is_a_current_code(typed: str, right: Right) -> bool:
    """Whether the guard may accept ``typed``: the code of this time step or one either
    side, with at most spaces, hyphens and no-break spaces between its digits."""
    bare = typed.replace(" ", "").replace("-", "").replace("\u00a0", "")
    return bare in {right.code_at(offset) for offset in (-1, 0, 1)}


def is_the_reset_code(typed: str, reset_code: str) -> bool:
    """Whether ``typed`` is ``reset_code`` as the design allows it: in any case, with or
    without separators, with O, I and L for the digits 0, 1 and 1."""
    bare = typed
    for separator in " -_.\u00a0\t":
        bare = bare.replace(separator, "")
    return bare.isascii() and bare.upper().translate(_CONFUSABLE) == reset_code


def office_status(person: Browser) -> str:
    match = _OFFICE_STATUS.search(person.get("/2fa/office").text)
    assert match
    return match.group(1)


def enrolled_mark(admin: Browser, user_id: str) -> str:
    """What the admin's user page says: "yes" when the user is enrolled, else "no"."""
    match = _ENROLLED.search(admin.get(f"/2fa/users/{user_id}").text)
    assert match
    return match.group(1)
