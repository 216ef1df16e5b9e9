"""Durable state: enrollments, office policy and audit events, behind one interface.

The store keeps ciphertexts as opaque bytes; encrypting and decrypting is the
services' business (see :mod:`nextens_guard.crypto`), so no implementation can
forget it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "AppRecord",
    "AuditRecord",
    "EnrollmentRecord",
    "PasskeyRecord",
    "SealedValues",
    "Store",
    "TrustRecord",
]


@dataclass(frozen=True, slots=True)
class EnrollmentRecord:
    """One user's two-step verification state.

    ``generation`` changes on every confirm, reset and deactivation and never goes
    back, so a verified session that remembers it becomes void the moment it changes.
    The ``pending_*`` fields hold an enrollment in progress: nothing of it counts until
    it is confirmed.
    """

    user_id: str
    generation: int
    secret: bytes | None
    reset_code: bytes | None
    confirmed_at: datetime | None
    last_verified_at: datetime | None
    pending_secret: bytes | None
    pending_reset_code: bytes | None
    pending_started_at: datetime | None
    pending_code_ok_at: datetime | None
    # Who started the enrollment in progress (a digest of a session nonce): only that
    # session may finish it, so another login of the same user cannot read its secret.
    pending_owner: str | None = None

    @property
    def enrolled(self) -> bool:
        return self.secret is not None and self.confirmed_at is not None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A security event as stored. ``detail`` is a short reason, never a secret.

    Every datetime the store takes or gives is timezone-aware (UTC).
    """

    at: datetime
    event: str
    outcome: str
    actor_id: str | None = None
    subject_id: str | None = None
    office_id: str | None = None
    address: str | None = None
    detail: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class PasskeyRecord:
    """A passkey or security key of one user (WebAuthn), as stored.

    ``id`` is ours, random, for the pages' links; ``lookup`` a digest of the
    authenticator's credential id, unique per user, so an assertion finds its row
    without the id itself in the clear; ``credential`` the sealed credential data
    (id and public key). ``sign_count`` is the authenticator's counter as last seen.
    """

    id: str
    user_id: str
    name: str
    lookup: str
    credential: bytes
    sign_count: int
    added_at: datetime
    last_used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AppRecord:
    """What the guard keeps of the user's authenticator app beside its secret.

    ``confirmed_at`` is the enrollment it was written for: a new phone brings a new
    enrollment, and the old phone's name and last use no longer describe it.
    """

    user_id: str
    confirmed_at: datetime
    name: str | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SealedValues:
    """The encrypted columns of one enrollment row, as a key rotation reads and rewrites them."""

    user_id: str
    secret: bytes | None
    reset_code: bytes | None
    pending_secret: bytes | None
    pending_reset_code: bytes | None


@dataclass(frozen=True, slots=True)
class TrustRecord:
    """One browser a user trusts to skip the code prompt after their password.

    ``id`` is public (it names the record on the pages); the browser's cookie holds a
    separate secret the store keeps only as a keyed hash. The record counts only while
    the user's enrollment keeps ``generation``: a reset, a recovery, a new phone, a
    deactivation and "log out everywhere" all change it.
    """

    id: str
    user_id: str
    generation: int
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = None
    user_agent: str = ""
    address: str | None = None


