"""Trusted browsers: after a right code, a browser may skip the code prompt for a while.

Off unless the office's admin switches it on, with a maximum of 1 to 30 days for the
whole office group. A trust never replaces the password: it only counts at the code
prompt of a password login of the same user. It is a server-side record per browser,
bound to the user's enrollment generation at the time it was made, so a reset, a
recovery, a new phone, a deactivation and "log out everywhere" (each of which changes
the generation) void it on every process at once: it is checked against the store at
the code prompt, never cached.

The browser holds a cookie with a random secret of 256 bits, signed with a salt of
its own that names the user, so a cookie copied into another user's login fails its
signature; the store keeps only a keyed hash of the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, Signer

from ..backend import GuardUser
from ..settings import GuardSettings
from ..store.base import Store, TrustRecord
from .audit import Audit, AuditEvent, EventKind
from .browsers import user_agent_summary
from .policy import PolicyService

__all__ = [
    "MAX_TRUST_DAYS",
    "MIN_TRUST_DAYS",
    "TRUST_COOKIE",
    "TrustService",
    "Trusted",
    "user_agent_summary",
]

logger = logging.getLogger("nextens_guard")

TRUST_COOKIE = "nextens_guard_trust"
MIN_TRUST_DAYS = 1
# A month at most: long enough to spare a daily code, short enough that a forgotten
# browser stops counting on its own.
MAX_TRUST_DAYS = 30
_DAY_SECONDS = 24 * 60 * 60
_TOKEN_BYTES = 32
_ID_BYTES = 16
# A cookie longer than this is not one of ours, and is not worth a signature check.
_MAX_COOKIE_LENGTH = 256
_SIGN_SALT = "nextens_guard.trusted-browser"
_HASH_PURPOSE = b"nextens_guard.trusted-browser.hash"


@dataclass(frozen=True, slots=True)
class Trusted:
    """A browser trusted just now: the cookie's value and how long it lives."""

    cookie: str
    max_age: int
    record: TrustRecord


