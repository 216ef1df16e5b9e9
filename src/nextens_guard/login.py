"""The login a session belongs to, as the guard saw it begin.

The host logs users in and out; the guard keeps, in the same session, a record of the
login it saw: ``[user id, login id, generation]``. The login id is random and new at
each password login, and the verified marker names it, so a verification belongs to
one login and no later login inherits it, even on a host that keeps the rest of its
session across logout and login. ``generation`` is the user's enrollment generation
when the guard saw the password login happen (None when it did not see it): a reset,
a recovery or a deactivation changes the generation, and only a login made after it
(or the password typed again) may then enroll a phone.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any

__all__ = [
    "LOGIN_KEY",
    "begin",
    "current",
    "end",
    "login_of",
    "may_enroll",
    "recorded",
    "renew",
]

LOGIN_KEY = "nextens_guard.login"

Session = MutableMapping[str, Any]
# 128 bits: a login id is a bearer of nothing, but it must never repeat.
_ID_BYTES = 16


def _record(session: Session, user_id: str) -> list[Any] | None:
    record = session.get(LOGIN_KEY)
    if isinstance(record, list) and len(record) == 3 and record[0] == user_id:
        return record
    return None


def login_of(session: Session, user_id: str) -> str | None:
    """The id of the login ``session`` records for ``user_id``; None when it records none."""
    record = _record(session, user_id)
    return record[1] if record is not None and isinstance(record[1], str) else None


def recorded(session: Session) -> str | None:
    """The id of the login ``session`` records, whoever it is of."""
    record = session.get(LOGIN_KEY)
    if isinstance(record, list) and len(record) == 3 and isinstance(record[1], str):
        return record[1]
    return None


def begin(session: Session, user_id: str, generation: int | None) -> str:
    """Record a new login of ``user_id``, replacing whatever login was recorded.

    ``generation`` is the user's enrollment generation now when the guard saw the
    password login itself, else None.
    """
    login_id = secrets.token_urlsafe(_ID_BYTES)
    session[LOGIN_KEY] = [user_id, login_id, generation]
    return login_id


def current(session: Session, user_id: str) -> str:
    """The recorded login of ``user_id``, begun now (unseen) when there is none."""
    return login_of(session, user_id) or begin(session, user_id, None)


def renew(session: Session, user_id: str, generation: int) -> None:
    """The password was typed again in this login: it counts as made at ``generation``."""
    record = _record(session, user_id)
    if record is None:
        begin(session, user_id, generation)
    else:
        record[2] = generation
        # Reassigned, so a session that saves only on assignment saves it.
        session[LOGIN_KEY] = record


def may_enroll(session: Session, user_id: str, generation: int) -> bool:
    """Whether this login may enroll a phone without the password: it was seen being
    made, and nothing voided the user's enrollment since (the generation is the same)."""
    record = _record(session, user_id)
    return record is not None and record[2] == generation


def end(session: Session) -> str | None:
    """Forget the recorded login; its id, when there was one."""
    login_id = recorded(session)
    session.pop(LOGIN_KEY, None)
    return login_id
