"""Enrollment: a new secret and reset code, a correct code, then the final click.

Nothing counts until :meth:`EnrollmentService.finish`: an abandoned enrollment leaves
the user as they were, and reloading a step shows the same QR code rather than a new one
the user's phone does not know.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import otp
from ..attempts import Attempt, Verdict
from ..backend import GuardUser
from ..crypto import Envelope
from ..reset_codes import new_reset_code
from ..settings import GuardSettings
from ..state import user_topic
from ..store.base import EnrollmentRecord, Store
from .audit import Audit, EventKind
from .verification import SECRET_PURPOSE, CodeChecker

__all__ = ["RESET_CODE_PURPOSE", "EnrollmentService", "PendingEnrollment"]

RESET_CODE_PURPOSE = "reset_code"


@dataclass(frozen=True, slots=True)
class PendingEnrollment:
    secret: str
    reset_code: str
    code_ok: bool


class EnrollmentService:
    def __init__(
        self,
        *,
        store: Store,
        envelope: Envelope,
        checker: CodeChecker,
        audit: Audit,
        settings: GuardSettings,
        announce: Callable[[str], Awaitable[None]],
    ) -> None:
        self._announce = announce
        self._store = store
        self._envelope = envelope
        self._checker = checker
        self._audit = audit
        self._settings = settings

    def _oldest_start(self) -> datetime:
        return self._settings.now() - timedelta(seconds=self._settings.enrollment_max_age_seconds)

    def _open_pending(
        self, user: GuardUser, owner: str, record: EnrollmentRecord | None
    ) -> PendingEnrollment | None:
        if (
            record is None
            or record.pending_owner != owner
            or record.pending_secret is None
            or record.pending_reset_code is None
            or record.pending_started_at is None
            or record.pending_started_at <= self._oldest_start()
        ):
            return None
        secret = self._envelope.open(record.pending_secret, user_id=user.id, purpose=SECRET_PURPOSE)
        reset_code = self._envelope.open(
            record.pending_reset_code, user_id=user.id, purpose=RESET_CODE_PURPOSE
        )
        return PendingEnrollment(
            secret=secret.decode("ascii"),
            reset_code=reset_code.decode("ascii"),
            code_ok=record.pending_code_ok_at is not None,
        )

    async def is_enrolled(self, user: GuardUser) -> bool:
        record = await self._store.get_enrollment(user.id)
        return record is not None and record.enrolled

    async def pending(self, user: GuardUser, owner: str) -> PendingEnrollment | None:
        """The enrollment ``owner`` has in progress, if started recently enough.

        ``owner`` stands for the session that started it: another session of the same
        user never sees its secret.
        """
        return self._open_pending(user, owner, await self._store.get_enrollment(user.id))

    async def begin(self, user: GuardUser, owner: str, address: str) -> PendingEnrollment:
        """The enrollment in progress, or a new one with a fresh secret and reset code."""
        current = await self.pending(user, owner)
        if current is not None:
            return current
        secret = otp.new_secret()
        reset_code = new_reset_code()
        now = self._settings.now()
        await self._store.start_pending(
            user.id,
            secret=self._envelope.seal(
                secret.encode("ascii"), user_id=user.id, purpose=SECRET_PURPOSE
            ),
            reset_code=self._envelope.seal(
                reset_code.encode("ascii"), user_id=user.id, purpose=RESET_CODE_PURPOSE
            ),
            owner=owner,
            now=now,
        )
        await self._audit.own(EventKind.ENROLLMENT_STARTED, user, address=address, at=now)
        return PendingEnrollment(secret=secret, reset_code=reset_code, code_ok=False)

    async def check_code(
        self, user: GuardUser, owner: str, raw: str | None, address: str
    ) -> Attempt:
        pending = await self.pending(user, owner)
        if pending is None:
            return Attempt(Verdict.NOT_ENROLLED)
        attempt = await self._checker.attempt(user, pending.secret, raw, address)
        if attempt.accepted and not await self._store.mark_pending_code_ok(
            user.id, owner=owner, now=self._settings.now()
        ):
            return Attempt(Verdict.NOT_ENROLLED)
        return attempt

    async def finish(self, user: GuardUser, owner: str, address: str) -> int | None:
        """Make the enrollment in progress count; its new generation, or None when not ready."""
        now = self._settings.now()
        try:
            generation = await self._store.confirm_pending(
                user.id, owner=owner, now=now, started_after=self._oldest_start()
            )
            if generation is not None:
                await self._audit.own(EventKind.ENROLLED, user, address=address, at=now)
        finally:
            # Also when the write failed: it may have landed before the failure, and no
            # process may keep trusting what it knew before.
            await self._announce(user_topic(user.id))
        return generation
