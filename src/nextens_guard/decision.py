"""The one per-request decision: what the guard does with a request of a logged-in user."""

from __future__ import annotations

import enum

__all__ = ["ANONYMOUS", "ENROLL", "PASS", "PASSKEY", "VERIFY", "Decision"]


class Decision(enum.StrEnum):
    """What :meth:`nextens_guard.Guard.decide` answers for a request.

    ``ANONYMOUS``: nobody is logged in; the host's pages decide.
    ``PASS``: the user may reach the app (not required, or verified in this login).
    ``ENROLL``: required, and the user has no confirmed authenticator yet.
    ``VERIFY``: required, enrolled, and this session has not given a code.
    ``PASSKEY``: this session gave the second step, but the user's office requires a
    passkey or security key of them and they have none yet: they add one first.
    """

    ANONYMOUS = "anonymous"
    PASS = "pass"  # noqa: S105 - a decision, not a password
    ENROLL = "enroll"
    VERIFY = "verify"
    PASSKEY = "passkey"


# The members as module names: reading a member off an Enum class costs about 80 ns on
# CPython 3.11, as much as the rest of a verified request's decision, so the request
# path imports these instead.
ANONYMOUS = Decision.ANONYMOUS
PASS = Decision.PASS
ENROLL = Decision.ENROLL
VERIFY = Decision.VERIFY
PASSKEY = Decision.PASSKEY
