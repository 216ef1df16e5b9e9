"""The office's two-step verification setting: status, activation, deactivation, admin reset.

An office group shares the setting: activating or deactivating in one office does it
for every office of the group as the host reports it at that moment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..backend import AuthBackend, GuardUser, Office
from ..crypto import Envelope
from ..ephemeral.base import ALL_TOPIC, Ephemeral, Purpose
from ..settings import GuardSettings
from ..state import user_topic
from ..store.base import AuditRecord, EnrollmentRecord, Store
from .audit import Audit, AuditEvent, EventKind
from .enrollment import RESET_CODE_PURPOSE
from .policy import PolicyService

__all__ = ["OfficeService", "OfficeStatus", "UserOverview"]


@dataclass(frozen=True, slots=True)
class OfficeStatus:
    office: Office
    active: bool
    # The other offices of the group: what a change here changes too.
    linked: Sequence[Office]

    @property
    def group_ids(self) -> list[str]:
        return [self.office.id, *(office.id for office in self.linked)]


@dataclass(frozen=True, slots=True)
class UserOverview:
    user: GuardUser
    record: EnrollmentRecord | None

    @property
    def enrolled(self) -> bool:
        return self.record is not None and self.record.enrolled


class OfficeService:
    def __init__(
        self,
        *,
        backend: AuthBackend,
        store: Store,
        ephemeral: Ephemeral,
        envelope: Envelope,
        policy: PolicyService,
        audit: Audit,
        settings: GuardSettings,
        announce: Callable[[str], Awaitable[None]],
        revoke: Callable[[Collection[str]], Awaitable[None]],
    ) -> None:
        self._backend = backend
        self._store = store
        self._ephemeral = ephemeral
        self._envelope = envelope
        self._policy = policy
        self._audit = audit
        self._settings = settings
        self._announce = announce
        self._revoke = revoke

    async def status(self, office_id: str) -> OfficeStatus:
        group = await self._policy.office_group(office_id)
        own = next((office for office in group if office.id == office_id), None)
        own = own or Office(office_id, office_id)
        linked = [office for office in group if office.id != office_id]
        active = bool(await self._store.active_offices([own.id, *(o.id for o in linked)]))
        return OfficeStatus(office=own, active=active, linked=linked)

    async def may_manage(self, user: GuardUser) -> bool:
        return await self._backend.has_user_management_rights(user.id)

    async def _record_for_group(
        self,
        kind: EventKind,
        status: OfficeStatus,
        *,
        actor_id: str,
        address: str | None,
        now: datetime,
        actor_name: str | None = None,
    ) -> None:
        # One event per office, so the admins of every linked office see it on their page.
        origin = status.office.id
        for office_id in status.group_ids:
            await self._audit.record(
                AuditEvent(
                    kind=kind,
                    outcome="ok",
                    at=now,
                    actor_id=actor_id,
                    subject_id=None,
                    office_id=office_id,
                    address=address,
                    detail="" if office_id == origin else f"via {origin}",
                    actor_name=actor_name,
                )
            )

    async def activate(self, admin: GuardUser, owner: str, address: str) -> int | None:
        """The wizard's last click: the admin's enrollment and the group's setting at once.

        Returns the admin's new generation, or None when the enrollment was not ready.
        """
        status = await self.status(admin.office_id)
        now = self._settings.now()
        started_after = now - timedelta(seconds=self._settings.enrollment_max_age_seconds)
        try:
            generation = await self._store.confirm_pending_and_activate(
                admin.id,
                status.group_ids,
                owner=owner,
                now=now,
                started_after=started_after,
                actor_id=admin.id,
            )
            if generation is not None:
                await self._audit.own(EventKind.ENROLLED, admin, address=address, at=now)
                await self._record_for_group(
                    EventKind.ACTIVATED,
                    status,
                    actor_id=admin.id,
                    address=address,
                    now=now,
                    actor_name=admin.label,
                )
        finally:
            # Also when a write failed: it may have landed, and no process may keep
            # trusting what it knew before.
            await self._announce(ALL_TOPIC)
            # The admin's phone is new: a session verified with one before is not.
            await self._revoke([admin.id])
        return generation

    async def activate_group(
        self, office_id: str, *, actor_id: str, address: str | None
    ) -> OfficeStatus:
        """Switch it on for the whole group without enrolling anyone: the operator's way.

        Every user of the group is sent to enrollment at their next request.
        """
        status = await self.status(office_id)
        now = self._settings.now()
        try:
            await self._store.set_offices_active(
                status.group_ids, active=True, actor_id=actor_id, now=now
            )
            await self._record_for_group(
                EventKind.ACTIVATED, status, actor_id=actor_id, address=address, now=now
            )
        finally:
            await self._announce(ALL_TOPIC)
        return status

    async def deactivate(self, admin: GuardUser, address: str) -> OfficeStatus:
        """Switch it off for the whole group and destroy every enrollment in it."""
        return await self.deactivate_group(
            admin.office_id, actor_id=admin.id, address=address, actor_name=admin.label
        )

    async def deactivate_group(
        self,
        office_id: str,
        *,
        actor_id: str,
        address: str | None,
        actor_name: str | None = None,
    ) -> OfficeStatus:
        """Switch it off for the whole group of ``office_id``; every enrollment in it goes."""
        status = await self.status(office_id)
        users: list[str] = []
        for member in status.group_ids:
            users.extend(user.id for user in await self._backend.users_of_office(member))
        now = self._settings.now()
        try:
            await self._store.deactivate_and_void(
                status.group_ids, users, actor_id=actor_id, now=now
            )
            await self._record_for_group(
                EventKind.DEACTIVATED,
                status,
                actor_id=actor_id,
                address=address,
                now=now,
                actor_name=actor_name,
            )
        finally:
            await self._announce(ALL_TOPIC)
            await self._revoke(users)
        # The enrollments are gone, so their used steps and counters go too: else a new
        # phone's first right code within the same 30 s is refused as replayed, and
        # counted as a failure. The password counters stay, as after an admin reset.
        for user_id in users:
            await self._ephemeral.clear(user_id, (Purpose.CODE, Purpose.RESET_CODE))
        return status

    async def reset_code_of(self, user: GuardUser, address: str) -> str | None:
        """The user's own reset code, after they re-entered their password."""
        record = await self._store.get_enrollment(user.id)
        if record is None or not record.enrolled or record.reset_code is None:
            return None
        code = self._envelope.open(record.reset_code, user_id=user.id, purpose=RESET_CODE_PURPOSE)
        await self._audit.own(
            EventKind.RESET_CODE_VIEWED, user, address=address, at=self._settings.now()
        )
        return code.decode("ascii")

    async def users_overview(self, admin: GuardUser) -> list[UserOverview]:
        users = sorted(
            await self._backend.users_of_office(admin.office_id), key=lambda u: u.username
        )
        records = {r.user_id: r for r in await self._store.list_enrollments([u.id for u in users])}
        return [UserOverview(user=u, record=records.get(u.id)) for u in users]

    @staticmethod
    def may_reset(admin: GuardUser, user: GuardUser) -> bool:
        """Not oneself: a stolen session must not move its owner's second step to another
        phone; an admin who lost their phone uses their own reset code."""
        return admin.id != user.id

    async def user_of_own_office(self, admin: GuardUser, user_id: str) -> UserOverview | None:
        """The user when they belong to the admin's own office; None for any other, linked too."""
        if len(user_id) > 255:
            return None
        user = await self._backend.get_user(user_id)
        if user is None or user.office_id != admin.office_id:
            return None
        return UserOverview(user=user, record=await self._store.get_enrollment(user.id))

    async def reset_user(self, admin: GuardUser, user: GuardUser, address: str) -> None:
        """Destroy the user's secret and reset code; every process voids their sessions."""
        await self.reset_user_by(admin.id, user, address, actor_name=admin.label)

    async def reset_user_by(
        self, actor_id: str, user: GuardUser, address: str | None, *, actor_name: str | None = None
    ) -> bool:
        """:meth:`reset_user` by any actor (an admin, the operator); whether it destroyed
        anything.

        The password counters stay: a reset must never lift a password lockout.
        """
        try:
            voided = await self._store.void_enrollments([user.id], now=self._settings.now())
            await self._done_to(user, EventKind.RESET_BY_ADMIN, actor_id, address, actor_name)
        finally:
            # Announced even when something after the write fails, so no process keeps
            # trusting a session of an enrollment that is gone.
            await self._announce(user_topic(user.id))
        await self._ephemeral.clear(user.id, (Purpose.CODE, Purpose.RESET_CODE))
        return bool(voided)

    async def log_out_everywhere(
        self,
        actor_id: str,
        user: GuardUser,
        address: str | None,
        *,
        actor_name: str | None = None,
    ) -> int | None:
        """End every verified session of ``user`` on every process; their phone and reset
        code stay. The new generation, or None when they have nothing verified to end.

        Sessions of theirs still logged in with the password are asked for a code again.
        """
        try:
            generation = await self._store.end_verifications(user.id, now=self._settings.now())
            if generation is not None:
                await self._done_to(
                    user, EventKind.LOGGED_OUT_EVERYWHERE, actor_id, address, actor_name
                )
        finally:
            await self._announce(user_topic(user.id))
        return generation

    async def _done_to(
        self,
        user: GuardUser,
        kind: EventKind,
        actor_id: str,
        address: str | None,
        actor_name: str | None,
    ) -> None:
        """Audit what ``actor_id`` did to ``user``; ``actor_name`` when the actor is a user
        the request already named, never looked up for the event."""
        await self._audit.record(
            AuditEvent(
                kind=kind,
                outcome="ok",
                at=self._settings.now(),
                actor_id=actor_id,
                subject_id=user.id,
                office_id=user.office_id,
                address=address,
                subject_username=user.username,
                subject_name=user.label,
                actor_name=actor_name,
            )
        )

    async def recent_events(self, office_id: str, limit: int = 20) -> Sequence[AuditRecord]:
        return await self._store.recent_events(office_ids=[office_id], limit=limit)
