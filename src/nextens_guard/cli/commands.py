"""The commands: each reads the guard's state or changes it as the admin pages do."""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from ..backend import GuardUser, Office
from ..crypto import generate_key
from ..errors import ServiceUnavailable
from ..guard import Guard
from ..services.audit import AuditEvent, EventKind
from ..services.people import Ambiguous, Named, NotFound, find_person, named
from ..store.base import AuditRecord, EnrollmentRecord
from .console import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError, confirm, emit_json, say
from .keys import count_key_ids, rotate

__all__ = ["COMMANDS", "Command", "keys_generate", "parse_since"]

Command = Callable[[Guard, argparse.Namespace, str], Awaitable[int]]

EXPORT_PAGE = 500
# The backend's ids are the host's; an id longer than the store's column is no user.
MAX_ID_LENGTH = 255


def parse_since(value: str) -> datetime:
    """``--since``: an ISO 8601 date or moment; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 date or time (like 2026-11-25 or "
            "2026-11-25T09:30:00+01:00)"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _shown(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _office_label(office: Office) -> str:
    return office.id if office.name in ("", office.id) else f"{office.id} ({office.name})"


def _names(offices: list[Office]) -> str:
    return ", ".join(_office_label(office) for office in offices)


def _announced(guard: Guard) -> str:
    if guard.settings.redis_url:
        return "Every running app process was told through Redis."
    # The in-process limiter lives in the app's own memory, which this process cannot
    # reach: the app trusts its cached state for at most cache_ttl_seconds.
    return (
        "No Redis configured: running app processes see this within "
        f"{guard.settings.cache_ttl_seconds:g} s (cache_ttl_seconds)."
    )


async def _reachable(guard: Guard) -> None:
    """Redis answers: a change every process must hear of is not made when it cannot be told."""
    try:
        await guard.ephemeral.ping()
    except ServiceUnavailable as exc:
        raise CliError(f"{exc}; nothing changed") from None


async def _office(guard: Guard, office_id: str) -> Office:
    office = None if len(office_id) > MAX_ID_LENGTH else await guard.backend.get_office(office_id)
    if office is None:
        raise CliError(f"unknown office {office_id!r}", EXIT_USAGE)
    return office


def _who(user: GuardUser) -> str:
    return f"{user.username} (id {user.id}, office {user.office_id})"


def _ambiguous(exc: Ambiguous) -> CliError:
    return CliError(
        f"{exc.given!r} is the username of {len(exc.users)} users; give the id of the one "
        "you mean: " + "; ".join(_who(user) for user in exc.users),
        EXIT_USAGE,
    )


async def _user(guard: Guard, given: str) -> GuardUser:
    """The user ``given`` names: their id, else their username."""
    if len(given) > MAX_ID_LENGTH:
        raise CliError(
            f"unknown user {given[:40]!r}...: longer than any id or username", EXIT_USAGE
        )
    try:
        found = await find_person(guard.backend, given)
    except NotFound as exc:
        if exc.by_name:
            raise CliError(
                f"unknown user {given!r}: no user has this id or username", EXIT_USAGE
            ) from None
        raise CliError(
            f"unknown user {given!r}: no user has this id, and the app's backend cannot "
            "look users up by username (give the user's id, or add find_users to the backend)",
            EXIT_USAGE,
        ) from None
    except Ambiguous as exc:
        raise _ambiguous(exc) from None
    if found.shadowed:
        # The id wins, so every user stays reachable by id; the operator still learns
        # that the name meant someone else too.
        print(
            f"note: {given!r} is the id of {_who(found.user)}, and the username of "
            + "; ".join(_who(user) for user in found.shadowed)
            + f". Acting on the user with id {given!r}.",
            file=sys.stderr,
        )
    return found.user


def _enrollment_state(record: EnrollmentRecord | None) -> str:
    if record is not None and record.enrolled:
        return "enrolled"
    if record is not None and record.pending_secret is not None:
        return "enrolling"
    return "not enrolled"


def _user_json(
    user: GuardUser, record: EnrollmentRecord | None, *, required: bool
) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "office": user.office_id,
        "required": required,
        "state": _enrollment_state(record),
        "enrolled": record is not None and record.enrolled,
        "enrolled_at": _when(record.confirmed_at if record else None),
        "last_verified_at": _when(record.last_verified_at if record else None),
        "enrollment_started_at": _when(record.pending_started_at if record else None),
        "generation": record.generation if record else None,
    }


# Offices


async def office_status(guard: Guard, args: argparse.Namespace, actor: str) -> int:
    office = await _office(guard, args.office)
    status = await guard.office.status(office.id)
    users = sorted(await guard.backend.users_of_office(office.id), key=lambda u: u.username)
    records = {r.user_id: r for r in await guard.store.list_enrollments([u.id for u in users])}
    if args.json:
        emit_json(
            {
                "office": {"id": office.id, "name": office.name},
                "active": status.active,
                "group": status.group_ids,
                "users": [_user_json(u, records.get(u.id), required=status.active) for u in users],
            }
        )
        return EXIT_OK
    say(f"Office {_office_label(office)}")
    say(f"Two-step verification: {'on' if status.active else 'off'}")
    if status.linked:
        say(f"Office group: {_names([office, *status.linked])} (a change here changes them all)")
    say(f"Users ({len(users)}):")
    width = max((len(u.username) for u in users), default=0)
    for user in users:
        record = records.get(user.id)
        state = _enrollment_state(record)
        line = f"  {user.username:<{width}}  {state}"
        if record is not None and record.enrolled:
            line += f" since {_shown(record.confirmed_at)}"
            line += f", last code {_shown(record.last_verified_at)}"
        elif status.active:
            line += ": sets it up at the next login"
        say(line)
    return EXIT_OK


async def office_activate(guard: Guard, args: argparse.Namespace, actor: str) -> int:
    office = await _office(guard, args.office)
    await _reachable(guard)
    status = await guard.office.activate_group(office.id, actor_id=actor, address=None)
    group = [status.office, *status.linked]
    if args.json:
        emit_json({"active": True, "group": status.group_ids, "actor": actor})
        return EXIT_OK
    say(f"Two-step verification is on for {_names(group)}.")
    say("Their users set it up at their next login.")
    say(_announced(guard))
    return EXIT_OK


async def user_logout_everywhere(guard: Guard, args: argparse.Namespace, actor: str) -> int:
    user = await _user(guard, args.user)
    confirm(
        f"This ends every verified session of {user.username} ({user.office_id}): each "
        "browser they are logged in on asks for the code again. Their phone and reset code "
        "keep working.",
        yes=args.yes,
    )
    await _reachable(guard)
    generation = await guard.office.log_out_everywhere(actor, user, address=None)
    ended = generation is not None
    if args.json:
        emit_json({"user": user.id, "logged_out_everywhere": ended, "actor": actor})
        return EXIT_OK
    if ended:
        say(f"{user.username} is logged out everywhere: every browser asks for the code again.")
    else:
        say(f"{user.username} has no two-step verification set up; nothing was ended.")
    say(_announced(guard))
    return EXIT_OK


async def office_deactivate(guard: Guard, args: argparse.Namespace, actor: str) -> int:
    office = await _office(guard, args.office)
    before = await guard.office.status(office.id)
    group = [before.office, *before.linked]
    confirm(
        f"This switches two-step verification OFF for {_names(group)} and destroys the "
        "two-step verification of every user of "
        f"{'these offices' if before.linked else 'this office'}.",
        yes=args.yes,
    )
    await _reachable(guard)
    status = await guard.office.deactivate_group(office.id, actor_id=actor, address=None)
    if args.json:
        emit_json({"active": False, "group": status.group_ids, "actor": actor})
        return EXIT_OK
    say(f"Two-step verification is off for {_names([status.office, *status.linked])}.")
    say("Every enrollment of their users is destroyed; they log in with the password alone.")
    say(_announced(guard))
    return EXIT_OK


# Users


async def user_status(guard: Guard, args: argparse.Namespace, actor: str) -> int:
    user = await _user(guard, args.user)
    office = await guard.backend.get_office(user.office_id) or Office(user.office_id, "")
    required = await guard.policy.required_for_office(user.office_id)
    record = await guard.store.get_enrollment(user.id)
    if args.json:
        emit_json(_user_json(user, record, required=required))
        return EXIT_OK
    say(f"User {user.username}" + (f" ({user.display_name})" if user.display_name else ""))
    say(f"Office: {_office_label(office)}")
    say(f"Two-step verification required: {'yes' if required else 'no'}")
    state = _enrollment_state(record)
    if record is not None and record.enrolled:
        say(f"State: enrolled since {_shown(record.confirmed_at)}")
        say(f"Last code accepted: {_shown(record.last_verified_at)}")
    elif record is not None and record.pending_secret is not None:
        say(f"State: enrolling, started {_shown(record.pending_started_at)}")
    else:
        say(f"State: {state}" + (": sets it up at the next login" if required else ""))
    return EXIT_OK


async def user_reset(guard: Guard, args: argparse.Namespace, actor: str) -> int:
    user = await _user(guard, args.user)
    confirm(
        f"This destroys the two-step verification of {user.username} ({user.office_id}): "
        "their phone's codes and their reset code stop working, and they set it up again "
        "at their next login.",
        yes=args.yes,
    )
    await _reachable(guard)
    destroyed = await guard.office.reset_user_by(actor, user, address=None)
    if args.json:
        emit_json({"user": user.id, "reset": True, "destroyed": destroyed, "actor": actor})
        return EXIT_OK
    if destroyed:
        say(f"{user.username} is reset: they set up two-step verification again at next login.")
    else:
        say(f"{user.username} had no two-step verification set up; nothing was destroyed.")
    say(_announced(guard))
    return EXIT_OK


# Keys


async def keys_status(guard: Guard, args: argparse.Namespace, actor: str) -> int:
    configured = list(guard.settings.encryption_keys)
    current = guard.envelope.current_key_id
    counts = await count_key_ids(guard.store, guard.envelope)
    unknown = sorted(key_id for key_id in counts if key_id not in configured)
    removable = [key_id for key_id in configured if key_id != current and not counts[key_id]]
    if args.json:
        emit_json(
            {
                "current": current,
                "configured": configured,
                "values": {key_id: counts[key_id] for key_id in [*configured, *unknown]},
                "unknown": unknown,
                "removable": removable,
            }
        )
        return EXIT_FAILED if unknown else EXIT_OK
    say(f"Current key: {current} (new values are sealed with it)")
    width = max(len(key_id) for key_id in [*configured, *unknown])
    for key_id in [*configured, *unknown]:
        n = counts[key_id]
        if key_id == current:
            note = "current"
        elif key_id in unknown:
            note = "NOT CONFIGURED: these values cannot be opened"
        elif n:
            note = "still needed: run 'nextens-guard keys rotate'"
        else:
            note = "seals nothing: may be removed once every app process seals with the current key"
        say(f"  {key_id:<{width}}  {n:>6} value{'' if n == 1 else 's'}  {note}")
    if unknown:
        raise CliError(
            f"{sum(counts[k] for k in unknown)} stored values are sealed with keys that are "
            f"not configured ({', '.join(unknown)})"
        )
    return EXIT_OK


async def keys_rotate(guard: Guard, args: argparse.Namespace, actor: str) -> int:
    report = await rotate(guard.store, guard.envelope, batch_size=args.batch_size)
    await guard.audit.record(
        AuditEvent(
            kind=EventKind.KEYS_ROTATED,
            outcome="ok" if report.complete else "incomplete",
            at=guard.settings.now(),
            actor_id=actor,
            detail=(
                f"key={report.key_id} resealed={report.resealed} "
                f"current={report.already_current} unreadable={len(report.unreadable)} "
                f"busy={len(report.busy)}"
            ),
        )
    )
    if args.json:
        emit_json(
            {
                "key": report.key_id,
                "resealed": report.resealed,
                "already_current": report.already_current,
                "reread": report.reread,
                "unreadable": [{"user": u, "column": c} for u, c in report.unreadable],
                "busy": report.busy,
                "complete": report.complete,
            }
        )
    else:
        say(
            f"Sealed {report.resealed} value{'' if report.resealed == 1 else 's'} again "
            f"under key {report.key_id}; {report.already_current} already were."
        )
        if report.reread:
            say(f"{report.reread} rows changed by the app meanwhile were read again.")
    if report.unreadable:
        users = sorted({user_id for user_id, _column in report.unreadable})
        shown = ", ".join(users[:10]) + (" ..." if len(users) > 10 else "")
        raise CliError(
            f"{len(report.unreadable)} values open with no configured key and were left as "
            f"they are (users: {shown}); keep the keys that sealed them, or reset these users"
        )
    if report.busy:
        raise CliError(
            f"{len(report.busy)} rows kept changing and were left for the next run: "
            "run 'nextens-guard keys rotate' again"
        )
    return EXIT_OK


def keys_generate() -> int:
    """A new key for ``encryption_keys``, base64 encoded; it needs no app and no database."""
    say(base64.b64encode(generate_key()).decode("ascii"))
    return EXIT_OK


# Audit


def _username(names: dict[str, Named], user_id: str | None) -> str | None:
    person = names.get(user_id) if user_id else None
    return None if person is None else person.username


def _event_json(record: AuditRecord, names: dict[str, Named]) -> dict[str, Any]:
    return {
        "id": record.id,
        "at": _when(record.at),
        "event": record.event,
        "outcome": record.outcome,
        "actor_id": record.actor_id,
        "actor_username": _username(names, record.actor_id),
        "subject_id": record.subject_id,
        "subject_username": _username(names, record.subject_id),
        "office_id": record.office_id,
        "address": record.address,
        "detail": record.detail,
    }


async def _events_of(guard: Guard, given: str | None) -> str | None:
    """The user id ``--user`` means: a known user's, else ``given`` itself, since the
    trail keeps the events of users the backend has forgotten."""
    if given is None:
        return None
    if len(given) > MAX_ID_LENGTH:
        return (await _user(guard, given)).id  # says why no user has it
    try:
        return (await find_person(guard.backend, given)).user.id
    except Ambiguous as exc:
        raise _ambiguous(exc) from None
    except NotFound:
        print(
            f"note: no user has the id or username {given!r} now; "
            "exporting the events stored under that id",
            file=sys.stderr,
        )
        return given


async def audit_export(guard: Guard, args: argparse.Namespace, actor: str) -> int:
    user_id = await _events_of(guard, args.user)
    # Each person is looked up once for the whole export, as their events come.
    names: dict[str, Named] = {}
    after: int | None = None
    while True:
        page = await guard.store.events_after(
            after, since=args.since, office_id=args.office, user_id=user_id, limit=EXPORT_PAGE
        )
        unseen = {i for r in page for i in (r.actor_id, r.subject_id) if i and i not in names}
        names.update(await named(guard.backend, unseen, limit=len(unseen)))
        for record in page:
            sys.stdout.write(json.dumps(_event_json(record, names), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        if len(page) < EXPORT_PAGE:
            return EXIT_OK
        after = page[-1].id


COMMANDS: dict[tuple[str, str], Command] = {
    ("office", "status"): office_status,
    ("office", "activate"): office_activate,
    ("office", "deactivate"): office_deactivate,
    ("user", "status"): user_status,
    ("user", "reset"): user_reset,
    ("user", "logout-everywhere"): user_logout_everywhere,
    ("keys", "status"): keys_status,
    ("keys", "rotate"): keys_rotate,
    ("audit", "export"): audit_export,
}
