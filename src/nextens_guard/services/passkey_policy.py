"""Whom an office requires a phishing-resistant authenticator of: a passkey or security key.

A code from an authenticator app can be typed into a look-alike page; a passkey answers
only the site it was made for. An office may therefore require one of its
administrators (the users with user-management rights) or of everyone. The setting is
written for the whole office group at once, like activation; should the offices of a
group differ (linked after it was set), the strictest one counts.

It is checked when a user passes the second step (see ``Guard.passed``). A user it
applies to who has no passkey yet gives the app's code as before, is then led to add
one, and reaches nothing else of the app until they have. A user who has one must
answer the prompt with it: the code alone, or a trusted browser, no longer lets them
in, since either can be phished. The reset code stays the way out, as the manual says:
a recovery starts over with the app, and a passkey is added after it. A session
verified before the office switched it on keeps its verification until its next login.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence

from ..backend import AuthBackend, GuardUser
from ..settings import GuardSettings
from ..store.base import Store
from .audit import Audit, EventKind
from .policy import PolicyService

__all__ = ["Need", "PasskeyPolicyService", "PasskeyRule"]

logger = logging.getLogger("nextens_guard")


class PasskeyRule(enum.StrEnum):
    OFF = "off"
    ADMINS = "admins"
    EVERYONE = "everyone"


class Need(enum.Enum):
    """What the office's rule asks of one user at the second step."""

    # Nothing beyond two-step verification itself: the app's code does.
    NONE = "none"
    # A passkey, and the user has none: after the second step they add one.
    ADD = "add"
    # A passkey, and the user has one: the app's code alone no longer lets them in.
    USE = "use"


# The strictest of a group counts.
_STRICTNESS = {PasskeyRule.OFF: 0, PasskeyRule.ADMINS: 1, PasskeyRule.EVERYONE: 2}


class PasskeyPolicyService:
    def __init__(
        self,
        *,
        backend: AuthBackend,
        store: Store,
        policy: PolicyService,
        audit: Audit,
        settings: GuardSettings,
        passkeys_enabled: bool,
    ) -> None:
        self._backend = backend
        self._store = store
        self._policy = policy
        self._audit = audit
        self._settings = settings
        self._enabled = passkeys_enabled
        self._told_off = False

    @property
    def available(self) -> bool:
        """Whether an office may switch it on: only when passkeys are configured."""
        return self._enabled

    async def rule_for(self, office_id: str) -> PasskeyRule:
        group = await self._policy.office_group(office_id)
        ids = {office.id for office in group} | {office_id}
        stored = await self._store.passkey_policies(ids)
        rules = [_rule(stored.get(member)) for member in ids]
        return max(rules, key=_STRICTNESS.__getitem__)

    async def applies_to(self, user: GuardUser) -> bool:
        """Whether ``user``'s office requires a passkey of them."""
        rule = await self.rule_for(user.office_id)
        if rule is PasskeyRule.OFF:
            return False
        if not self._enabled:
            # Required, but the app offers no way to add one: the app code keeps
            # working rather than locking every user of the office out.
            if not self._told_off:
                self._told_off = True
                logger.warning(
                    "an office requires a passkey, but passkeys are off "
                    "(webauthn_rp_id and webauthn_origins): the app code is accepted"
                )
            return False
        return rule is PasskeyRule.EVERYONE or await self._backend.has_user_management_rights(
            user.id
        )

    async def need(self, user: GuardUser) -> Need:
        """What the rule asks of ``user`` at the second step now."""
        if not await self.applies_to(user):
            return Need.NONE
        return Need.USE if await self._store.list_passkeys(user.id) else Need.ADD

    async def set_rule(
        self, office_ids: Sequence[str], rule: PasskeyRule, *, actor_id: str, address: str | None
    ) -> None:
        """Require a passkey of the admins or of everyone, or nobody, in every office given."""
        if rule is not PasskeyRule.OFF and not self._enabled:
            raise ValueError("passkeys are off: set webauthn_rp_id and webauthn_origins")
        now = self._settings.now()
        await self._store.set_passkey_policy(
            office_ids, applies_to=rule.value, actor_id=actor_id, now=now
        )
        await self._audit.office_setting(
            EventKind.PASSKEY_POLICY_CHANGED,
            office_ids,
            detail=f"applies_to={rule.value}",
            on=rule is not PasskeyRule.OFF,
            actor_id=actor_id,
            address=address,
            at=now,
        )


def _rule(stored: str | None) -> PasskeyRule:
    try:
        return PasskeyRule(stored or PasskeyRule.OFF)
    except ValueError:
        # A value this release does not know: the strictest reading, not the loosest.
        return PasskeyRule.EVERYONE
