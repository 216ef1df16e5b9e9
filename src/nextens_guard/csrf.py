"""Form tokens: a random nonce per session, signed with an expiry (itsdangerous)."""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadData, URLSafeTimedSerializer

from .marker import Session

__all__ = ["CSRF_FIELD", "CSRF_KEY", "CsrfTokens"]

CSRF_KEY = "nextens_guard.csrf"
CSRF_FIELD = "csrf_token"
_CSRF_SALT = "nextens_guard.csrf"


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
