"""What only the in-process implementation has to show: it stays small, and it is direct."""

from __future__ import annotations

import pytest

from nextens_guard.attempts import Verdict
from nextens_guard.ephemeral.base import LAST_STEP_TTL_SECONDS, Purpose
from nextens_guard.ephemeral.memory import MemoryEphemeral

from .harness import FakeClock, RecordingSink, limits

pytestmark = pytest.mark.anyio

CODE = Purpose.CODE
STEP = 58_000_000


async def test_memory_stays_bounded_after_many_distinct_users_expire() -> None:
    clock = FakeClock()
    state = MemoryEphemeral(limits(failure_memory_seconds=60), clock=clock)
    for n in range(5_000):
        await state.settle(
            CODE, f"sprayed{n}", f"10.0.{n // 256}.{n % 256}", correct=False, burn=STEP + 1
        )
        await state.settle(CODE, f"enrolled{n}", "192.0.2.1", correct=True, step=STEP)
    assert len(state) > 15_000

    clock.now += LAST_STEP_TTL_SECONDS + 1
    await state.settle(CODE, "anna", "192.0.2.10", correct=False)

    # Only anna's failure and her address's window are left.
    assert len(state) == 2


async def test_memory_stays_bounded_under_a_steady_flood_of_made_up_users() -> None:
    clock = FakeClock()
    state = MemoryEphemeral(
        limits(failure_memory_seconds=60, address_window_seconds=60), clock=clock
    )
    peak = 0

    # 100 attempts a second for five minutes, each from a new user and address.
    for n in range(30_000):
        clock.now += 0.01
        await state.settle(CODE, f"user{n}", f"address{n}", correct=False)
        peak = max(peak, len(state))

    # A minute of attempts is live at any moment (6000 users and 6000 addresses); what
    # has expired waits at most one more minute for a sweep.
    assert peak <= 2 * 12_000 + 10


async def test_a_used_step_is_remembered_while_a_code_could_still_match_it() -> None:
    clock = FakeClock()
    state = MemoryEphemeral(limits(), clock=clock)
    assert (await state.settle(CODE, "anna", "192.0.2.10", correct=True, step=STEP)).accepted

    # The verifier accepts a step for at most 90 s (one step either side of now).
    clock.now += 90
    again = await state.settle(CODE, "anna", "192.0.2.10", correct=True, step=STEP)

    assert again.verdict is Verdict.REPLAYED


async def test_burned_steps_are_remembered_as_long_as_the_last_step() -> None:
    clock = FakeClock()
    state = MemoryEphemeral(limits(), clock=clock)
    await state.settle(CODE, "anna", "192.0.2.10", correct=False, burn=STEP)
    clock.now += LAST_STEP_TTL_SECONDS / 2
    # Every burn keeps the whole set for the full time again, as a Redis EXPIRE does.
    await state.settle(CODE, "anna", "192.0.2.10", correct=False, burn=STEP + 1)
    clock.now += LAST_STEP_TTL_SECONDS - 1

    replayed = await state.settle(CODE, "anna", "192.0.2.10", correct=True, step=STEP)
    assert replayed.verdict is Verdict.REPLAYED

    clock.now += 2
    accepted = await state.settle(CODE, "anna", "192.0.2.10", correct=True, step=STEP)
    assert accepted.verdict is Verdict.ACCEPTED


async def test_a_published_topic_is_delivered_before_publish_returns() -> None:
    state = MemoryEphemeral(limits())
    sink = RecordingSink()
    await state.start(sink)

    await state.publish("user:anna")

    assert sink.topics == ["user:anna"]