class TrustService:
    def __init__(
        self,
        *,
        store: Store,
        policy: PolicyService,
        audit: Audit,
        settings: GuardSettings,
    ) -> None:
        self._store = store
        self._policy = policy
        self._audit = audit
        self._settings = settings
        self._hash_key = hmac.new(
            settings.secret_key.encode("utf-8"), _HASH_PURPOSE, hashlib.sha256
        ).digest()

    # The office's setting

    async def max_days_for(self, office_id: str) -> int:
        """The most days a browser of this office may be trusted; 0 when it may not.

        The setting is written for every office of the group at once; should the
        offices of a group differ (linked after it was set), the most careful one
        counts: an office that never switched it on keeps it off for the group.
        """
        group = await self._policy.office_group(office_id)
        ids = {office.id for office in group} | {office_id}
        policies = await self._store.trust_policies(ids)
        return min(policies.get(member, 0) for member in ids)

    async def set_max_days(
        self, office_ids: Sequence[str], max_days: int, *, actor_id: str, address: str | None
    ) -> None:
        """Switch it on (1 to 30 days) or off (0) for every office of the group."""
        if max_days != 0 and not MIN_TRUST_DAYS <= max_days <= MAX_TRUST_DAYS:
            raise ValueError("max_days must be 0 or between 1 and 30")
        now = self._settings.now()
        await self._store.set_trust_policy(
            office_ids, max_days=max_days, actor_id=actor_id, now=now
        )
        await self._audit.office_setting(
            EventKind.TRUST_POLICY_CHANGED,
            office_ids,
            detail=f"max_days={max_days}",
            on=max_days > 0,
            actor_id=actor_id,
            address=address,
            at=now,
        )

    # One browser

    def _signer(self, user_id: str) -> Signer:
        # The user in the salt: a cookie signed for one user is forged for any other.
        return Signer(self._settings.secret_key, salt=f"{_SIGN_SALT}|{user_id}")

    def _hash(self, token: str) -> str:
        return hmac.new(self._hash_key, token.encode("ascii"), hashlib.sha256).hexdigest()

    async def trust(
        self,
        user: GuardUser,
        generation: int,
        *,
        user_agent: str | None,
        address: str,
        replacing: str | None = None,
    ) -> Trusted | None:
        """Trust this browser after a right code for ``generation``; None when the office
        does not allow it (the checkbox is then ignored). ``replacing`` is the cookie the
        browser already holds: its record goes, as the new cookie takes its place."""
        days = await self.max_days_for(user.office_id)
        if days <= 0:
            return None
        now = self._settings.now()
        old = await self.record_of(user, replacing)
        if old is not None:
            await self._store.remove_trusts([user.id], trust_id=old.id)
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        record = TrustRecord(
            id=secrets.token_urlsafe(_ID_BYTES),
            user_id=user.id,
            generation=generation,
            created_at=now,
            expires_at=now + timedelta(days=days),
            last_used_at=None,
            user_agent=user_agent_summary(user_agent),
            address=address,
        )
        await self._store.add_trust(record, token_hash=self._hash(token))
        # The user's expired records go now: the list shows what still counts.
        await self._store.remove_trusts([user.id], before=now)
        await self._audit.record(
            AuditEvent(
                kind=EventKind.BROWSER_TRUSTED,
                outcome="ok",
                at=now,
                actor_id=user.id,
                subject_id=user.id,
                office_id=user.office_id,
                address=address,
                detail=f"days={days}",
            )
        )
        cookie = self._signer(user.id).sign(token).decode("ascii")
        return Trusted(cookie=cookie, max_age=days * _DAY_SECONDS, record=record)

    async def use(self, user: GuardUser, cookie: str | None, *, address: str) -> int | None:
        """The generation to mark the session verified for, when ``cookie`` is a trust of
        ``user`` that still counts; None when it is missing, forged, another user's,
        expired, voided or the office no longer allows it. Records the use."""
        record = await self.record_of(user, cookie)
        if record is None:
            return None
        now = self._settings.now()
        days = await self.max_days_for(user.office_id)
        # A maximum lowered since the trust was made shortens it; switched off ends it.
        if days <= 0 or now >= min(record.expires_at, record.created_at + timedelta(days=days)):
            return None
        generations = await self._store.get_generations([user.id])
        if generations.get(user.id) != record.generation:
            return None
        await self._store.touch_trust(record.id, now=now)
        await self._audit.own(EventKind.TRUSTED_BROWSER_USED, user, address=address, at=now)
        return record.generation

    async def record_of(self, user: GuardUser, cookie: str | None) -> TrustRecord | None:
        """The trust record ``cookie`` names for ``user``, whether it still counts or not."""
        if not cookie or len(cookie) > _MAX_COOKIE_LENGTH or not cookie.isascii():
            return None
        try:
            token = self._signer(user.id).unsign(cookie).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            # Forged, or signed for another user: nothing to look up.
            logger.info("a trusted-browser cookie was refused at a login")
            return None
        record = await self._store.trust_by_token(self._hash(token))
        if record is None or not hmac.compare_digest(record.user_id, user.id):
            return None
        return record

    # The lists

    async def live(self, user_id: str) -> list[TrustRecord]:
        """The user's trusted browsers that still count."""
        generations = await self._store.get_generations([user_id])
        now = self._settings.now()
        return [
            record
            for record in await self._store.list_trusts(user_id)
            if record.expires_at > now and generations.get(user_id) == record.generation
        ]

    async def remove(
        self, actor_id: str, user: GuardUser, trust_id: str | None, *, address: str
    ) -> int:
        """Remove one trusted browser of ``user`` (all with ``trust_id`` None); how many."""
        if trust_id is not None and (len(trust_id) > 64 or not trust_id.isascii()):
            return 0
        removed = await self._store.remove_trusts([user.id], trust_id=trust_id)
        if removed:
            await self._audit.record(
                AuditEvent(
                    kind=EventKind.TRUSTED_BROWSER_REMOVED,
                    outcome="ok",
                    at=self._settings.now(),
                    actor_id=actor_id,
                    subject_id=user.id,
                    office_id=user.office_id,
                    address=address,
                    detail="all" if trust_id is None else "",
                )
            )
        return removed

    async def end_for(self, user_ids: Collection[str]) -> None:
        """Forget every trusted browser of these users: their enrollment changed, so each
        one is void already (its generation is gone); this only clears the list."""
        await self._store.remove_trusts(user_ids)
