"""The guard's own exceptions: one type a caller catches, whatever part failed."""

from __future__ import annotations

__all__ = ["GuardError", "ServiceUnavailable"]


class GuardError(Exception):
    """Base class of every error the guard raises on purpose."""


class ServiceUnavailable(GuardError):
    """A part the guard needs (database, Redis, the host backend) did not answer.

    The guard fails closed on it: nobody passes unverified, the user sees a 503.
    The message names the part, never a secret.
    """
