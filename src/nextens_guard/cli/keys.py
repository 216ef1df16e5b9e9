"""Key rotation: every stored secret sealed again under the current key, while the app runs.

The order of a rotation: put the new key first in ``encryption_keys`` of every app
process, keeping the old one after it, and restart them (from then on they seal under
the new key and open both); run ``nextens-guard keys rotate``; when ``keys status``
shows no value under the old key, remove it from the configuration.

Each page of rows is read, opened and sealed again in memory, and written back with a
compare-and-set: a row the app changed in between (a user enrolling, a reset) keeps the
app's values and is read again, so nothing the app writes is ever lost.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from ..crypto import DecryptionError, Envelope
from ..services.enrollment import RESET_CODE_PURPOSE
from ..services.verification import SECRET_PURPOSE
from ..store.base import SealedValues, Store

__all__ = ["DEFAULT_BATCH_SIZE", "RotationReport", "count_key_ids", "rotate"]

DEFAULT_BATCH_SIZE = 200
# A row the app keeps changing is read again this often before the rotation leaves it
# for the next run; a user cannot enroll that fast by hand.
MAX_ATTEMPTS = 5
# Which purpose each column was sealed for: the associated data must match to open it.
_COLUMNS = (
    ("secret", SECRET_PURPOSE),
    ("reset_code", RESET_CODE_PURPOSE),
    ("pending_secret", SECRET_PURPOSE),
    ("pending_reset_code", RESET_CODE_PURPOSE),
)


@dataclass
class RotationReport:
    key_id: str
    resealed: int = 0
    already_current: int = 0
    # (user id, column) of values no configured key opens: left as they are.
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    # Rows the app changed while they were being sealed again, and read once more.
    reread: int = 0
    # Rows still changing after MAX_ATTEMPTS: a later run picks them up.
    busy: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.unreadable and not self.busy


@dataclass
class _Plan:
    new: SealedValues | None
    resealed: int = 0
    already_current: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def _plan(envelope: Envelope, row: SealedValues) -> _Plan:
    plan = _Plan(new=None)
    changes: dict[str, Any] = {}
    for column, purpose in _COLUMNS:
        token: bytes | None = getattr(row, column)
        if token is None:
            continue
        try:
            sealed = envelope.reseal(token, user_id=row.user_id, purpose=purpose)
        except DecryptionError:
            plan.unreadable.append((row.user_id, column))
            continue
        if sealed is None:
            plan.already_current += 1
        else:
            changes[column] = sealed
            plan.resealed += 1
    if changes:
        plan.new = replace(row, **changes)
    return plan


async def _read_again(store: Store, user_id: str) -> SealedValues | None:
    record = await store.get_enrollment(user_id)
    if record is None:
        return None
    return SealedValues(
        user_id=record.user_id,
        secret=record.secret,
        reset_code=record.reset_code,
        pending_secret=record.pending_secret,
        pending_reset_code=record.pending_reset_code,
    )


async def _rotate_page(
    store: Store, envelope: Envelope, page: list[SealedValues], report: RotationReport
) -> None:
    rows = page
    for _attempt in range(MAX_ATTEMPTS):
        plans = {row.user_id: _plan(envelope, row) for row in rows}
        changes = [(row, plan.new) for row in rows if (plan := plans[row.user_id]).new]
        written = await store.replace_sealed(changes) if changes else set()
        changed_meanwhile: list[str] = []
        for row in rows:
            plan = plans[row.user_id]
            if plan.new is not None and row.user_id not in written:
                changed_meanwhile.append(row.user_id)
                continue
            report.resealed += plan.resealed
            report.already_current += plan.already_current
            report.unreadable.extend(plan.unreadable)
        if not changed_meanwhile:
            return
        report.reread += len(changed_meanwhile)
        rows = [
            fresh
            for user_id in changed_meanwhile
            if (fresh := await _read_again(store, user_id)) is not None
        ]
    report.busy.extend(row.user_id for row in rows)


async def rotate(
    store: Store, envelope: Envelope, *, batch_size: int = DEFAULT_BATCH_SIZE
) -> RotationReport:
    """Seal every stored value again under ``envelope``'s current key; safe to run again."""
    report = RotationReport(key_id=envelope.current_key_id)
    after: str | None = None
    while True:
        page = await store.sealed_values(after=after, limit=batch_size)
        if not page:
            return report
        after = page[-1].user_id
        await _rotate_page(store, envelope, page, report)


async def count_key_ids(
    store: Store, envelope: Envelope, *, batch_size: int = DEFAULT_BATCH_SIZE
) -> Counter[str]:
    """How many stored values each key id seals."""
    counts: Counter[str] = Counter()
    after: str | None = None
    while True:
        page = await store.sealed_values(after=after, limit=batch_size)
        if not page:
            return counts
        after = page[-1].user_id
        for row in page:
            for column, _purpose in _COLUMNS:
                token: bytes | None = getattr(row, column)
                if token is not None:
                    counts[envelope.key_id_of(token)] += 1
