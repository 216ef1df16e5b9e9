"""Two-step verification (TOTP) for any ASGI app.

Build one :class:`Guard` from your :class:`AuthBackend` and :class:`GuardSettings`, and
wrap your app in :class:`TwoFactorMiddleware` with it.
"""

from .__about__ import __version__
from .attempts import Attempt, Verdict
from .backend import AuthBackend, BackendError, CredentialBackend, GuardUser, Office
from .decision import Decision
from .errors import GuardError, ServiceUnavailable
from .guard import Guard
from .middleware import TwoFactorMiddleware
from .services.audit import AuditEvent, EventKind
from .settings import GuardSettings

__all__ = [
    "Attempt",
    "AuditEvent",
    "AuthBackend",
    "BackendError",
    "CredentialBackend",
    "Decision",
    "EventKind",
    "Guard",
    "GuardError",
    "GuardSettings",
    "GuardUser",
    "Office",
    "ServiceUnavailable",
    "TwoFactorMiddleware",
    "Verdict",
    "__version__",
]
