"""Security events: stored for the office's admins, and handed to the host's hook."""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from ..attempts import Attempt, Verdict
from ..backend import GuardUser
from ..store.base import AuditRecord, Store
from .browsers import user_agent_summary

__all__ = [
    "BROWSER_DETAIL",
    "METHOD_DETAIL",
    "SIGN_IN_KINDS",
    "Audit",
    "AuditEvent",
    "EventKind",
    "Method",
    "browser_of",
    "event_key",
    "method_of",
    "user_agent_of_request",
]

logger = logging.getLogger("nextens_guard.audit")


class EventKind(enum.StrEnum):
    ENROLLMENT_STARTED = "enrollment_started"
    ENROLLED = "enrolled"
    VERIFIED = "verified"
    CODE_FAILED = "code_failed"
    RESET_CODE_FAILED = "reset_code_failed"
    PASSWORD_FAILED = "password_failed"  # noqa: S105 - an event name
    LOCKED_OUT = "locked_out"
    RECOVERED = "recovered"
    RESET_BY_ADMIN = "reset_by_admin"
    # Every verified session of the user ended; the phone stays theirs.
    LOGGED_OUT_EVERYWHERE = "logged_out_everywhere"
    RESET_CODE_VIEWED = "reset_code_viewed"
    ACTIVATED = "activated"
    DEACTIVATED = "deactivated"
    # A passkey or security key beside the app: added, removed, one whose signature
    # counter went back (a copy of the authenticator; refused), an answer refused.
    AUTHENTICATOR_ADDED = "authenticator_added"
    AUTHENTICATOR_REMOVED = "authenticator_removed"
    AUTHENTICATOR_CLONED = "authenticator_cloned"
    PASSKEY_FAILED = "passkey_failed"
    # The user gave the app or a passkey another name; the detail holds both names.
    AUTHENTICATOR_RENAMED = "authenticator_renamed"
    # Not about one office: every stored secret sealed again under the current key.
    KEYS_ROTATED = "keys_rotated"
    # Trusted browsers: the office's setting, one trusted, one used at a login, removed.
    TRUST_POLICY_CHANGED = "trust_policy_changed"
    BROWSER_TRUSTED = "browser_trusted"
    TRUSTED_BROWSER_USED = "trusted_browser_used"
    TRUSTED_BROWSER_REMOVED = "trusted_browser_removed"
    # Whom the office requires a passkey or security key of: admins, everyone, or off.
    PASSKEY_POLICY_CHANGED = "passkey_policy_changed"


# Events a user can cause again and again without failing anything, so no lockout
# bounds them: each new login of a user who has not enrolled yet starts an enrollment,
# each login verifies, each correct password shows the reset code. Written one row
# each, 25 logins filled 18 of the 20 rows an admin sees. A repeat of one of these (the
# same user, office and outcome) within FOLD_WINDOW of the last is counted in that row
# instead (``detail`` says ``repeated=N``, the row moves to the latest time), so the
# admin's list still shows everything else. Failures are not folded: lockouts bound
# them, and each one shows. The host's hook still receives every event, one by one.
FOLDED_KINDS = frozenset(
    {
        EventKind.ENROLLMENT_STARTED,
        EventKind.VERIFIED,
        EventKind.RESET_CODE_VIEWED,
        # A login of a trusted browser, like a login with a code.
        EventKind.TRUSTED_BROWSER_USED,
    }
)
FOLD_WINDOW = timedelta(minutes=15)

# The second step at a login, right or wrong: what the user's own security page lists as
# their sign-ins. Unlike every other event these are stored with the browser they came
# from (see ``browser_of``), so a user can tell their own logins from someone else's.
SIGN_IN_KINDS = frozenset(
    {
        EventKind.VERIFIED,
        EventKind.CODE_FAILED,
        EventKind.PASSKEY_FAILED,
        EventKind.RECOVERED,
        EventKind.RESET_CODE_FAILED,
        EventKind.TRUSTED_BROWSER_USED,
        EventKind.LOCKED_OUT,
    }
)
BROWSER_DETAIL = "browser="


