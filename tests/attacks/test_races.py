"""Brute force and races: parallel requests never slip past a limit or use a code twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pyotp
import pytest

from example_app.app import ExampleApp
from nextens_guard.attempts import Verdict
from nextens_guard.backend import GuardUser
from nextens_guard.guard import Guard
from tests.support import Parts

pytestmark = pytest.mark.anyio

OFFICE_ADDRESS = "192.0.2.10"
OWNER = "race-session"


@asynccontextmanager
async def started(parts: Parts) -> AsyncIterator[Guard]:
    app: ExampleApp = parts.app()
    guard = app.guard
    assert guard is not None
    await guard.startup()
    await guard.store.set_offices_active(
        ["rotterdam"], active=True, actor_id=None, now=datetime.now(UTC)
    )
    try:
        yield guard
    finally:
        await guard.shutdown()


async def enrolled(guard: Guard, parts: Parts, user_id: str = "rosa") -> tuple[GuardUser, str, str]:
    user = await guard.backend.get_user(user_id)
    assert user is not None
    pending = await guard.enrollment.begin(user, OWNER, OFFICE_ADDRESS)
    code = pyotp.TOTP(pending.secret).at(parts.clock.now)
    assert (await guard.enrollment.check_code(user, OWNER, code, OFFICE_ADDRESS)).accepted
    assert await guard.enrollment.finish(user, OWNER, OFFICE_ADDRESS) is not None
    parts.clock.advance(30)
    return user, pending.secret, pending.reset_code


async def test_two_hundred_parallel_wrong_codes_count_no_more_than_the_limit(parts: Parts) -> None:
    async with started(parts) as guard:
        user, secret, _ = await enrolled(guard, parts)
        right = pyotp.TOTP(secret).at(parts.clock.now)
        wrong = "000000" if right != "000000" else "111111"
        attempts = await asyncio.gather(
            *(guard.verification.verify(user, wrong, OFFICE_ADDRESS) for _ in range(200))
        )
        verdicts = Counter(attempt.verdict for attempt in attempts)
        assert verdicts[Verdict.REJECTED] == 10
        assert verdicts[Verdict.LOCKED] == 190
        # Even the right code waits out the lockout.
        assert (await guard.verification.verify(user, right, OFFICE_ADDRESS)).locked


async def test_fifty_parallel_submissions_of_one_right_code_succeed_once(parts: Parts) -> None:
    async with started(parts) as guard:
        user, secret, _ = await enrolled(guard, parts)
        code = pyotp.TOTP(secret).at(parts.clock.now)
        attempts = await asyncio.gather(
            *(guard.verification.verify(user, code, OFFICE_ADDRESS) for _ in range(50))
        )
        verdicts = Counter(attempt.verdict for attempt in attempts)
        assert verdicts[Verdict.ACCEPTED] == 1
        assert (
            verdicts[Verdict.ACCEPTED] + verdicts[Verdict.REPLAYED] + verdicts[Verdict.LOCKED] == 50
        )


async def test_fifty_parallel_submissions_of_one_reset_code_start_one_new_enrollment(
    parts: Parts,
) -> None:
    async with started(parts) as guard:
        user, _, reset_code = await enrolled(guard, parts)
        before = await guard.store.get_enrollment(user.id)
        assert before is not None
        attempts = await asyncio.gather(
            *(guard.recovery.recover(user, reset_code, OFFICE_ADDRESS) for _ in range(50))
        )
        verdicts = Counter(attempt.verdict for attempt in attempts)
        assert verdicts[Verdict.ACCEPTED] == 1
        after = await guard.store.get_enrollment(user.id)
        assert after is not None
        assert not after.enrolled
        assert after.generation == before.generation + 1
        assert after.secret is None
        assert after.reset_code is None


async def test_two_hundred_parallel_wrong_reset_codes_count_no_more_than_the_limit(
    parts: Parts,
) -> None:
    async with started(parts) as guard:
        user, _, _ = await enrolled(guard, parts)
        attempts = await asyncio.gather(
            *(
                guard.recovery.recover(user, "K7QF2-M9XDA-3HV8T-PZ4NE", OFFICE_ADDRESS)
                for _ in range(200)
            )
        )
        verdicts = Counter(attempt.verdict for attempt in attempts)
        assert verdicts[Verdict.REJECTED] == 10
        assert verdicts[Verdict.LOCKED] == 190
        record = await guard.store.get_enrollment(user.id)
        assert record is not None
        assert record.enrolled


async def test_two_hundred_parallel_wrong_passwords_count_no_more_than_the_limit(
    parts: Parts,
) -> None:
    async with started(parts) as guard:
        user = await guard.backend.get_user("ruben")
        assert user is not None
        attempts = await asyncio.gather(
            *(guard.passwords.check(user, "raden", OFFICE_ADDRESS) for _ in range(200))
        )
        verdicts = Counter(attempt.verdict for attempt in attempts)
        assert verdicts[Verdict.REJECTED] == 10
        assert verdicts[Verdict.LOCKED] == 190
        assert (await guard.passwords.check(user, "nextens-demo", OFFICE_ADDRESS)).locked


async def test_a_lockout_of_one_user_leaves_the_rest_of_the_office_working(
    parts: Parts,
) -> None:
    async with started(parts) as guard:
        rosa, _, _ = await enrolled(guard, parts, "rosa")
        ruben, ruben_secret, _ = await enrolled(guard, parts, "ruben")
        for _ in range(12):
            await guard.verification.verify(rosa, "000000", OFFICE_ADDRESS)
        code = pyotp.TOTP(ruben_secret).at(parts.clock.now)
        assert (await guard.verification.verify(ruben, code, OFFICE_ADDRESS)).accepted
