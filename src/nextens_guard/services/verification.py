"""Checking a 6-digit code: first the arithmetic, then one atomic settle in shared state."""

from __future__ import annotations

from dataclasses import replace

from .. import otp
from ..attempts import Attempt, Verdict
from ..backend import GuardUser
from ..crypto import Envelope
from ..ephemeral.base import Ephemeral, Purpose
from ..settings import GuardSettings
from ..store.base import Store
from .attempts_log import AttemptLog
from .audit import METHOD_DETAIL, Audit, EventKind, Method

__all__ = ["SECRET_PURPOSE", "CodeChecker", "VerificationService"]

SECRET_PURPOSE = "totp_secret"  # noqa: S105 - the envelope purpose, not a secret


class CodeChecker:
    """Checks a typed code against one secret and counts the attempt in shared state."""

    def __init__(self, ephemeral: Ephemeral, audit: Audit, settings: GuardSettings) -> None:
        self._log = AttemptLog(ephemeral, audit, settings)
        self._settings = settings

    async def attempt(self, user: GuardUser, secret: str, raw: str | None, address: str) -> Attempt:
        if not raw or not raw.strip():
            return Attempt(Verdict.MISSING)
        code = otp.clean_code(raw)
        if code is None:
            # Nothing to learn from a code that cannot be right, so it is not counted.
            return Attempt(Verdict.MALFORMED)
        now = self._settings.clock()
        check = otp.check_code(
            secret, code, now=now, drift_hint_steps=self._settings.drift_hint_steps
        )
        # A code that matches a future step must never work when its time comes: the
        # clock-drift hint has told whoever typed it that it will.
        burn = (
            otp.time_step(now) + check.drift_steps
            if check.drift_steps is not None and check.drift_steps > 0
            else None
        )
        settled = await self._log.settle(
            Purpose.CODE, user, address, correct=check.accepted, step=check.step, burn=burn
        )
        return replace(settled, drift_steps=check.drift_steps)


class VerificationService:
    """The code prompt after password login."""

    def __init__(
        self,
        *,
        store: Store,
        envelope: Envelope,
        checker: CodeChecker,
        audit: Audit,
        settings: GuardSettings,
    ) -> None:
        self._store = store
        self._envelope = envelope
        self._checker = checker
        self._audit = audit
        self._settings = settings

    async def verify(self, user: GuardUser, raw: str | None, address: str) -> Attempt:
        record = await self._store.get_enrollment(user.id)
        if record is None or not record.enrolled or record.secret is None:
            return Attempt(Verdict.NOT_ENROLLED)
        secret = self._envelope.open(record.secret, user_id=user.id, purpose=SECRET_PURPOSE)
        attempt = await self._checker.attempt(user, secret.decode("ascii"), raw, address)
        if not attempt.accepted:
            return attempt
        now = self._settings.now()
        await self._store.touch_verified(user.id, now=now)
        if record.confirmed_at is not None:
            # The app's own last use: a passkey's sign-in moves last_verified_at too.
            await self._store.touch_app(user.id, confirmed_at=record.confirmed_at, now=now)
        await self._audit.own(
            EventKind.VERIFIED,
            user,
            address=address,
            at=now,
            detail=f"{METHOD_DETAIL}{Method.CODE}",
        )
        return Attempt(Verdict.ACCEPTED, generation=record.generation)
