"""Every option of the guard in one keyword-only object, with its default beside it."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2

from .errors import GuardError

if TYPE_CHECKING:
    from .services.audit import AuditEvent

__all__ = ["GuardSettings"]

DEFAULT_PREFIX = "/2fa"
DEFAULT_HOME_PATH = "/"
DEFAULT_LOGIN_PATH = "/login"
DEFAULT_LOGOUT_PATH = "/logout"
# The offices' language; a browser that names none of the pages' languages gets it.
DEFAULT_LANGUAGE = "nl"
# The offices are Dutch: their times read in Dutch time unless told otherwise.
DEFAULT_TIME_ZONE = "Europe/Amsterdam"
# The authenticator app's name for the entry when the host names neither an issuer nor
# its product: short, and understood in every language the pages speak.
FALLBACK_ISSUER = "2FA"
DEFAULT_DATABASE_URL = "sqlite:///nextens_guard.sqlite3"
DEFAULT_KEY_PREFIX = "nextens_guard"
# NIST SP 800-63B 5.2.2 asks for at most 100 consecutive failures; the product asks for 10.
DEFAULT_MAX_FAILURES = 10
DEFAULT_LOCKOUT_SECONDS = 60
DEFAULT_LOCKOUT_MAX_SECONDS = 15 * 60
# An office shares one public address, so the per-address limit is a wider net than the
# per-user one: it slows a spray across many users without locking a whole office out.
DEFAULT_ADDRESS_MAX_FAILURES = 50
DEFAULT_ADDRESS_WINDOW_SECONDS = 15 * 60
DEFAULT_FAILURE_MEMORY_SECONDS = 24 * 60 * 60
DEFAULT_DRIFT_HINT_STEPS = 10
DEFAULT_CACHE_TTL_SECONDS = 30.0
DEFAULT_MAX_BODY_BYTES = 16 * 1024
DEFAULT_CSRF_MAX_AGE_SECONDS = 12 * 60 * 60
# A working day: a session left open on a shared computer asks for a code again.
DEFAULT_VERIFIED_MAX_AGE_SECONDS = 12 * 60 * 60
DEFAULT_ENROLLMENT_MAX_AGE_SECONDS = 60 * 60
AES_KEY_BYTES = 32
# Passkeys and security keys: how long the browser's prompt may take, and so how long a
# challenge lives. Two minutes is what browsers suggest for a prompt with a PIN.
DEFAULT_WEBAUTHN_TIMEOUT_SECONDS = 120
# The name the passkey prompt shows when the host names neither it nor its product.
FALLBACK_WEBAUTHN_RP_NAME = "Two-step verification"
WEBAUTHN_USER_VERIFICATION = ("preferred", "required")
# Only "none": the guard checks no attestation statement against a list of trusted
# makers, so asking for one would only give the browser a reason to ask the user.
WEBAUTHN_ATTESTATION = ("none",)


@dataclass(frozen=True, kw_only=True)
class GuardSettings:
    """Configuration of a :class:`~nextens_guard.Guard`.

    ``secret_key`` signs the guard's form tokens; ``encryption_keys`` maps key ids to
    32-byte AES keys, the first one encrypting new secrets and every one decrypting,
    so a key can rotate without a flag day.

    ``redis_url`` holds the state every process shares (failures, lockouts, used codes,
    invalidation); without it that state lives in the one process. ``redis://``,
    ``rediss://`` or ``unix://`` name one server; ``redis+cluster://h1:p1,h2:p2`` (or
    ``rediss+cluster://``) a Redis Cluster; ``redis+sentinel://h1:p1,h2:p2/<service>[/db]``
    the master that Redis Sentinel names for ``<service>``. ``key_prefix`` starts every key
    and the channel, and may not hold braces (see ``ephemeral/redis.py``).

    ``product_name`` is what the pages call the host's app ("Terug naar Nextens"). Left
    out, each language says its own neutral word (the catalogs' ``product.default``:
    "de applicatie", "the application"), which reads right in every sentence of the
    pages, "Terug naar de applicatie" as much as "Gebruikt u de applicatie op ...";
    a plain word such as "App" would not ("Voer uw wachtwoord voor App in"). The pages'
    header then shows no name. ``issuer``, the name of the entry in the authenticator
    app, is ``product_name`` unless set; with neither it is "2FA".

    ``home_path``, ``login_path`` and ``logout_path`` are the host's home page, login and
    logout, below its root: the guard sends a user home when there is no ``next`` to go
    back to, to the login when nobody is logged in, and every guard page has an
    "Uitloggen" button that posts a form to the logout. ``time_zone`` (an IANA name,
    read with ``zoneinfo``) is the one the pages show times in.

    ``default_language`` is the language of a browser whose Accept-Language names none
    the pages speak; ``locale_dirs`` are the host's folders of message catalogs
    (``<language>/LC_MESSAGES/nextens_guard.po``), which add languages or replace
    texts; both are checked when the guard is built (see ``web/i18n.py``).

    ``webauthn_rp_id`` switches on passkeys and security keys (WebAuthn) beside the app's
    codes: the host name they are bound to (``"nextens.example.nl"``, or a parent domain
    of the host such as ``"example.nl"``); None (the default) leaves them off.
    ``webauthn_origins`` must then list every origin the pages are served from
    (``"https://nextens.example.nl"``): an answer signed for any other origin is refused,
    and the guard never trusts the request's own Host header for it.
    ``webauthn_rp_name`` is the name the browser's prompt shows (``product_name`` unless
    set). ``webauthn_user_verification`` is ``"preferred"`` (a PIN or fingerprint when
    the authenticator can) or ``"required"``; ``webauthn_attestation`` is ``"none"``.
    ``webauthn_timeout_seconds`` bounds the browser's prompt and the challenge's life.

    ``template_loader`` is a Jinja2 loader asked before the guard's own templates: a
    file named ``nextens_guard/base.html`` (the layout) or ``nextens_guard/<page>.html``
    in it replaces the guard's, and ``nextens_guard_default/<name>.html`` still reaches
    the original, so a layout can extend it and change one block (``head``, ``header``,
    ``content``, ``footer``). Pages get ``t(key, **values)`` for the texts, ``lang``,
    ``product_name`` (None when not set), ``guard_url``, ``static_url``, ``app_url`` and
    ``logout_url`` (the ways out), ``help_url`` and ``when(moment)`` (a time in
    ``time_zone``, in the page's language).
    """

    secret_key: str
    encryption_keys: Mapping[str, bytes]
    database_url: str = DEFAULT_DATABASE_URL
    table_prefix: str = "nextens_guard_"
    redis_url: str | None = None
    key_prefix: str = DEFAULT_KEY_PREFIX
    prefix: str = DEFAULT_PREFIX
    product_name: str | None = None
    home_path: str = DEFAULT_HOME_PATH
    login_path: str = DEFAULT_LOGIN_PATH
    logout_path: str = DEFAULT_LOGOUT_PATH
    time_zone: str = DEFAULT_TIME_ZONE
    default_language: str = DEFAULT_LANGUAGE
    locale_dirs: Sequence[str | Path] = ()
    exempt_paths: Sequence[str] = ()
    issuer: str | None = None
    max_failures: int = DEFAULT_MAX_FAILURES
    lockout_seconds: int = DEFAULT_LOCKOUT_SECONDS
    lockout_max_seconds: int = DEFAULT_LOCKOUT_MAX_SECONDS
    address_max_failures: int = DEFAULT_ADDRESS_MAX_FAILURES
    address_window_seconds: int = DEFAULT_ADDRESS_WINDOW_SECONDS
    failure_memory_seconds: int = DEFAULT_FAILURE_MEMORY_SECONDS
    drift_hint_steps: int = DEFAULT_DRIFT_HINT_STEPS
    cache_ttl_seconds: float = DEFAULT_CACHE_TTL_SECONDS
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    csrf_max_age_seconds: int = DEFAULT_CSRF_MAX_AGE_SECONDS
    verified_max_age_seconds: int = DEFAULT_VERIFIED_MAX_AGE_SECONDS
    enrollment_max_age_seconds: int = DEFAULT_ENROLLMENT_MAX_AGE_SECONDS
    webauthn_rp_id: str | None = None
    webauthn_rp_name: str | None = None
    webauthn_origins: Sequence[str] = ()
    webauthn_user_verification: str = "preferred"
    webauthn_attestation: str = "none"
    webauthn_timeout_seconds: int = DEFAULT_WEBAUTHN_TIMEOUT_SECONDS
    template_loader: jinja2.BaseLoader | None = None
    on_event: Callable[[AuditEvent], Awaitable[None]] | None = None
    # Called with the request's ASGI scope the moment a session passes the second step,
    # before the answer leaves: a host with server-side sessions gives the session a
    # new id there, so an id fixed before the second step is not the one used after it.
    on_verified: Callable[[MutableMapping[str, Any]], Awaitable[None]] | None = None
    # Whether the trusted-browser cookie is marked Secure; None: when the request came
    # over https, so the example app on http://127.0.0.1 works and a server behind TLS
    # (with the proxy headers passed on, as for the host's own cookies) gets Secure.
    trust_cookie_secure: bool | None = None
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def __post_init__(self) -> None:
        # Real checks, not asserts: `python -O` must not turn a weak setup into a silent one.
        if len(self.secret_key) < 32:
            raise GuardError("secret_key must be at least 32 characters")
        if not self.encryption_keys:
            raise GuardError("encryption_keys needs at least one key")
        for key_id, key in self.encryption_keys.items():
            if not key_id or ":" in key_id or not key_id.isascii():
                raise GuardError("an encryption key id must be non-empty ASCII without ':'")
            if len(key) != AES_KEY_BYTES:
                raise GuardError(f"encryption key {key_id!r} must be {AES_KEY_BYTES} bytes")
        if not self.prefix.startswith("/") or self.prefix.endswith("/") or len(self.prefix) < 2:
            raise GuardError("prefix must look like '/2fa'")
        if self.max_failures < 1 or self.address_max_failures < 1:
            raise GuardError("failure limits must be at least 1")
        self._check_host_facing()
        self._check_webauthn()
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise GuardError(f"time_zone {self.time_zone!r} is not a known time zone") from exc

    def _check_host_facing(self) -> None:
        """The host's paths and names, which the pages show or link to."""
        for name, example in (
            ("home_path", "/"),
            ("login_path", "/login"),
            ("logout_path", "/logout"),
        ):
            # A path that does not start with "/" would be read relative to the guard's
            # page, and one that starts with "//" as another host.
            path = getattr(self, name)
            if not path.startswith("/") or path.startswith("//"):
                raise GuardError(f"{name} must be a path of the host app, like {example!r}")
        for name in ("product_name", "issuer"):
            value = getattr(self, name)
            if value is not None and not value.strip():
                raise GuardError(f"{name} must not be empty; leave it out for the default")
        if isinstance(self.locale_dirs, str | Path):
            # One folder given bare would be read letter by letter.
            raise GuardError("locale_dirs is a list of folders, like ['locale']")

    def _check_webauthn(self) -> None:
        if self.webauthn_user_verification not in WEBAUTHN_USER_VERIFICATION:
            raise GuardError("webauthn_user_verification must be 'preferred' or 'required'")
        if self.webauthn_attestation not in WEBAUTHN_ATTESTATION:
            raise GuardError("webauthn_attestation must be 'none'")
        if self.webauthn_timeout_seconds < 10:
            raise GuardError("webauthn_timeout_seconds must be at least 10")
        if isinstance(self.webauthn_origins, str):
            raise GuardError("webauthn_origins is a list of origins, like ['https://example.nl']")
        if self.webauthn_rp_name is not None and not self.webauthn_rp_name.strip():
            raise GuardError("webauthn_rp_name must not be empty; leave it out for the default")
        rp_id = self.webauthn_rp_id
        if rp_id is None:
            return
        if not rp_id or rp_id != rp_id.strip().lower() or "/" in rp_id or ":" in rp_id:
            raise GuardError("webauthn_rp_id must be a host name in lower case, like 'example.nl'")
        # Deriving the origin from the request would let a forged Host header pick it.
        if not self.webauthn_origins:
            raise GuardError("webauthn_origins must list the pages' origins when WebAuthn is on")
        for origin in self.webauthn_origins:
            scheme, _, rest = origin.partition("://")
            host = rest.rsplit(":", 1)[0] if rest.count(":") == 1 else rest
            local = host == "localhost" and scheme == "http"
            if (scheme != "https" and not local) or not host or "/" in rest:
                raise GuardError(
                    f"webauthn origin {origin!r} must look like 'https://host' or 'https://host:port'"
                )
            if host != rp_id and not host.endswith("." + rp_id):
                raise GuardError(f"webauthn origin {origin!r} is not on {rp_id!r} or below it")

    @property
    def webauthn_enabled(self) -> bool:
        """Whether users may add passkeys and security keys beside the app."""
        return self.webauthn_rp_id is not None

    @property
    def webauthn_name(self) -> str:
        """The name the browser's passkey prompt shows."""
        return self.webauthn_rp_name or self.product_name or FALLBACK_WEBAUTHN_RP_NAME

    @property
    def issuer_name(self) -> str:
        """The name above the code in the authenticator app and in the QR code."""
        return self.issuer or self.product_name or FALLBACK_ISSUER

    @property
    def zone(self) -> ZoneInfo:
        """The office's time zone, in which the pages show every time."""
        return ZoneInfo(self.time_zone)

    def now(self) -> datetime:
        """The time of ``clock`` as an aware datetime, as the store and audit events keep it."""
        return datetime.fromtimestamp(self.clock(), UTC)

    def __repr__(self) -> str:
        # Keys and the signing secret never reach a log line through a repr.
        return (
            f"GuardSettings(prefix={self.prefix!r}, database_url=<set>, "
            f"redis_url={'<set>' if self.redis_url else None}, "
            f"key_ids={list(self.encryption_keys)})"
        )
