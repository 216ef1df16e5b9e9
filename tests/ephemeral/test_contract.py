"""What every ephemeral state promises, checked in memory and on Redis alike."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from nextens_guard.attempts import Attempt, Verdict
from nextens_guard.ephemeral.base import ADDRESS_STRIKES, ALL_TOPIC, Ephemeral, Purpose

from .harness import LIMITS, SLACK, Backend, RecordingSink, eventually, limits

pytestmark = pytest.mark.anyio

CODE = Purpose.CODE
HOME = "192.0.2.10"
ELSEWHERE = "198.51.100.20"
STEP = 58_000_000


async def fail(
    state: Ephemeral, user: str = "anna", address: str = HOME, *, burn: int | None = None
) -> Attempt:
    return await state.settle(CODE, user, address, correct=False, burn=burn)


async def succeed(
    state: Ephemeral, user: str = "anna", address: str = HOME, *, step: int | None = None
) -> Attempt:
    return await state.settle(CODE, user, address, correct=True, step=step)


def unlocked(attempts: list[Attempt]) -> int:
    """How many of ``attempts`` in a row, from the first, were refused without a lockout."""
    for n, attempt in enumerate(attempts):
        if attempt.verdict is not Verdict.REJECTED or attempt.retry_after:
            return n
    return len(attempts)


# Codes and steps


async def test_a_code_is_accepted_once_per_user(backend: Backend) -> None:
    state = await backend.open()

    assert await succeed(state, step=STEP) == Attempt(Verdict.ACCEPTED)
    assert await succeed(state, step=STEP) == Attempt(Verdict.REPLAYED, remaining=9, failures=1)
    assert await succeed(state, "bram", step=STEP) == Attempt(Verdict.ACCEPTED)


async def test_an_older_step_is_refused_after_a_newer_one(backend: Backend) -> None:
    state = await backend.open()

    assert (await succeed(state, step=STEP + 1)).verdict is Verdict.ACCEPTED
    assert (await succeed(state, step=STEP)).verdict is Verdict.REPLAYED
    assert (await succeed(state, step=STEP + 2)).verdict is Verdict.ACCEPTED


async def test_a_used_step_is_used_for_every_purpose(backend: Backend) -> None:
    state = await backend.open()

    assert (await succeed(state, step=STEP)).accepted
    again = await state.settle(Purpose.RESET_CODE, "anna", HOME, correct=True, step=STEP)

    assert again.verdict is Verdict.REPLAYED


async def test_a_right_answer_without_a_step_is_accepted_every_time(backend: Backend) -> None:
    state = await backend.open()

    for _ in range(3):
        result = await state.settle(Purpose.PASSWORD, "anna", HOME, correct=True)
        assert result == Attempt(Verdict.ACCEPTED)
    assert (await succeed(state, step=STEP)).accepted


async def test_a_replayed_code_counts_as_a_failure(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3))
    assert (await succeed(state, step=STEP)).accepted

    replays = [await succeed(state, step=STEP) for _ in range(3)]

    assert [r.verdict for r in replays] == [Verdict.REPLAYED] * 3
    assert [r.retry_after for r in replays] == [0, 0, 1]
    assert (await succeed(state, step=STEP + 1)).verdict is Verdict.LOCKED


async def test_a_guessed_future_code_is_never_accepted_when_its_time_comes(
    backend: Backend,
) -> None:
    state = await backend.open()

    # A wrong code that matched a later step: the clock-drift hint says so.
    assert await fail(state, burn=STEP) == Attempt(Verdict.REJECTED, remaining=9, failures=1)

    assert (await succeed(state, step=STEP)).verdict is Verdict.REPLAYED
    again = await state.settle(Purpose.RESET_CODE, "anna", HOME, correct=True, step=STEP)
    assert again.verdict is Verdict.REPLAYED
    assert (await succeed(state, step=STEP + 1)).verdict is Verdict.ACCEPTED
    # Burned for anna alone.
    assert (await succeed(state, "bram", step=STEP)).accepted


async def test_every_burned_step_is_remembered(backend: Backend) -> None:
    state = await backend.open()
    await fail(state, burn=STEP + 1)
    await fail(state, burn=STEP + 2)

    assert (await succeed(state, step=STEP)).accepted
    assert (await succeed(state, step=STEP + 1)).verdict is Verdict.REPLAYED
    assert (await succeed(state, step=STEP + 2)).verdict is Verdict.REPLAYED
    assert (await succeed(state, step=STEP + 3)).accepted


async def test_a_burned_code_counts_as_a_failure(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=2))

    assert (await fail(state, burn=STEP)).retry_after == 0
    replayed = await succeed(state, step=STEP)

    assert replayed == Attempt(Verdict.REPLAYED, retry_after=1, remaining=0, failures=2)
    assert (await succeed(state, step=STEP + 1)).verdict is Verdict.LOCKED


async def test_a_right_code_burns_nothing(backend: Backend) -> None:
    state = await backend.open()

    assert (await state.settle(CODE, "anna", HOME, correct=True, step=STEP, burn=STEP + 1)).accepted

    assert (await succeed(state, step=STEP + 1)).accepted


async def test_an_attempt_refused_as_locked_burns_nothing(backend: Backend) -> None:
    # Held back by her busy address at home, anna is free to try from elsewhere.
    state = await backend.open(limits(address_max_failures=ADDRESS_STRIKES))
    for _ in range(ADDRESS_STRIKES):
        await fail(state)

    assert (await fail(state, burn=STEP)).verdict is Verdict.LOCKED

    assert (await succeed(state, address=ELSEWHERE, step=STEP)).accepted


async def test_fifty_parallel_submissions_of_one_code_succeed_once(backend: Backend) -> None:
    state = await backend.open()

    results = await asyncio.gather(*(succeed(state, step=STEP) for _ in range(50)))

    # The first to arrive wins; every later one is a replay, until replays lock the user.
    assert Counter(r.verdict for r in results) == {
        Verdict.ACCEPTED: 1,
        Verdict.REPLAYED: LIMITS.max_failures,
        Verdict.LOCKED: 50 - 1 - LIMITS.max_failures,
    }


# Users


async def test_ten_wrong_codes_lock_the_user_out(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=10, lockout_seconds=60, lockout_max_seconds=60))

    first_nine = [await fail(state) for _ in range(9)]
    tenth = await fail(state)

    assert first_nine == [
        Attempt(Verdict.REJECTED, remaining=10 - n, failures=n) for n in range(1, 10)
    ]
    assert tenth == Attempt(Verdict.REJECTED, retry_after=60, remaining=0, failures=10)
    assert await state.retry_after(CODE, "anna", HOME) == 60
    assert await state.retry_after(CODE, "anna", ELSEWHERE) == 60


async def test_a_locked_out_user_is_refused_even_the_right_code(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3))
    for _ in range(3):
        await fail(state)

    result = await succeed(state, step=STEP)

    assert result == Attempt(Verdict.LOCKED, retry_after=1)


async def test_attempts_while_locked_out_are_not_counted(backend: Backend) -> None:
    # anna's failures and bram's strikes together stay one short of the address limit.
    max_failures = ADDRESS_STRIKES + 1
    state = await backend.open(
        limits(max_failures=max_failures, address_max_failures=max_failures + ADDRESS_STRIKES + 1)
    )
    for _ in range(max_failures):
        await fail(state)

    while_locked = [await fail(state) for _ in range(20)]

    assert {r.verdict for r in while_locked} == {Verdict.LOCKED}
    # Had those counted, the address would be over its limit and bram held back by it.
    strikes = [await fail(state, "bram") for _ in range(ADDRESS_STRIKES)]
    assert unlocked(strikes) == ADDRESS_STRIKES
    assert (await succeed(state, "bram")).accepted


async def test_the_lockout_ends_after_its_wait(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=2, lockout_seconds=1))
    await fail(state)
    assert (await fail(state)).retry_after == 1
    assert (await succeed(state, step=STEP)).verdict is Verdict.LOCKED

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
    assert fourth == Attempt(Verdict.REJECTED, retry_after=2, remaining=0, failures=4)
    assert await state.retry_after(CODE, "anna", HOME) == 2
    assert (await succeed(state, step=STEP)).verdict is Verdict.LOCKED


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


async def lock_out_every_purpose(state: Ephemeral, user: str = "anna") -> None:
    """Use ``STEP``, burn ``STEP + 1`` and fail three times for every purpose."""
    assert (await succeed(state, user, step=STEP)).accepted
    assert (await fail(state, user, burn=STEP + 1)).verdict is Verdict.REJECTED
    for purpose in Purpose:
        for _ in range(3):
            await state.settle(purpose, user, HOME, correct=False)
        assert await state.retry_after(purpose, user, HOME) > 0


async def test_clear_forgets_failures_lockouts_used_and_burned_steps(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3, lockout_seconds=60, lockout_max_seconds=60))
    await lock_out_every_purpose(state)
    await fail(state, "bram")

    await state.clear("anna", list(Purpose))

    for purpose in Purpose:
        assert await state.retry_after(purpose, "anna", HOME) == 0
    assert (await succeed(state, step=STEP)).accepted
    assert (await succeed(state, step=STEP + 1)).accepted
    # Other users keep what they had: one failure, two to go.
    assert (await fail(state, "bram")).retry_after == 0
    assert (await fail(state, "bram")).retry_after == 60


async def test_clearing_the_code_counters_keeps_the_password_lockout(backend: Backend) -> None:
    # An admin reset: the new secret starts clean, but a stolen session that asked for it
    # must not also win back its guesses at the password.
    state = await backend.open(limits(max_failures=3, lockout_seconds=60, lockout_max_seconds=60))
    await lock_out_every_purpose(state)

    await state.clear("anna", {Purpose.CODE, Purpose.RESET_CODE})

    assert await state.retry_after(Purpose.CODE, "anna", HOME) == 0
    assert await state.retry_after(Purpose.RESET_CODE, "anna", HOME) == 0
    assert await state.retry_after(Purpose.PASSWORD, "anna", HOME) == 60
    password = await state.settle(Purpose.PASSWORD, "anna", HOME, correct=True)
    assert password == Attempt(Verdict.LOCKED, retry_after=60)
    # Used and burned steps belong to the old secret: forgotten either way.
    assert (await succeed(state, step=STEP)).accepted
    assert (await succeed(state, step=STEP + 1)).accepted


# Addresses


async def test_an_address_over_its_limit_holds_back_only_users_with_strikes(
    backend: Backend,
) -> None:
    state = await backend.open(
        limits(max_failures=100, address_max_failures=5, address_window_seconds=60)
    )

    # A spray: one failure each for five users takes the address to its limit.
    sprayed = [await fail(state, f"user{n}") for n in range(5)]

    assert unlocked(sprayed) == 5
    assert await state.retry_after(CODE, "user0", HOME) == 0
    assert (await succeed(state, "newcomer")).accepted
    # Whoever keeps failing there is held back until the address window ends.
    strikes = [await fail(state, "guesser") for _ in range(ADDRESS_STRIKES)]
    assert unlocked(strikes[:-1]) == (ADDRESS_STRIKES - 1)
    assert strikes[-1].verdict is Verdict.REJECTED
    assert 58 <= strikes[-1].retry_after <= 60
    refused = await succeed(state, "guesser")
    assert refused.verdict is Verdict.LOCKED
    assert 58 <= refused.retry_after <= 60
    assert 58 <= await state.retry_after(CODE, "guesser", HOME) <= 60
    # Only from that address, and only for that purpose.
    assert await state.retry_after(Purpose.PASSWORD, "guesser", HOME) == 0
    assert await state.retry_after(CODE, "guesser", ELSEWHERE) == 0
    assert (await succeed(state, "guesser", ELSEWHERE)).accepted


async def test_one_persons_failures_never_lock_out_colleagues_at_the_same_address(
    backend: Backend,
) -> None:
    rounds, mistakes = 3, 9
    state = await backend.open(
        limits(max_failures=10, address_max_failures=rounds * mistakes, address_window_seconds=60)
    )

    # anna mistypes nine times and then gets it right, again and again: never locked out
    # by her own count, she takes the office's address over its limit.
    for n in range(rounds):
        results = [await fail(state, "anna") for _ in range(mistakes)]
        if n < rounds - 1:
            assert unlocked(results) == mistakes
            assert (await succeed(state, "anna", step=STEP + n)).accepted
    assert unlocked(results[:-1]) == (mistakes - 1)
    assert 58 <= results[-1].retry_after <= 60
    assert (await succeed(state, "anna", step=STEP + rounds)).verdict is Verdict.LOCKED

    # Her colleague, with no failures of his own, is let in.
    assert await state.retry_after(CODE, "bram", HOME) == 0
    assert await succeed(state, "bram", step=STEP) == Attempt(Verdict.ACCEPTED)
    # Until he too fails often enough: then the address limit holds him back.
    strikes = [await fail(state, "bram") for _ in range(ADDRESS_STRIKES)]
    assert unlocked(strikes[:-1]) == (ADDRESS_STRIKES - 1)
    assert 58 <= strikes[-1].retry_after <= 60
    refused = await succeed(state, "bram", step=STEP + 1)
    assert refused.verdict is Verdict.LOCKED
    assert 58 <= refused.retry_after <= 60
    assert (await succeed(state, "carla", step=STEP)).accepted


async def test_strikes_are_counted_per_purpose(backend: Backend) -> None:
    state = await backend.open(limits(address_max_failures=ADDRESS_STRIKES))
    for _ in range(ADDRESS_STRIKES):
        await state.settle(Purpose.PASSWORD, "anna", HOME, correct=False)
    for n in range(ADDRESS_STRIKES):
        await fail(state, f"user{n}")

    # The code address is over its limit and anna has strikes, but for her password.
    assert await state.retry_after(CODE, "anna", HOME) == 0
    assert (await succeed(state, step=STEP)).accepted
    assert await state.retry_after(Purpose.PASSWORD, "anna", HOME) > 0


async def test_an_address_lock_ends_with_its_window(backend: Backend) -> None:
    state = await backend.open(
        limits(address_max_failures=ADDRESS_STRIKES + 1, address_window_seconds=1)
    )
    await fail(state, "anna")
    await backend.wait(0.6)
    # The window opened with anna's failure; bram's do not move its end.
    strikes = [await fail(state, "bram") for _ in range(ADDRESS_STRIKES)]
    assert [r.retry_after for r in strikes] == [0] * (ADDRESS_STRIKES - 1) + [1]
    assert (await succeed(state, "bram")).verdict is Verdict.LOCKED

    await backend.wait(0.4 + SLACK)

    assert await state.retry_after(CODE, "bram", HOME) == 0
    # A new window: bram's strikes alone do not hold him back.
    assert (await fail(state, "bram")).retry_after == 0
    assert (await succeed(state, "bram")).accepted


async def test_a_success_does_not_reopen_a_busy_address(backend: Backend) -> None:
    state = await backend.open(limits(address_max_failures=ADDRESS_STRIKES + 1))
    await fail(state, "anna")
    await fail(state, "anna")

    assert (await succeed(state, "anna")).accepted

    # anna's failures still count, so bram's strikes take the address over its limit.
    strikes = [await fail(state, "bram") for _ in range(ADDRESS_STRIKES)]
    assert strikes[-1].retry_after > 0


# Concurrency and processes


async def test_parallel_wrong_codes_never_count_past_the_limit(backend: Backend) -> None:
    state = await backend.open()

    results = await asyncio.gather(*(fail(state) for _ in range(200)))

    verdicts = Counter(r.verdict for r in results)
    assert verdicts == {Verdict.REJECTED: LIMITS.max_failures, Verdict.LOCKED: 190}
    assert sum(1 for r in results if r.verdict is Verdict.REJECTED and r.retry_after > 0) == 1


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


async def test_a_published_star_reaches_every_cache_as_a_message_not_a_lost_subscription(
    backend: Backend,
) -> None:
    state = await backend.open()
    sink = RecordingSink()
    await state.start(sink)
    drops_before = sink.drops

    await state.publish(ALL_TOPIC)

    await eventually(lambda: sink.topics == [ALL_TOPIC])
    assert sink.drops == drops_before


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


# The warning before a lockout


async def test_each_failure_says_how_many_attempts_are_left_before_the_lockout(
    backend: Backend,
) -> None:
    state = await backend.open(limits(max_failures=3))

    assert (await fail(state)).remaining == 2
    assert (await succeed(state, step=STEP)).remaining is None
    assert (await fail(state)).remaining == 2
    assert (await fail(state)).remaining == 1
    last = await fail(state)
    assert last.remaining == 0
    assert last.retry_after > 0
    assert (await fail(state)).verdict is Verdict.LOCKED


async def test_a_replayed_code_uses_up_an_attempt_too(backend: Backend) -> None:
    state = await backend.open(limits(max_failures=3))

    assert (await succeed(state, step=STEP)).accepted
    assert (await succeed(state, step=STEP)).remaining == 2


# Ended logins (logouts)


async def test_an_ended_login_is_known_to_every_process(backend: Backend) -> None:
    one, other = await backend.open(), await backend.open()

    await one.end_login("login-of-anna", seconds=60)

    assert "login-of-anna" in (await other.revoked()).logins
    assert "login-of-bram" not in (await other.revoked()).logins


async def test_an_ended_login_reaches_every_listener_at_once(backend: Backend) -> None:
    one, other = await backend.open(), await backend.open()
    sink = RecordingSink()
    await other.start(sink)

    await one.end_login("login-of-anna", seconds=60)

    await eventually(lambda: sink.topics == ["login:login-of-anna"])


async def test_an_ended_login_is_forgotten_after_its_time(backend: Backend) -> None:
    state = await backend.open()
    await state.end_login("short", seconds=1)
    await state.end_login("long", seconds=60)

    await backend.wait(2.5)

    assert list((await state.revoked()).logins) == ["long"]


# Raised floors (resets, recoveries, "log out everywhere", deactivations)


async def test_a_raised_floor_is_known_to_every_process(backend: Backend) -> None:
    one, other = await backend.open(), await backend.open()

    await one.raise_floors({"anna": 3, "bram:with:colons": None}, seconds=60)

    revoked = await other.revoked()
    assert sorted(revoked.floors, key=str) == [("anna", 3), ("bram:with:colons", None)]
    assert revoked.logins == []


async def test_a_raised_floor_reaches_every_listener_at_once(backend: Backend) -> None:
    one, other = await backend.open(), await backend.open()
    sink = RecordingSink()
    await other.start(sink)

    await one.raise_floors({"anna": 3, "bram": 7}, seconds=60)

    await eventually(lambda: sorted(sink.topics) == ["floor:3:anna", "floor:7:bram"])


async def test_a_raised_floor_is_forgotten_after_its_time(backend: Backend) -> None:
    state = await backend.open()
    await state.raise_floors({"short": 1}, seconds=1)
    await state.raise_floors({"long": 2}, seconds=60)
    await state.end_login("a-login", seconds=60)

    await backend.wait(2.5)

    revoked = await state.revoked()
    assert list(revoked.floors) == [("long", 2)]
    assert list(revoked.logins) == ["a-login"]


# The guard's own sessions, for hosts whose login is a token


async def test_a_kept_session_is_read_back_by_every_process(backend: Backend) -> None:
    one, other = await backend.open(), await backend.open()

    await one.save_session("k" * 32, b'{"a":1}', seconds=60)

    assert await other.load_session("k" * 32) == b'{"a":1}'
    assert await other.load_session("x" * 32) is None


async def test_a_kept_session_is_replaced_whole_and_forgotten_after_its_time(
    backend: Backend,
) -> None:
    state = await backend.open()
    await state.save_session("short", b"old", seconds=60)
    await state.save_session("short", b"new", seconds=1)
    await state.save_session("long", b"kept", seconds=60)

    assert await state.load_session("short") == b"new"
    await backend.wait(2.5)

    assert await state.load_session("short") is None
    assert await state.load_session("long") == b"kept"
