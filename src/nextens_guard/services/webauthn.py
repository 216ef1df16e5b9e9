"""Passkeys and security keys (WebAuthn) beside the authenticator app.

The WebAuthn checks themselves are Yubico's ``fido2`` library (its ``Fido2Server``):
it is kept by a maker of security keys, typed, and needs nothing but ``cryptography``,
which the guard has already; py_webauthn would have brought four more packages
(pyOpenSSL, cbor2, pyasn1, pyasn1-modules) for the same checks. What the library leaves
to its caller is here: the origins and RP ID come from the settings (never from the
request's Host header), a challenge is used once and belongs to one login, the
signature counter must go forward, and the stored credential is sealed like the TOTP
secret.

A passkey answers the code prompt: it proves the second step for the enrollment the
user has, so the session is marked verified for that generation exactly as a code
would mark it. A user adds passkeys only after enrolling the app and after typing the
password again in this login (see the user routes); the app stays, so a user is never
left with no way in.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from fido2.server import Fido2Server
from fido2.webauthn import (
    AttestationConveyancePreference,
    AttestedCredentialData,
    AuthenticationResponse,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialType,
    PublicKeyCredentialUserEntity,
    RegistrationResponse,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..backend import GuardUser
from ..crypto import DecryptionError, Envelope
from ..ephemeral.base import Ephemeral
from ..settings import GuardSettings
from ..store.base import PasskeyRecord, Store
from .audit import METHOD_DETAIL, Audit, EventKind, Method
from .trust import TrustService

__all__ = ["CREDENTIAL_PURPOSE", "MAX_NAME_LENGTH", "Outcome", "Passkey", "WebAuthnService"]

logger = logging.getLogger("nextens_guard")

CREDENTIAL_PURPOSE = "webauthn_credential"
# A name the user gives ("Telefoon Anna", "YubiKey"); longer helps nobody on the page.
MAX_NAME_LENGTH = 60
# The session holds only a ticket; the challenge lives in the shared state under it, so
# a copy of an old session cookie cannot bring a used challenge back.
_TICKET_KEY = "nextens_guard.webauthn"
_STATE_PREFIX = "webauthn:"
_REGISTER = "register"
_AUTHENTICATE = "authenticate"
# Burned challenges stay this long after their use; longer than any challenge lives.
_USED = b"used"
# An answer larger than this is no authenticator's: refused before it is parsed.
MAX_RESPONSE_CHARS = 16 * 1024


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    # The answer does not hold: wrong origin, RP ID, signature, challenge, or malformed.
    REJECTED = "rejected"
    # No challenge of this login, or it was used or is too old: ask the browser again.
    EXPIRED = "expired"
    # The signature counter did not go forward: a copy of the authenticator.
    CLONED = "cloned"
    # The authenticator is registered already, for this user.
    DUPLICATE = "duplicate"
    # The name is empty, too long or holds control characters.
    BAD_NAME = "bad_name"
    NOT_FOUND = "not_found"
    # Removing it would leave the user no way to give the second step.
    LAST = "last"
    # Removing it would leave the user without the passkey their office requires.
    REQUIRED = "required"
    NOT_ENROLLED = "not_enrolled"


@dataclass(frozen=True, slots=True)
class Passkey:
    """One passkey or security key as the user's page lists it."""

    id: str
    name: str
    added_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class Verified:
    outcome: Outcome
    generation: int | None = None


def lookup_of(credential_id: bytes) -> str:
    """The digest a credential is found by: its id is random, but need not be kept bare."""
    return hashlib.sha256(credential_id).hexdigest()


def clean_name(raw: str | None) -> str | None:
    name = " ".join((raw or "").split())
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        return None
    return name


def _options_json(options: Mapping[str, Any]) -> dict[str, Any]:
    # fido2's options are mappings whose bytes are already base64url text.
    return dict(json.loads(json.dumps(dict(options))))


