"""The user's own view of their ways in: the app and passkeys by name, and their sign-ins.

The app keeps its name and last use in a row of its own, tied to the enrollment it
describes: the enrollment's ``last_verified_at`` moves at a passkey's sign-in too, so
it cannot say when the app itself was last used. The one extra write comes at a right
code, which writes the enrollment already.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..backend import GuardUser
from ..settings import GuardSettings
from ..store.base import Store
from .audit import SIGN_IN_KINDS, Audit, AuditEvent, EventKind, Method, browser_of, method_of
from .webauthn import clean_name

__all__ = ["RECENT_SIGN_INS", "App", "AuthenticatorService", "Renamed", "SignIn"]

# Enough to spot a login that was not the user's; few enough for one small query.
RECENT_SIGN_INS = 10
# The events that let the user in; every other sign-in kind is a failure.
_PASSED = frozenset({EventKind.VERIFIED, EventKind.RECOVERED, EventKind.TRUSTED_BROWSER_USED})


class Renamed(enum.StrEnum):
    RENAMED = "renamed"
    # Empty, too long or holding control characters: see ``webauthn.clean_name``.
    BAD_NAME = "bad_name"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class App:
    """The user's authenticator app; ``name`` is None until the user gives it one."""

    name: str | None
    set_up_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class SignIn:
    """One second step at a login, as the user's security page lists it."""

    at: datetime
    event: str
    passed: bool
    browser: str
    address: str | None
    # What passed a VERIFIED sign-in; None for any other, and for rows stored before.
    method: Method | None = None


class AuthenticatorService:
    def __init__(self, *, store: Store, audit: Audit, settings: GuardSettings) -> None:
        self._store = store
        self._audit = audit
        self._settings = settings

    async def app(self, user: GuardUser) -> App | None:
        """The app of the user's enrollment; None when they have not set it up."""
        enrollment = await self._store.get_enrollment(user.id)
        if enrollment is None or not enrollment.enrolled or enrollment.confirmed_at is None:
            return None
        record = await self._store.get_app(user.id)
        if record is None or record.confirmed_at != enrollment.confirmed_at:
            return App(name=None, set_up_at=enrollment.confirmed_at, last_used_at=None)
        return App(
            name=record.name, set_up_at=enrollment.confirmed_at, last_used_at=record.last_used_at
        )

    async def rename_app(self, user: GuardUser, raw: str | None, *, address: str) -> Renamed:
        name = clean_name(raw)
        if name is None:
            return Renamed.BAD_NAME
        enrollment = await self._store.get_enrollment(user.id)
        if enrollment is None or not enrollment.enrolled or enrollment.confirmed_at is None:
            return Renamed.NOT_FOUND
        before = await self.app(user)
        await self._store.rename_app(user.id, confirmed_at=enrollment.confirmed_at, name=name)
        await self._renamed(user, "app", before.name if before else None, name, address)
        return Renamed.RENAMED

    async def rename_passkey(
        self, user: GuardUser, passkey_id: str, raw: str | None, *, address: str
    ) -> Renamed:
        passkey = next(
            (p for p in await self._store.list_passkeys(user.id) if p.id == passkey_id), None
        )
        if passkey is None:
            return Renamed.NOT_FOUND
        name = clean_name(raw)
        if name is None:
            return Renamed.BAD_NAME
        if not await self._store.rename_passkey(user.id, passkey_id, name):
            return Renamed.NOT_FOUND
        await self._renamed(user, f"passkey={passkey_id}", passkey.name, name, address)
        return Renamed.RENAMED

    async def _renamed(
        self, user: GuardUser, what: str, before: str | None, after: str, address: str
    ) -> None:
        # Both names, as the user typed them (clean_name allows no control characters),
        # so an admin reading the trail sees which authenticator became which.
        await self._audit.record(
            AuditEvent(
                kind=EventKind.AUTHENTICATOR_RENAMED,
                outcome="ok",
                at=self._settings.now(),
                actor_id=user.id,
                subject_id=user.id,
                office_id=user.office_id,
                address=address,
                detail=f"{what}; from={before or ''!r}; to={after!r}",
                subject_username=user.username,
                subject_name=user.label,
            )
        )

    async def recent_sign_ins(
        self, user: GuardUser, *, limit: int = RECENT_SIGN_INS
    ) -> Sequence[SignIn]:
        records = await self._store.recent_events_of(
            user.id, events={kind.value for kind in SIGN_IN_KINDS}, limit=limit
        )
        return [
            SignIn(
                at=record.at,
                event=record.event,
                passed=record.event in _PASSED and record.outcome == "ok",
                browser=browser_of(record.detail),
                address=record.address,
                method=method_of(record.detail) if record.event == EventKind.VERIFIED else None,
            )
            for record in records
        ]
