"""Checking a 6-digit code: first the arithmetic, then one atomic settle in shared state."""

from __future__ import annotations

from datetime import UTC, datetime

from .. import otp
from ..attempts import Attempt, Verdict
from ..backend import GuardUser
from ..crypto import Envelope
from ..ephemeral.base import Ephemeral, Outcome, Purpose
from ..settings import GuardSettings
from ..store.base import Store
from .audit import Audit, EventKind

__all__ = ["SECRET_PURPOSE", "CodeChecker", "VerificationService"]

SECRET_PURPOSE = "totp_secret"  # noqa: S105 - the envelope purpose, not a secret


class CodeChecker:
    """Checks a typed code against one secret and counts the attempt in shared state."""

    def __init__(self, ephemeral: Ephemeral, audit: Audit, settings: GuardSettings) -> None:
        self._ephemeral = ephemeral
        self._audit = audit
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
        result = await self._ephemeral.settle(
            Purpose.CODE, user.id, address, correct=check.correct, step=check.step, burn=burn
        )
        verdict = Verdict(result.outcome.value)
        if result.outcome is not Outcome.ACCEPTED:
            await self._record_failure(user, address, verdict, result.retry_after)
        return Attempt(verdict, retry_after=result.retry_after, drift_steps=check.drift_steps)

    async def _record_failure(
        self, user: GuardUser, address: str, verdict: Verdict, retry_after: int
    ) -> None:
        await self._audit.failed_attempt(
            EventKind.CODE_FAILED,
            user_id=user.id,
            office_id=user.office_id,
            address=address,
            outcome=verdict.value,
            retry_after=retry_after,
            at=datetime.fromtimestamp(self._settings.clock(), UTC),
        )


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
        now = datetime.fromtimestamp(self._settings.clock(), UTC)
        await self._store.touch_verified(user.id, now=now)
        await self._audit.own(EventKind.VERIFIED, user, address=address, at=now)
        return Attempt(Verdict.ACCEPTED, generation=record.generation)
