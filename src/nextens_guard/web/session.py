"""What the guard keeps in the host's session: an opaque marker and a CSRF nonce, never a secret.

The host's session cookie is signed but readable, so it holds only the verified
user's id, the generation of their enrollment and when they verified. A reset changes
the generation, which voids every session that remembers the old one.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, MutableMapping
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer

__all__ = ["CSRF_FIELD", "VERIFIED_KEY", "CsrfTokens", "VerifiedMarker"]

VERIFIED_KEY = "nextens_guard.verified"
CSRF_KEY = "nextens_guard.csrf"
CSRF_FIELD = "csrf_token"
_CSRF_SALT = "nextens_guard.csrf"

Session = MutableMapping[str, Any]
_NUMBER = (int, float)


class VerifiedMarker:
    """The session's proof of the second step: ``[user id, generation, verified at]``.

    It counts only for the user it names, only while their enrollment keeps that
    generation, and only for ``max_age`` seconds, so a session left open on a shared
    computer asks for a code again.
    """

    def __init__(self, *, clock: Callable[[], float], max_age: float) -> None:
        self._clock = clock
        self._max_age = float(max_age)

    def valid(self, session: Session, user_id: str, generation: int | None) -> bool:
        # Every verified request comes here: a tuple rather than ``int | float`` for
        # isinstance, which would build the union anew on each call.
        marker = session.get(VERIFIED_KEY)
        if generation is None or not isinstance(marker, list) or len(marker) != 3:
            return False
        uid, marked_generation, verified_at = marker
        return (
            uid == user_id
            and marked_generation == generation
            and isinstance(verified_at, _NUMBER)
            and 0.0 <= self._clock() - verified_at < self._max_age
        )

    def mark(self, session: Session, user_id: str, generation: int) -> None:
        # A list, because the session is JSON and tuples come back as lists.
        session[VERIFIED_KEY] = [user_id, generation, int(self._clock())]

    @staticmethod
    def forget(session: Session) -> None:
        session.pop(VERIFIED_KEY, None)

    @staticmethod
    def forget_unless_for(session: Session, user_id: str | None) -> None:
        """Drop a marker that names anyone but the user logged in now (or nobody is)."""
        marker = session.get(VERIFIED_KEY)
        if marker is not None and (
            user_id is None or not isinstance(marker, list) or not marker or marker[0] != user_id
        ):
            del session[VERIFIED_KEY]


class CsrfTokens:
    """Form tokens: a random nonce per session, signed with an expiry.

    The signature (itsdangerous, with its own salt) makes stale tokens fail; the nonce
    ties a token to one session, so a token from another session is foreign.
    """

    def __init__(self, secret_key: str, *, max_age: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=_CSRF_SALT)
        self._max_age = max_age

    def issue(self, session: Session) -> str:
        nonce = session.get(CSRF_KEY)
        if not isinstance(nonce, str):
            nonce = secrets.token_urlsafe(24)
            session[CSRF_KEY] = nonce
        return self._serializer.dumps(nonce)

    def check(self, session: Session, token: str | None) -> bool:
        nonce = session.get(CSRF_KEY)
        if not token or not isinstance(nonce, str) or len(token) > 512 or not token.isascii():
            return False
        try:
            signed = self._serializer.loads(token, max_age=self._max_age)
        except BadData:
            return False
        return isinstance(signed, str) and hmac.compare_digest(signed, nonce)
