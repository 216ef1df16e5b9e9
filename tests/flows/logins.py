"""Steps the flows of the code prompt's other ways past it share: passkeys and trusted
browsers both start from a password login that follows a logout."""

from __future__ import annotations

from tests.support import Browser


def log_in_again(person: Browser, name: str) -> None:
    """Log out and in with the password: a new login, at the code prompt's door."""
    person.post("/logout")
    person.login(name)
