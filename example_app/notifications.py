"""What the example does with the guard's security events: the mails it would send.

A real host mails the user (OWASP ASVS 2.2.3 / V6.3.7: tell people when their
authentication changes). The demo has no mail server, so it writes one log line per
event on the logger ``example_app.events`` and keeps the last few notices per person in
memory, for the signed-in user's own page at ``/notifications``. Everything comes from
the event itself: the hook does no lookup, so it costs a request nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from nextens_guard import AuditEvent, EventKind

from .backend import DemoBackend
from .pages import render, words_for

__all__ = ["MAILED_KINDS", "Notice", "Notifications", "notifications_page"]

logger = logging.getLogger("example_app.events")

# The events a person is told about. A single wrong code is not news (a typo), ten in
# a row are: LOCKED_OUT. Logging in (VERIFIED) happens every day.
MAILED_KINDS = frozenset(
    {
        EventKind.ENROLLED,
        EventKind.RECOVERED,
        EventKind.RESET_BY_ADMIN,
        EventKind.LOGGED_OUT_EVERYWHERE,
        EventKind.RESET_CODE_VIEWED,
        EventKind.LOCKED_OUT,
        EventKind.ACTIVATED,
        EventKind.DEACTIVATED,
    }
)
# A demo keeps a handful per person; a mail server would keep none.
KEPT = 20


@dataclass(frozen=True, slots=True)
class Notice:
    """One mail as the example would send it."""

    kind: EventKind
    at: datetime
    to: str  # a user id, or "office:<id>" for everyone of an office
    name: str | None
    address: str | None
    user_agent: str | None
    actor: str | None
    failures: int | None
    retry_after: int | None


class Notifications:
    """The guard's ``on_event`` hook of the example, and what it kept for the page."""

    def __init__(self) -> None:
        self._kept: defaultdict[str, deque[Notice]] = defaultdict(lambda: deque(maxlen=KEPT))

    async def on_event(self, event: AuditEvent) -> None:
        mailed = event.kind in MAILED_KINDS
        logger.info(
            "event=%s outcome=%s user=%s name=%s office=%s at=%s address=%s agent=%s "
            "actor=%s failures=%s retry_after=%s mail=%s",
            event.kind.value,
            event.outcome,
            event.subject_id,
            event.subject_name,
            event.office_id,
            event.at.isoformat(),
            event.address,
            event.user_agent,
            event.actor_name or event.actor_id,
            event.failures,
            event.retry_after,
            "yes" if mailed else "no",
        )
        if not mailed:
            return
        # An office-wide change has no one user: every user of the office hears of it.
        to = event.subject_id or (f"office:{event.office_id}" if event.office_id else None)
        if to is None:
            return
        self._kept[to].appendleft(
            Notice(
                kind=event.kind,
                at=event.at,
                to=to,
                name=event.subject_name,
                address=event.address,
                user_agent=event.user_agent,
                actor=event.actor_name if event.actor_id != event.subject_id else None,
                failures=event.failures,
                retry_after=event.retry_after,
            )
        )

    def of(self, user_id: str, office_id: str) -> list[Notice]:
        """The notices a person received: their own and their office's, newest first."""
        notices = [*self._kept.get(user_id, ()), *self._kept.get(f"office:{office_id}", ())]
        return sorted(notices, key=lambda notice: notice.at, reverse=True)[:KEPT]


async def notifications_page(request: Request) -> Response:
    """The signed-in user's own notices; the guard has verified them before this runs."""
    backend: DemoBackend = request.app.state.backend
    notifications: Notifications | None = request.app.state.notifications
    user_id = await backend.authenticated_user_id(request.scope)
    user = await backend.get_user(user_id) if user_id else None
    if user is None:
        return RedirectResponse("/login?next=/notifications", status_code=303)
    notices = notifications.of(user.id, user.office_id) if notifications else []
    words = words_for(request)
    return render(
        request,
        "notifications.html",
        {
            "user": user,
            "notices": [
                (notice, words.get(f"notice_{notice.kind.value}", notice.kind.value))
                for notice in notices
            ],
        },
    )
