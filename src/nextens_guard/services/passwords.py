"""Re-entering the host app's password before something sensitive, counted like a code."""

from __future__ import annotations

from ..attempts import Attempt, Verdict
from ..backend import AuthBackend, GuardUser
from ..ephemeral.base import Ephemeral, Purpose
from ..settings import GuardSettings
from .attempts_log import AttemptLog
from .audit import Audit

__all__ = ["PasswordCheck"]

# Longer than any password a person types; a longer one only costs hashing time.
MAX_PASSWORD_LENGTH = 1024


def _typeable(text: str) -> bool:
    """Whether a person could have typed ``text`` as a password.

    Lone surrogates decode from a form but cannot be encoded, and control characters
    are never typed; some password hashes ignore what follows a NUL (bcrypt) or pad
    short keys with zeros (scrypt's HMAC), so such text must never reach the host.
    """
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class PasswordCheck:
    def __init__(
        self,
        *,
        backend: AuthBackend,
        ephemeral: Ephemeral,
        audit: Audit,
        settings: GuardSettings,
    ) -> None:
        self._backend = backend
        self._ephemeral = ephemeral
        self._log = AttemptLog(ephemeral, audit, settings)

    async def check(self, user: GuardUser, password: str | None, address: str) -> Attempt:
        if not password:
            return Attempt(Verdict.MISSING)
        if len(password) > MAX_PASSWORD_LENGTH or not _typeable(password):
            return Attempt(Verdict.MALFORMED)
        # Look first: a locked-out user must not make the host hash passwords for nothing.
        wait = await self._ephemeral.retry_after(Purpose.PASSWORD, user.id, address)
        if wait > 0:
            return Attempt(Verdict.LOCKED, retry_after=wait)
        correct = await self._backend.check_password(user.id, password)
        return await self._log.settle(Purpose.PASSWORD, user, address, correct=correct)
