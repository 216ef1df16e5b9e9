"""What every ephemeral state promises, checked in memory and on Redis alike."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from nextens_guard.ephemeral.base import ALL_TOPIC, AttemptResult, Ephemeral, Outcome, Purpose

from .harness import LIMITS, SLACK, Backend, RecordingSink, eventually, limits

pytestmark = pytest.mark.anyio

CODE = Purpose.CODE
HOME = "192.0.2.10"
ELSEWHERE = "198.51.100.20"
STEP = 58_000_000


async def fail(state: Ephemeral, user: str = "anna", address: str = HOME) -> AttemptResult:
    return await state.settle(CODE, user, address, correct=False)


async def succeed(
    state: Ephemeral, user: str = "anna", address: str = HOME, *, step: int | None = None
) -> AttemptResult:
    return await state.settle(CODE, user, address, correct=True, step=step)


# Codes and steps


async def test_a_code_is_accepted_once_per_user(backend: Backend) -> None:
    state = await backend.open()

    assert await succeed(state, step=STEP) == AttemptResult(Outcome.ACCEPTED)
    assert await succeed(state, step=STEP) == AttemptResult(Outcome.REPLAYED)
    assert await succeed(state, "bram", step=STEP) == AttemptResult(Outcome.ACCEPTED)


async def test_an_older_step_is_refused_after_a_newer_one(backend: Backend) -> None:
    state = await backend.open()

    assert (await succeed(state, step=STEP + 1)).outcome is Outcome.ACCEPTED
    assert (await succeed(state, step=STEP)).outcome is Outcome.REPLAYED
    assert (await succeed(state, step=STEP + 2)).outcome is Outcome.ACCEPTED


async def test_a_used_step_is_used_for_every_purpose(backend: Backend) -> None:
    state = await backend.open()

    assert (await succeed(state, step=STEP)).accepted
    again = await state.settle(Purpose.RESET_CODE, "anna", HOME, correct=True, step=STEP)

    assert again.outcome is Outcome.REPLAYED


async def test_a_right_answer_without_a_step_is_accepted_every_time(backend: Backend) -> None:
    state = await backend.open()

    for _ in range(3):
        result = await state.settle(Purpose.PASSWORD, "anna", HOME, correct=True)
        assert result == AttemptResult(Outcome.ACCEPTED)
    assert (await succeed(state, step=STEP)).accepted


async def test_a_replayed_code_counts_as_a_failure(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3))
    assert (await succeed(state, step=STEP)).accepted

    replays = [await succeed(state, step=STEP) for _ in range(3)]

    assert [r.outcome for r in replays] == [Outcome.REPLAYED] * 3
    assert [r.retry_after for r in replays] == [0, 0, 1]
    assert (await succeed(state, step=STEP + 1)).outcome is Outcome.LOCKED


async def test_fifty_parallel_submissions_of_one_code_succeed_once(backend: Backend) -> None:
    state = await backend.open()

    results = await asyncio.gather(*(succeed(state, step=STEP) for _ in range(50)))

    # The first to arrive wins; every later one is a replay, until replays lock the user.
    assert Counter(r.outcome for r in results) == {
        Outcome.ACCEPTED: 1,
        Outcome.REPLAYED: LIMITS.max_failures,
        Outcome.LOCKED: 50 - 1 - LIMITS.max_failures,
    }


# Users


async def test_ten_wrong_codes_lock_the_user_out(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=10, lockout_seconds=60, lockout_max_seconds=60))

    first_nine = [await fail(state) for _ in range(9)]
    tenth = await fail(state)

    assert first_nine == [AttemptResult(Outcome.REJECTED)] * 9
    assert tenth == AttemptResult(Outcome.REJECTED, retry_after=60)
    assert await state.retry_after(CODE, "anna", HOME) == 60
    assert await state.retry_after(CODE, "anna", ELSEWHERE) == 60


async def test_a_locked_out_user_is_refused_even_the_right_code(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3))
    for _ in range(3):
        await fail(state)

    result = await succeed(state, step=STEP)

    assert result == AttemptResult(Outcome.LOCKED, retry_after=1)


async def test_attempts_while_locked_out_are_not_counted(backend: Backend) -> None:
    # The address may fail exactly once more than the user before it is locked too.
    state = await backend.open(limits(max_failures=3, address_max_failures=4))
    for _ in range(3):
        await fail(state)

    while_locked = [await fail(state) for _ in range(20)]

    assert {r.outcome for r in while_locked} == {Outcome.LOCKED}
    # Had those counted, the address would be locked and bram refused.
    assert (await succeed(state, "bram")).accepted


async def test_the_lockout_ends_after_its_wait(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=2, lockout_seconds=1))
    await fail(state)
    assert (await fail(state)).retry_after == 1
    assert (await succeed(state, step=STEP)).outcome is Outcome.LOCKED

    await backend.wait(1 + SLACK)

    assert await state.retry_after(CODE, "anna", HOME) == 0
    # Refused unseen while locked out, so the step is still unused.
    assert (await succeed(state, step=STEP)).accepted


async def test_the_wait_grows_after_each_failure_past_the_limit(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3, lockout_seconds=1, lockout_max_seconds=60))
    results = [await fail(state) for _ in range(3)]
    assert [r.retry_after for r in results] == [0, 0, 1]

    await backend.wait(1 + SLACK)
    fourth = await fail(state)

    # Locked again at once, for twice as long.
    assert fourth == AttemptResult(Outcome.REJECTED, retry_after=2)
    assert await state.retry_after(CODE, "anna", HOME) == 2
    assert (await succeed(state, step=STEP)).outcome is Outcome.LOCKED


async def test_the_wait_never_grows_past_its_cap(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=2, lockout_seconds=1, lockout_max_seconds=1))
    await fail(state)
    assert (await fail(state)).retry_after == 1

    await backend.wait(1 + SLACK)

    assert (await fail(state)).retry_after == 1


async def test_a_success_clears_the_users_failures(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3))
    await fail(state)
    await fail(state)

    assert (await succeed(state, step=STEP)).accepted

    assert (await fail(state)).retry_after == 0
    assert (await fail(state)).retry_after == 0
    assert (await fail(state)).retry_after == 1


async def test_failures_are_forgotten_after_the_failure_memory(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3, failure_memory_seconds=1))
    await fail(state)
    await fail(state)

    await backend.wait(1 + SLACK)

    assert (await fail(state)).retry_after == 0
    assert (await fail(state)).retry_after == 0
    assert (await fail(state)).retry_after == 1


async def test_each_purpose_counts_its_own_failures(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3))
    for _ in range(3):
        await fail(state)

    assert await state.retry_after(Purpose.PASSWORD, "anna", HOME) == 0
    assert (await state.settle(Purpose.PASSWORD, "anna", HOME, correct=True)).accepted
    assert (await state.settle(Purpose.RESET_CODE, "anna", HOME, correct=False)).retry_after == 0


async def test_one_users_failures_leave_other_users_alone(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3))
    for _ in range(3):
        await fail(state, "anna")

    assert await state.retry_after(CODE, "bram", HOME) == 0
    assert (await succeed(state, "bram", step=STEP)).accepted


async def test_user_ids_that_look_like_key_names_stay_apart(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=2))
    lookalikes = ["anna", "anna:", "anna:code", "{anna}", "}anna{", "", "ánna", "anna\x00", "*"]
    for _ in range(2):
        await fail(state, "anna:code")

    for user in lookalikes:
        expected = 1 if user == "anna:code" else 0
        assert await state.retry_after(CODE, user, HOME) == expected, user


async def test_retry_after_only_looks(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3))

    for _ in range(20):
        assert await state.retry_after(CODE, "anna", HOME) == 0

    assert (await fail(state)).retry_after == 0


async def test_clear_forgets_failures_lockouts_and_used_steps(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3, lockout_seconds=60, lockout_max_seconds=60))
    assert (await succeed(state, step=STEP)).accepted
    for purpose in Purpose:
        for _ in range(3):
            await state.settle(purpose, "anna", HOME, correct=False)
    await fail(state, "bram")

    await state.clear("anna")

    for purpose in Purpose:
        assert await state.retry_after(purpose, "anna", HOME) == 0
    assert (await succeed(state, step=STEP)).accepted
    # Other users keep what they had: one failure, two to go.
    assert (await fail(state, "bram")).retry_after == 0
    assert (await fail(state, "bram")).retry_after == 60


# Addresses


async def test_an_address_is_locked_after_its_own_limit(backend: Backend) -> None:
    state = await backend.open(
        limits(max_failures=100, address_max_failures=5, address_window_seconds=60)
    )

    results = [await fail(state, f"user{n}") for n in range(5)]

    assert [r.outcome for r in results] == [Outcome.REJECTED] * 5
    assert [r.retry_after for r in results[:4]] == [0] * 4
    assert 58 <= results[4].retry_after <= 60
    assert (await succeed(state, "newcomer")).outcome is Outcome.LOCKED
    assert 58 <= await state.retry_after(CODE, "newcomer", HOME) <= 60
    # The same users from another address are not held back by it.
    assert (await succeed(state, "newcomer", ELSEWHERE)).accepted
    assert await state.retry_after(Purpose.PASSWORD, "newcomer", HOME) == 0


async def test_an_address_lock_ends_with_its_window(backend: Backend) -> None:
    state = await backend.open(limits(address_max_failures=2, address_window_seconds=1))
    await fail(state, "anna")
    await backend.wait(0.6)
    # The window opened with anna's failure; bram's does not move its end.
    assert (await fail(state, "bram")).retry_after == 1

    await backend.wait(0.4 + SLACK)

    assert (await succeed(state, "uma")).accepted
    # A new window: two more failures before the next lock.
    assert (await fail(state, "uma")).retry_after == 0


async def test_a_success_does_not_reopen_a_busy_address(backend: Backend) -> None:
    state = await backend.open(limits(address_max_failures=3))
    await fail(state, "anna")
    await fail(state, "anna")

    assert (await succeed(state, "anna")).accepted

    assert (await fail(state, "bram")).retry_after > 0


# Concurrency and processes


async def test_parallel_wrong_codes_never_count_past_the_limit(backend: Backend) -> None:
    state = await backend.open()

    results = await asyncio.gather(*(fail(state) for _ in range(200)))

    outcomes = Counter(r.outcome for r in results)
    assert outcomes == {Outcome.REJECTED: LIMITS.max_failures, Outcome.LOCKED: 190}
    assert sum(1 for r in results if r.outcome is Outcome.REJECTED and r.retry_after > 0) == 1


async def test_every_process_sees_the_same_failures(backend: Backend) -> None:
    one = await backend.open(limits(max_failures=4))
    other = await backend.open(limits(max_failures=4))

    await fail(one)
    await fail(other)
    await fail(one)
    fourth = await fail(other)

    assert fourth.retry_after == 1
    assert await one.retry_after(CODE, "anna", HOME) == 1


# Invalidation


async def test_a_started_state_is_listening(backend: Backend) -> None:
    state = await backend.open()
    assert not state.listening

    await state.start(RecordingSink())

    assert state.listening
    await state.close()
    assert not state.listening


async def test_a_published_reset_reaches_every_listener(backend: Backend) -> None:
    one, other = await backend.open(), await backend.open()
    sinks = [RecordingSink(), RecordingSink()]
    await one.start(sinks[0])
    await other.start(sinks[1])
    assert one.listening
    assert other.listening

    await one.publish("user:anna")
    await other.publish("user:ruben:with:colons")

    await eventually(lambda: all(len(sink.topics) == 2 for sink in sinks))
    for sink in sinks:
        assert sink.topics == ["user:anna", "user:ruben:with:colons"]


async def test_a_published_star_drops_every_cache(backend: Backend) -> None:
    state = await backend.open()
    sink = RecordingSink()
    await state.start(sink)
    drops_before = sink.drops

    await state.publish(ALL_TOPIC)

    await eventually(lambda: sink.drops == drops_before + 1)
    assert sink.topics == []


async def test_a_failing_sink_does_not_silence_the_others(backend: Backend) -> None:
    class BrokenSink(RecordingSink):
        def invalidate(self, topic: str) -> None:
            raise RuntimeError("broken cache")

    state = await backend.open()
    sink = RecordingSink()
    await state.start(BrokenSink())
    await state.start(sink)

    await state.publish("user:anna")
    await state.publish("user:bram")

    await eventually(lambda: sink.topics == ["user:anna", "user:bram"])
    assert state.listening


async def test_ping_answers_when_the_state_is_reachable(backend: Backend) -> None:
    state = await backend.open()

    await state.ping()
