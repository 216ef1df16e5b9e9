"""What the guard keeps in the host's session: an opaque marker and a CSRF nonce, never a secret.

The host's session cookie is signed but readable, so it holds only the verified
user's id and the generation of their enrollment. A reset changes the generation,
which voids every session that remembers the old one.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer

__all__ = ["CSRF_FIELD", "CsrfTokens", "forget_verified", "is_verified", "mark_verified"]

VERIFIED_KEY = "nextens_guard.verified"
CSRF_KEY = "nextens_guard.csrf"
CSRF_FIELD = "csrf_token"
_CSRF_SALT = "nextens_guard.csrf"

Session = MutableMapping[str, Any]


def is_verified(session: Session, user_id: str, generation: int | None) -> bool:
    marker = session.get(VERIFIED_KEY)
    return (
        generation is not None
        and isinstance(marker, list)
        and len(marker) == 2
        and marker[0] == user_id
        and marker[1] == generation
    )


def mark_verified(session: Session, user_id: str, generation: int) -> None:
    # A list, because the session is JSON and tuples come back as lists.
    session[VERIFIED_KEY] = [user_id, generation]


def forget_verified(session: Session) -> None:
    session.pop(VERIFIED_KEY, None)


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
        if not token or not isinstance(nonce, str) or len(token) > 512:
            return False
        try:
            signed = self._serializer.loads(token, max_age=self._max_age)
        except BadData:
            return False
        return isinstance(signed, str) and hmac.compare_digest(signed, nonce)