class WebAuthnService:
    def __init__(
        self,
        *,
        store: Store,
        ephemeral: Ephemeral,
        envelope: Envelope,
        audit: Audit,
        settings: GuardSettings,
        trust: TrustService,
    ) -> None:
        self._store = store
        self._trust = trust
        self._ephemeral = ephemeral
        self._envelope = envelope
        self._audit = audit
        self._settings = settings
        self._origins = frozenset(settings.webauthn_origins)
        self._server: Fido2Server | None = None
        if settings.webauthn_rp_id is not None:
            self._server = Fido2Server(
                PublicKeyCredentialRpEntity(
                    id=settings.webauthn_rp_id, name=settings.webauthn_name
                ),
                attestation=AttestationConveyancePreference.NONE,
                # Exactly the configured origins: the library's default would take any
                # https origin below the RP ID, a sibling app's included.
                verify_origin=self._origins.__contains__,
            )
            # How long the browser's prompt may wait, in milliseconds.
            self._server.timeout = settings.webauthn_timeout_seconds * 1000  # type: ignore[assignment]
        self._verification = UserVerificationRequirement(settings.webauthn_user_verification)
        self._handle_key = hashlib.sha256(
            b"nextens_guard webauthn user handle\x00" + settings.secret_key.encode()
        ).digest()

    @property
    def enabled(self) -> bool:
        return self._server is not None

    def _fido(self) -> Fido2Server:
        if self._server is None:
            raise RuntimeError("WebAuthn is off: set webauthn_rp_id and webauthn_origins")
        return self._server

    def _user_handle(self, user: GuardUser) -> bytes:
        # The authenticator keeps this handle: a keyed digest, so it names no user id.
        return hashlib.blake2b(user.id.encode(), key=self._handle_key, digest_size=32).digest()

    # The user's list

    async def _records(self, user: GuardUser) -> list[PasskeyRecord]:
        return await self._store.list_passkeys(user.id)

    async def passkeys(self, user: GuardUser) -> list[Passkey]:
        return [
            Passkey(id=r.id, name=r.name, added_at=r.added_at, last_used_at=r.last_used_at)
            for r in await self._records(user)
        ]

    async def passkey(self, user: GuardUser, passkey_id: str) -> Passkey | None:
        """One of the user's own passkeys; None for an id of nobody's or of another user."""
        return next((p for p in await self.passkeys(user) if p.id == passkey_id), None)

    def _credential(self, record: PasskeyRecord) -> AttestedCredentialData | None:
        try:
            data = self._envelope.open(
                record.credential, user_id=record.user_id, purpose=CREDENTIAL_PURPOSE
            )
        except DecryptionError:
            # A row copied from another user, or a key no longer configured: unusable.
            logger.warning("a stored passkey does not open for its user")
            return None
        return AttestedCredentialData(data)

    async def _descriptors(self, user: GuardUser) -> list[PublicKeyCredentialDescriptor]:
        """The user's authenticators as the browser's prompt names them."""
        return [
            PublicKeyCredentialDescriptor(
                type=PublicKeyCredentialType.PUBLIC_KEY, id=credential.credential_id
            )
            for record in await self._records(user)
            if (credential := self._credential(record)) is not None
        ]

    # Challenges: one use, one login, a short life

    async def _issue(
        self,
        session: MutableMapping[str, Any],
        user: GuardUser,
        login_id: str,
        purpose: str,
        state: Mapping[str, Any],
    ) -> None:
        ticket = secrets.token_urlsafe(24)
        seconds = self._settings.webauthn_timeout_seconds
        kept = {
            "user": user.id,
            "login": login_id,
            "purpose": purpose,
            "challenge": state["challenge"],
            "expires": self._settings.clock() + seconds,
        }
        await self._ephemeral.save_session(
            _STATE_PREFIX + ticket, json.dumps(kept).encode(), seconds=seconds
        )
        session[_TICKET_KEY] = ticket

    async def _take(
        self, session: MutableMapping[str, Any], user: GuardUser, login_id: str, purpose: str
    ) -> dict[str, Any] | None:
        """The challenge of this login for ``purpose``, burned as it is taken."""
        ticket = session.pop(_TICKET_KEY, None)
        if not isinstance(ticket, str):
            return None
        key = _STATE_PREFIX + ticket
        raw = await self._ephemeral.load_session(key)
        if not raw or raw == _USED:
            return None
        await self._ephemeral.save_session(
            key, _USED, seconds=self._settings.webauthn_timeout_seconds
        )
        kept = json.loads(raw)
        if (
            kept.get("user") != user.id
            or kept.get("login") != login_id
            or kept.get("purpose") != purpose
            or float(kept.get("expires", 0)) <= self._settings.clock()
        ):
            return None
        return {"challenge": kept["challenge"], "user_verification": self._verification}

    # Adding one

    async def registration_options(
        self, session: MutableMapping[str, Any], user: GuardUser, login_id: str
    ) -> dict[str, Any]:
        """What the browser's ``navigator.credentials.create`` needs, and a fresh challenge."""
        options, state = self._fido().register_begin(
            PublicKeyCredentialUserEntity(
                id=self._user_handle(user), name=user.username, display_name=user.label
            ),
            # The ones the user has already: the browser refuses to register one twice.
            await self._descriptors(user),
            resident_key_requirement=ResidentKeyRequirement.PREFERRED,
            user_verification=self._verification,
        )
        await self._issue(session, user, login_id, _REGISTER, state)
        return _options_json(options)

    async def register(
        self,
        session: MutableMapping[str, Any],
        user: GuardUser,
        login_id: str,
        response: object,
        *,
        name: str | None,
        address: str,
    ) -> Outcome:
        """Keep the authenticator that answered the registration challenge, by ``name``."""
        clean = clean_name(name)
        state = await self._take(session, user, login_id, _REGISTER)
        if state is None:
            return Outcome.EXPIRED
        if clean is None:
            return Outcome.BAD_NAME
        parsed = _parse(response, RegistrationResponse)
        if parsed is None:
            return Outcome.REJECTED
        try:
            auth_data = self._fido().register_complete(state, parsed)
        except Exception as exc:
            return await self._refused(user, address, exc)
        credential = auth_data.credential_data
        if credential is None:
            return Outcome.REJECTED
        now = self._settings.now()
        record = PasskeyRecord(
            id=secrets.token_urlsafe(12),
            user_id=user.id,
            name=clean,
            lookup=lookup_of(credential.credential_id),
            credential=self._envelope.seal(
                bytes(credential), user_id=user.id, purpose=CREDENTIAL_PURPOSE
            ),
            sign_count=auth_data.counter,
            added_at=now,
        )
        if not await self._store.add_passkey(record):
            return Outcome.DUPLICATE
        await self._audit.own(EventKind.AUTHENTICATOR_ADDED, user, address=address, at=now)
        await self._end_trusts(user, address)
        return Outcome.ACCEPTED

    # Answering the prompt with one

    async def authentication_options(
        self, session: MutableMapping[str, Any], user: GuardUser, login_id: str
    ) -> dict[str, Any] | None:
        """What ``navigator.credentials.get`` needs; None when the user has no passkey."""
        descriptors = await self._descriptors(user)
        if not descriptors:
            return None
        options, state = self._fido().authenticate_begin(
            descriptors,
            user_verification=self._verification,
        )
        await self._issue(session, user, login_id, _AUTHENTICATE, state)
        return _options_json(options)

    async def authenticate(
        self,
        session: MutableMapping[str, Any],
        user: GuardUser,
        login_id: str,
        response: object,
        address: str,
    ) -> Verified:
        """Check an answer to the prompt; ACCEPTED carries the generation to mark verified."""
        state = await self._take(session, user, login_id, _AUTHENTICATE)
        if state is None:
            return Verified(Outcome.EXPIRED)
        parsed = _parse(response, AuthenticationResponse)
        if parsed is None:
            return Verified(Outcome.REJECTED)
        records = {r.lookup: r for r in await self._records(user)}
        record = records.get(lookup_of(parsed.raw_id))
        credential = None if record is None else self._credential(record)
        if record is None or credential is None:
            return Verified(await self._refused(user, address, ValueError("unknown credential")))
        try:
            self._fido().authenticate_complete(state, [credential], parsed)
        except Exception as exc:
            return Verified(await self._refused(user, address, exc))
        counter = parsed.response.authenticator_data.counter
        now = self._settings.now()
        # Authenticators that keep no counter send 0 every time (most synced passkeys);
        # one that keeps one must move it forward, or a copy of it is in use.
        if (counter or record.sign_count) and counter <= record.sign_count:
            await self._audit.own(
                EventKind.AUTHENTICATOR_CLONED,
                user,
                address=address,
                at=now,
                outcome="refused",
                detail=f"passkey={record.id}; counter={counter}; stored={record.sign_count}",
            )
            return Verified(Outcome.CLONED)
        if not await self._store.use_passkey(
            user.id, record.id, seen_count=record.sign_count, sign_count=counter, now=now
        ):
            # Another request used the same answer first.
            return Verified(Outcome.EXPIRED)
        enrollment = await self._store.get_enrollment(user.id)
        if enrollment is None or not enrollment.enrolled:
            return Verified(Outcome.NOT_ENROLLED)
        await self._store.touch_verified(user.id, now=now)
        await self._audit.own(
            EventKind.VERIFIED,
            user,
            address=address,
            at=now,
            detail=f"{METHOD_DETAIL}{Method.PASSKEY}",
        )
        return Verified(Outcome.ACCEPTED, enrollment.generation)

    async def _refused(self, user: GuardUser, address: str, exc: Exception) -> Outcome:
        # The library's reason ("Invalid origin", "Wrong RP ID hash") names no secret.
        reason = str(exc)[:120] if isinstance(exc, ValueError) else type(exc).__name__
        await self._audit.own(
            EventKind.PASSKEY_FAILED,
            user,
            address=address,
            at=self._settings.now(),
            outcome="rejected",
            detail=reason,
        )
        return Outcome.REJECTED

    # Removing one

    async def remove(
        self,
        user: GuardUser,
        passkey_id: str,
        *,
        required: bool,
        passkey_required: bool = False,
        address: str,
    ) -> Outcome:
        """Remove one of the user's passkeys, unless it is their last way in while their
        office requires two-step verification, or their last passkey while their office
        requires one of them (``passkey_required``)."""
        records = await self._records(user)
        if not any(r.id == passkey_id for r in records):
            return Outcome.NOT_FOUND
        if passkey_required and len(records) < 2:
            return Outcome.REQUIRED
        enrollment = await self._store.get_enrollment(user.id)
        others = len(records) - 1 + (1 if enrollment is not None and enrollment.enrolled else 0)
        if required and others < 1:
            return Outcome.LAST
        if not await self._store.remove_passkey(user.id, passkey_id):
            return Outcome.NOT_FOUND
        await self._audit.own(
            EventKind.AUTHENTICATOR_REMOVED, user, address=address, at=self._settings.now()
        )
        await self._end_trusts(user, address)
        return Outcome.ACCEPTED

    async def _end_trusts(self, user: GuardUser, address: str) -> None:
        # A changed set of authenticators is a changed second step: every browser trusted
        # under the old one asks again (the same as after a new phone), so a browser
        # trusted by whoever added a key, or kept by whoever lost one, skips nothing.
        await self._trust.remove(user.id, user, None, address=address)


_Response = TypeVar("_Response", RegistrationResponse, AuthenticationResponse)


def _parse(response: object, kind: type[_Response]) -> _Response | None:
    """The browser's JSON as the library's type; None for anything malformed."""
    if isinstance(response, str):
        if len(response) > MAX_RESPONSE_CHARS:
            return None
        try:
            response = json.loads(response)
        except ValueError:
            return None
    if not isinstance(response, Mapping):
        return None
    try:
        return kind.from_dict(response)
    except Exception:
        # The library raises what its parsers raise (KeyError, TypeError, ValueError,
        # CBOR errors) for a malformed answer; each is the same refusal to the user.
        return None