class Store(ABC):
    @abstractmethod
    async def setup(self) -> None:
        """Create the tables and indexes when missing; safe to run at every start."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def ping(self) -> None:
        """Raise ServiceUnavailable when the database does not answer."""

    # Enrollments

    @abstractmethod
    async def get_enrollment(self, user_id: str) -> EnrollmentRecord | None: ...

    @abstractmethod
    async def get_generations(self, user_ids: Collection[str]) -> dict[str, int]:
        """The generation of each user that has a confirmed enrollment."""

    @abstractmethod
    async def start_pending(
        self, user_id: str, *, secret: bytes, reset_code: bytes, owner: str, now: datetime
    ) -> None:
        """Store a new enrollment in progress, replacing any earlier one in progress.

        A confirmed enrollment of the user stays as it is until :meth:`confirm_pending`.
        """

    @abstractmethod
    async def mark_pending_code_ok(self, user_id: str, *, owner: str, now: datetime) -> bool:
        """Note that a correct code was typed for the enrollment in progress.

        False when there is none, or it belongs to another ``owner``.
        """

    @abstractmethod
    async def confirm_pending(
        self,
        user_id: str,
        *,
        owner: str,
        now: datetime,
        started_after: datetime,
        replacing: bool = False,
    ) -> int | None:
        """Make the enrollment in progress the user's enrollment, in one statement.

        Only when a correct code was typed for it, it belongs to ``owner``, it started
        after ``started_after``, and (unless ``replacing``) the user has no confirmed
        enrollment. Returns the new generation, or None when nothing was confirmed.
        """

    @abstractmethod
    async def confirm_pending_and_activate(
        self,
        user_id: str,
        office_ids: Collection[str],
        *,
        owner: str,
        now: datetime,
        started_after: datetime,
        actor_id: str | None,
    ) -> int | None:
        """:meth:`confirm_pending` (replacing) and switching the offices on, in one transaction.

        The activation wizard's last click: the office never becomes active without the
        admin's enrollment, nor the other way round.
        """

    @abstractmethod
    async def deactivate_and_void(
        self,
        office_ids: Collection[str],
        user_ids: Collection[str],
        *,
        actor_id: str | None,
        now: datetime,
    ) -> list[str]:
        """Switch the offices off and void these users' enrollments, in one transaction.

        Returns the ids of the users that had something to destroy.
        """

    @abstractmethod
    async def void_enrollment_at(self, user_id: str, *, generation: int, now: datetime) -> bool:
        """Void one confirmed enrollment, only while it still has ``generation``.

        Of two recoveries racing with one reset code, exactly one gets True.
        """

    @abstractmethod
    async def void_enrollments(self, user_ids: Collection[str], *, now: datetime) -> list[str]:
        """Destroy secrets, reset codes and anything in progress; bump the generation.

        Returns the ids of the users that had something to destroy.
        """

    @abstractmethod
    async def end_verifications(self, user_id: str, *, now: datetime) -> int | None:
        """Bump the generation of a confirmed enrollment and keep its secret, so every
        session verified for it asks for a code again; the new generation, or None when
        the user has no confirmed enrollment."""

    @abstractmethod
    async def touch_verified(self, user_id: str, *, now: datetime) -> None: ...

    @abstractmethod
    async def list_enrollments(self, user_ids: Collection[str]) -> list[EnrollmentRecord]: ...

    @abstractmethod
    async def sealed_values(self, *, after: str | None, limit: int) -> list[SealedValues]:
        """A page of the rows holding any encrypted value, by user id, after ``after``."""

    @abstractmethod
    async def replace_sealed(
        self, changes: Sequence[tuple[SealedValues, SealedValues]]
    ) -> set[str]:
        """For each ``(old, new)`` write ``new``'s values where the row still holds ``old``'s.

        A compare-and-set, in one transaction: a row the app changed since ``old`` was read
        keeps the app's values. Returns the ids of the users whose row was written.
        """

    # Passkeys and security keys (WebAuthn). Not abstract, so a store written before
    # them still builds; the SQL store has them.

    async def add_passkey(self, record: PasskeyRecord) -> bool:
        """Store a new passkey; False when the user has one with the same ``lookup``."""
        raise NotImplementedError

    async def list_passkeys(self, user_id: str) -> list[PasskeyRecord]:
        """The user's passkeys, oldest first."""
        raise NotImplementedError

    async def use_passkey(
        self, user_id: str, passkey_id: str, *, seen_count: int, sign_count: int, now: datetime
    ) -> bool:
        """Note a use: the counter becomes ``sign_count`` and ``last_used_at`` ``now``,
        only while the stored counter is still ``seen_count``. Of two uses racing with
        one assertion, exactly one gets True."""
        raise NotImplementedError

    async def remove_passkey(self, user_id: str, passkey_id: str) -> bool:
        """Remove one passkey of this user; False when there was none.

        Voiding an enrollment (:meth:`void_enrollments`, :meth:`void_enrollment_at`,
        :meth:`deactivate_and_void`) removes the user's passkeys in the same transaction.
        """
        raise NotImplementedError

    async def rename_passkey(self, user_id: str, passkey_id: str, name: str) -> bool:
        """Give one passkey of this user another name; False when there was none."""
        raise NotImplementedError

    # The authenticator app's name and last use. Not abstract either; a store without
    # them shows the default name and no last use.

    async def get_app(self, user_id: str) -> AppRecord | None:
        return None

    async def rename_app(self, user_id: str, *, confirmed_at: datetime, name: str) -> None:
        """Name the app of the enrollment confirmed at ``confirmed_at``; a last use noted
        for an earlier enrollment is dropped."""
        raise NotImplementedError

    async def touch_app(self, user_id: str, *, confirmed_at: datetime, now: datetime) -> None:
        """Note a right code from the app of the enrollment confirmed at ``confirmed_at``;
        a name given to an earlier enrollment's app is dropped."""
        # A store without it keeps no last use of the app, and nothing else breaks.
        return

    # Office policy

    @abstractmethod
    async def active_offices(self, office_ids: Collection[str]) -> set[str]:
        """Which of these offices have two-step verification switched on."""

    @abstractmethod
    async def set_offices_active(
        self, office_ids: Collection[str], *, active: bool, actor_id: str | None, now: datetime
    ) -> None: ...

    # Trusted browsers

    @abstractmethod
    async def trust_policies(self, office_ids: Collection[str]) -> dict[str, int]:
        """The most days an office lets a browser be trusted (0: not at all), for each of
        these offices that ever set it."""

    @abstractmethod
    async def set_trust_policy(
        self, office_ids: Collection[str], *, max_days: int, actor_id: str | None, now: datetime
    ) -> None: ...

    @abstractmethod
    async def add_trust(self, record: TrustRecord, *, token_hash: str) -> None: ...

    @abstractmethod
    async def trust_by_token(self, token_hash: str) -> TrustRecord | None: ...

    @abstractmethod
    async def touch_trust(self, trust_id: str, *, now: datetime) -> None: ...

    @abstractmethod
    async def list_trusts(self, user_id: str) -> list[TrustRecord]:
        """The user's trusted browsers, newest first, expired ones too."""

    @abstractmethod
    async def remove_trusts(
        self,
        user_ids: Collection[str],
        *,
        trust_id: str | None = None,
        before: datetime | None = None,
    ) -> int:
        """Delete these users' trusted browsers: only ``trust_id`` when given, only those
        expired by ``before`` when given; how many went."""

    # A phishing-resistant authenticator (a passkey or security key) required. Not
    # abstract, so a store written before it still builds; the SQL store has it.

    async def passkey_policies(self, office_ids: Collection[str]) -> dict[str, str]:
        """Whom each of these offices requires a passkey of (``admins``, ``everyone``,
        ``off``), for each office that ever set it."""
        raise NotImplementedError

    async def set_passkey_policy(
        self, office_ids: Collection[str], *, applies_to: str, actor_id: str | None, now: datetime
    ) -> None:
        raise NotImplementedError

    # Audit

    @abstractmethod
    async def add_event(self, record: AuditRecord) -> None: ...

    async def fold_event(self, record: AuditRecord, *, since: datetime) -> bool:
        """Count ``record`` as one more of the latest event like it, if there is one.

        "Like it": the same event, outcome, actor, subject, office and detail (a
        sign-in's detail names its browser), stored at or after ``since``, the detail
        perhaps with the count this method wrote. That event takes ``record``'s time
        and address, and its detail ends in ``repeated=N`` (N occurrences in all).
        False when there is no such event: the caller adds ``record`` then. A store
        that cannot fold returns False, and keeps every row.
        """
        return False

    @abstractmethod
    async def recent_events(
        self, *, office_ids: Collection[str], limit: int = 50
    ) -> Sequence[AuditRecord]: ...

    async def recent_events_of(
        self, user_id: str, *, events: Collection[str], limit: int
    ) -> Sequence[AuditRecord]:
        """The latest of these events about one user, newest first; at most ``limit``."""
        return []

    @abstractmethod
    async def events_after(
        self,
        after_id: int | None,
        *,
        since: datetime | None = None,
        office_id: str | None = None,
        user_id: str | None = None,
        limit: int = 500,
    ) -> Sequence[AuditRecord]:
        """A page of events in the order they were stored, after the one with ``after_id``.

        ``user_id`` matches the events about that user and the events by them.
        """
