"""Recovery with the personal reset code: it voids the enrollment, so the user enrolls anew."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..attempts import Attempt, Verdict
from ..backend import GuardUser
from ..crypto import Envelope
from ..ephemeral.base import Ephemeral, Purpose
from ..reset_codes import normalise_reset_code, reset_codes_match
from ..settings import GuardSettings
from ..state import user_topic
from ..store.base import Store
from .attempts_log import AttemptLog
from .audit import Audit, EventKind
from .enrollment import RESET_CODE_PURPOSE

__all__ = ["RecoveryService"]


class RecoveryService:
    def __init__(
        self,
        *,
        store: Store,
        ephemeral: Ephemeral,
        envelope: Envelope,
        audit: Audit,
        settings: GuardSettings,
        announce: Callable[[str], Awaitable[None]],
    ) -> None:
        self._announce = announce
        self._store = store
        self._ephemeral = ephemeral
        self._log = AttemptLog(ephemeral, audit, settings)
        self._envelope = envelope
        self._audit = audit
        self._settings = settings

    async def recover(self, user: GuardUser, raw: str | None, address: str) -> Attempt:
        record = await self._store.get_enrollment(user.id)
        if record is None or not record.enrolled or record.reset_code is None:
            return Attempt(Verdict.NOT_ENROLLED)
        if not raw or not raw.strip():
            return Attempt(Verdict.MISSING)
        typed = normalise_reset_code(raw)
        if typed is None:
            return Attempt(Verdict.MALFORMED)
        stored = self._envelope.open(
            record.reset_code, user_id=user.id, purpose=RESET_CODE_PURPOSE
        ).decode("ascii")
        attempt = await self._log.settle(
            Purpose.RESET_CODE, user, address, correct=reset_codes_match(stored, typed)
        )
        if not attempt.accepted:
            return attempt
        now = self._settings.now()
        try:
            # Only the enrollment the code was read from: of two recoveries racing with
            # one reset code, one voids it and the other finds it gone.
            if not await self._store.void_enrollment_at(
                user.id, generation=record.generation, now=now
            ):
                return Attempt(Verdict.REPLAYED)
            await self._audit.own(EventKind.RECOVERED, user, address=address, at=now)
        finally:
            await self._announce(user_topic(user.id))
        # A fresh start, as after an admin reset: the code failures and lockout that
        # sent the user here would refuse the new phone's first right code, and that
        # code may fall in a step the old phone used. The password counters stay.
        await self._ephemeral.clear(user.id, (Purpose.CODE, Purpose.RESET_CODE))
        return Attempt(Verdict.ACCEPTED)
