"""Settling an attempt in shared state, and auditing it when it fails, alike for every purpose."""

from __future__ import annotations

from ..attempts import Attempt
from ..backend import GuardUser
from ..ephemeral.base import Ephemeral, Purpose
from ..settings import GuardSettings
from .audit import Audit, EventKind

__all__ = ["AttemptLog"]

_FAILED = {
    Purpose.CODE: EventKind.CODE_FAILED,
    Purpose.RESET_CODE: EventKind.RESET_CODE_FAILED,
    Purpose.PASSWORD: EventKind.PASSWORD_FAILED,
}


class AttemptLog:
    def __init__(self, ephemeral: Ephemeral, audit: Audit, settings: GuardSettings) -> None:
        self._ephemeral = ephemeral
        self._audit = audit
        self._settings = settings

    async def settle(
        self,
        purpose: Purpose,
        user: GuardUser,
        address: str,
        *,
        correct: bool,
        step: int | None = None,
        burn: int | None = None,
    ) -> Attempt:
        """Count the attempt (see :meth:`Ephemeral.settle`); an admin sees every failure."""
        attempt = await self._ephemeral.settle(
            purpose, user.id, address, correct=correct, step=step, burn=burn
        )
        if not attempt.accepted:
            await self._audit.failed_attempt(
                _FAILED[purpose], user, attempt, address=address, at=self._settings.now()
            )
        return attempt
