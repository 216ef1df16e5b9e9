"""The Redis URLs the guard reads: one server, a cluster, a Sentinel service; and what a
wrong or unreachable one gets (a clear error at start, 503 later; never a password)."""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable

import pytest

from nextens_guard.attempts import Verdict
from nextens_guard.ephemeral.base import Purpose
from nextens_guard.ephemeral.redis import RedisEphemeral
from nextens_guard.errors import GuardError, ServiceUnavailable
from tests.ephemeral.harness import LIMITS, RecordingSink, RedisBackend, eventually
from tests.faults.harness import closed_port

from .servers import LocalCluster, LocalSentinel

pytestmark = pytest.mark.anyio

CODE = Purpose.CODE
HOME = "192.0.2.10"
STEP = 58_000_000
SECRET = "hunter2-secret"


@pytest.mark.parametrize(
    "url",
    [
        f"redis+cluster://:{SECRET}@127.0.0.1:7000/3",
        f"redis+cluster://:{SECRET}@127.0.0.1",
        f"redis+sentinel://:{SECRET}@127.0.0.1:26379",
        f"redis+sentinel://:{SECRET}@127.0.0.1:26379/service/zero",
        f"memcached://:{SECRET}@127.0.0.1:11211",
    ],
)
def test_a_redis_url_the_guard_cannot_read_is_refused_at_start_without_its_password(
    url: str,
) -> None:
    with pytest.raises(GuardError) as caught:
        RedisEphemeral.from_url(url, LIMITS, key_prefix="ngtest:urls")

    assert SECRET not in "".join(traceback.format_exception(caught.value))


async def assert_fails_closed(state: RedisEphemeral) -> None:
    operations: dict[str, Callable[[], Awaitable[object]]] = {
        "ping": state.ping,
        "retry_after": lambda: state.retry_after(CODE, "anna", HOME),
        "settle": lambda: state.settle(CODE, "anna", HOME, correct=True, step=STEP),
        "clear": lambda: state.clear("anna", list(Purpose)),
        "publish": lambda: state.publish("user:anna"),
    }
    for name, operation in operations.items():
        with pytest.raises(ServiceUnavailable) as caught:
            await operation()
        assert str(caught.value) == f"redis {name} failed"
        assert SECRET not in "".join(traceback.format_exception(caught.value))


async def test_a_cluster_that_does_not_answer_fails_closed() -> None:
    url = f"redis+cluster://:{SECRET}@127.0.0.1:{closed_port()},127.0.0.1:{closed_port()}"
    state = RedisEphemeral.from_url(url, LIMITS, key_prefix="ngtest:down")
    try:
        await assert_fails_closed(state)
        await state.start(RecordingSink())
        assert not state.listening
    finally:
        await state.close()


async def test_a_sentinel_that_does_not_answer_fails_closed() -> None:
    url = f"redis+sentinel://:{SECRET}@127.0.0.1:{closed_port()}/guardmaster"
    state = RedisEphemeral.from_url(url, LIMITS, key_prefix="ngtest:down")
    try:
        await assert_fails_closed(state)
    finally:
        await state.close()


async def test_a_sentinel_service_nobody_watches_fails_closed(sentinel: LocalSentinel) -> None:
    url = sentinel.url().replace(f"/{sentinel.service}/", "/nobody-watches-this/")
    state = RedisEphemeral.from_url(url, LIMITS, key_prefix="ngtest:down")
    try:
        await assert_fails_closed(state)
    finally:
        await state.close()


async def test_the_next_sentinel_is_asked_when_the_first_does_not_answer(
    sentinel: LocalSentinel, run_id: str
) -> None:
    backend = RedisBackend(sentinel.url(hosts=[closed_port(), sentinel.sentinel.port]), run_id)
    try:
        state = await backend.open()
        sink = RecordingSink()
        await state.start(sink)
        assert (await state.settle(CODE, "anna", HOME, correct=True, step=STEP)).accepted
        await state.publish("user:anna")
        await eventually(lambda: sink.topics == ["user:anna"])
    finally:
        await backend.aclose()


async def test_a_sentinel_url_reaches_the_database_it_names(
    sentinel: LocalSentinel, run_id: str
) -> None:
    backend = RedisBackend(sentinel.url(db=3), run_id)
    try:
        state = await backend.open()
        await state.settle(CODE, "anna", HOME, correct=False)
        with sentinel.master.client() as db0:
            assert not list(db0.scan_iter(match=backend.key_pattern))
        assert await backend.keys()
    finally:
        await backend.aclose()


async def test_a_cluster_url_may_list_any_one_node(cluster: LocalCluster, run_id: str) -> None:
    # The client learns every other node, and who holds which slot, from the one it asks.
    backend = RedisBackend(f"redis+cluster://127.0.0.1:{cluster.nodes[-1].port}", run_id)
    try:
        state = await backend.open()
        for user in ("anna", "bram", "uma", "victor"):
            assert (await state.settle(CODE, user, HOME, correct=True, step=STEP)).accepted
            replayed = await state.settle(CODE, user, HOME, correct=True, step=STEP)
            assert replayed.verdict is Verdict.REPLAYED
    finally:
        await backend.aclose()
