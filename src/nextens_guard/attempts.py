"""The result of anything a user types that the guard checks: a code, a reset code, a password.

One type from the arithmetic to the page: :func:`~nextens_guard.otp.check_code` says
whether a code matches, shared state settles it (accepted, replayed, locked out), and
the services and pages read the same object.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Attempt", "Verdict"]


class Verdict(enum.StrEnum):
    ACCEPTED = "accepted"
    MISSING = "missing"  # nothing typed
    MALFORMED = "malformed"  # cannot be right: wrong length or characters
    REJECTED = "rejected"
    REPLAYED = "replayed"
    LOCKED = "locked"
    NOT_ENROLLED = "not_enrolled"


@dataclass(frozen=True, slots=True)
class Attempt:
    verdict: Verdict
    # Seconds to wait before the next attempt; > 0 means locked out now.
    retry_after: int = 0
    # Steps the phone's clock seems off by, when a code matched only that far away.
    drift_steps: int | None = None
    generation: int | None = None
    # The TOTP time step a code matched, which shared state remembers against replay.
    step: int | None = None
    # After a failure that did not lock the user out: how many more wrong attempts in a
    # row they have before a lockout (max_failures minus their consecutive failures).
    remaining: int | None = None
    # After a failure that was counted: the user's consecutive failures, this one too,
    # so a lockout's audit event (and the mail the host sends for it) can say how many.
    failures: int | None = None

    @property
    def accepted(self) -> bool:
        return self.verdict is Verdict.ACCEPTED

    @property
    def locked(self) -> bool:
        return self.verdict is Verdict.LOCKED or self.retry_after > 0
