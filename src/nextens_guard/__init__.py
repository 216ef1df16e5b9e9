"""Two-step verification (TOTP) for any ASGI app."""

from .__about__ import __version__
from .backend import AuthBackend, BackendError, GuardUser, Office
from .errors import GuardError, ServiceUnavailable
from .middleware import TwoFactorMiddleware
from .settings import GuardSettings

__all__ = [
    "AuthBackend",
    "BackendError",
    "GuardError",
    "GuardSettings",
    "GuardUser",
    "Office",
    "ServiceUnavailable",
    "TwoFactorMiddleware",
    "__version__",
]