class Method(enum.StrEnum):
    """What passed the second step of a VERIFIED event."""

    CODE = "code"
    PASSKEY = "passkey"


# A VERIFIED event names its method in the detail rather than being a kind of its own:
# the host's hook and any report of logins built on it keep reading one kind
# for "the second step passed", and folding (see FOLDED_KINDS) compares the whole
# detail, so a code and a passkey from one browser still fold apart. Rows written before
# the method was stored name none, and the pages say "code or passkey" for those.
METHOD_DETAIL = "method="


# The browser's User-Agent of the guard page being served, for the hook: a mail
# saying "a new phone was set up from Firefox on Windows" helps a user spot what they did
# not do. The guard's pages set it around each request (web/pages.py); everything else
# (the host's login, the CLI) leaves it None. A context variable rather than one more
# argument beside ``address`` in every service: the hook reads it whole, and the trail
# stores only its short summary, and only for sign-ins (see SIGN_IN_KINDS).
_USER_AGENT: ContextVar[str | None] = ContextVar("nextens_guard_user_agent", default=None)
_MAX_USER_AGENT = 256


@contextmanager
def user_agent_of_request(raw: bytes | None) -> Iterator[None]:
    """Events recorded inside carry this request's User-Agent, cut short and printable
    (it is the browser's word, and it ends up in a mail)."""
    text = None
    if raw:
        text = "".join(c for c in raw.decode("latin-1") if c.isprintable())[:_MAX_USER_AGENT]
    token = _USER_AGENT.set(text or None)
    try:
        yield
    finally:
        _USER_AGENT.reset(token)


def _detail_part(detail: str, prefix: str) -> str:
    return next(
        (part.removeprefix(prefix) for part in detail.split("; ") if part.startswith(prefix)),
        "",
    )


def browser_of(detail: str) -> str:
    """The browser a stored sign-in names in its detail; empty when it names none."""
    return _detail_part(detail, BROWSER_DETAIL)


def method_of(detail: str) -> Method | None:
    """The method a stored VERIFIED event names in its detail; None for an older row."""
    try:
        return Method(_detail_part(detail, METHOD_DETAIL))
    except ValueError:
        return None


def event_key(event: str, detail: str) -> str:
    """The catalog key that names a stored event, a passed sign-in by its method."""
    method = method_of(detail) if event == EventKind.VERIFIED else None
    return f"event.{event}_{method}" if method else f"event.{event}"


def _with_browser(detail: str) -> str:
    # Only the short summary ("Firefox · Windows"), never the header itself: the trail
    # is kept for a long time and read by admins, and the whole header says more about
    # the user's machine than "was this me?" needs. An unknown browser adds nothing.
    browser = user_agent_summary(_USER_AGENT.get())
    if not browser:
        return detail
    return f"{detail}; {BROWSER_DETAIL}{browser}" if detail else f"{BROWSER_DETAIL}{browser}"


@dataclasses.dataclass(frozen=True, slots=True)
class AuditEvent:
    """A security event as the host's hook receives it. It never holds a secret.

    Everything a notification mail needs is filled in where the guard already has it in
    hand, so the hook never costs a lookup on a request: the user's username and name
    from the backend's :class:`GuardUser` the request was served for, the request's
    client address and User-Agent. What the guard does not hold at that point (the
    user's mail address, the office's name, an office's users after an office-wide
    event) the hook looks up in the host's own data.
    """

    kind: EventKind
    outcome: str
    at: datetime
    actor_id: str | None = None
    subject_id: str | None = None
    office_id: str | None = None
    address: str | None = None
    detail: str = ""
    # The person the event is about, as the backend named them on this request.
    subject_username: str | None = None
    subject_name: str | None = None  # ``GuardUser.label``: the display name, or username
    # The actor's name when the actor is a user other than the subject (an admin).
    actor_name: str | None = None
    user_agent: str | None = None
    # For LOCKED_OUT: what failed, how many times in a row, and the wait in seconds.
    failure_kind: EventKind | None = None
    failures: int | None = None
    retry_after: int | None = None


class Audit:
    def __init__(
        self, store: Store, hook: Callable[[AuditEvent], Awaitable[None]] | None = None
    ) -> None:
        self._store = store
        self._hook = hook

    async def own(
        self,
        kind: EventKind,
        user: GuardUser,
        *,
        address: str,
        at: datetime,
        outcome: str = "ok",
        detail: str = "",
    ) -> None:
        """An event a user caused about themselves."""
        await self.record(
            AuditEvent(
                kind=kind,
                outcome=outcome,
                at=at,
                actor_id=user.id,
                subject_id=user.id,
                office_id=user.office_id,
                address=address,
                detail=detail,
                subject_username=user.username,
                subject_name=user.label,
            )
        )

    async def failed_attempt(
        self, kind: EventKind, user: GuardUser, attempt: Attempt, *, address: str, at: datetime
    ) -> None:
        """A wrong code, reset code or password; a lockout when this failure started one.

        Attempts refused during a lockout are not stored one by one: a flood of them
        would push the events that matter off the admin's page.
        """
        if attempt.verdict is Verdict.LOCKED:
            return
        locked = attempt.retry_after > 0
        await self.record(
            AuditEvent(
                kind=EventKind.LOCKED_OUT if locked else kind,
                outcome=attempt.verdict.value,
                at=at,
                actor_id=user.id,
                subject_id=user.id,
                office_id=user.office_id,
                address=address,
                detail=f"{kind.value}; retry_after={attempt.retry_after}" if locked else "",
                subject_username=user.username,
                subject_name=user.label,
                failure_kind=kind if locked else None,
                failures=attempt.failures,
                retry_after=attempt.retry_after if locked else None,
            )
        )

    async def office_setting(
        self,
        kind: EventKind,
        office_ids: Sequence[str],
        *,
        detail: str,
        on: bool,
        actor_id: str,
        address: str | None,
        at: datetime,
    ) -> None:
        """A setting changed for a whole office group: one event per office, so each
        office's page shows it; the others name the office it was changed in."""
        origin = office_ids[0] if office_ids else None
        for office_id in office_ids:
            await self.record(
                AuditEvent(
                    kind=kind,
                    outcome="ok" if on else "off",
                    at=at,
                    actor_id=actor_id,
                    office_id=office_id,
                    address=address,
                    detail=detail if office_id == origin else f"{detail}; via {origin}",
                )
            )

    async def record(self, event: AuditEvent) -> None:
        """Store the event (a repeat folded, see :data:`FOLDED_KINDS`), then tell the
        host's hook; a failing hook never breaks the request."""
        # A method is the one detail a repeat may carry: any other detail is particular
        # to its event, and stays a row of its own.
        foldable = (
            event.kind in FOLDED_KINDS
            and (not event.detail or event.detail.startswith(METHOD_DETAIL))
            and event.office_id
        )
        detail = _with_browser(event.detail) if event.kind in SIGN_IN_KINDS else event.detail
        record = AuditRecord(
            at=event.at,
            event=event.kind.value,
            outcome=event.outcome,
            actor_id=event.actor_id,
            subject_id=event.subject_id,
            office_id=event.office_id,
            address=event.address,
            detail=detail,
        )
        if not (foldable and await self._store.fold_event(record, since=event.at - FOLD_WINDOW)):
            await self._store.add_event(record)
        logger.info(
            "%s outcome=%s actor=%s subject=%s office=%s",
            event.kind.value,
            event.outcome,
            event.actor_id,
            event.subject_id,
            event.office_id,
        )
        if self._hook is None:
            return
        if event.user_agent is None and (user_agent := _USER_AGENT.get()) is not None:
            event = dataclasses.replace(event, user_agent=user_agent)
        try:
            await self._hook(event)
        except Exception:
            logger.exception("the host's event hook failed for %s", event.kind.value)
