"""What a Redis Cluster adds: keys spread by user, one slot per script, one round trip,
and invalidation that reaches every process whichever node it is heard on."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
import redis
from redis.asyncio import Connection, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster

from nextens_guard.attempts import Verdict
from nextens_guard.ephemeral.base import Purpose
from nextens_guard.ephemeral.redis import RedisEphemeral
from tests.ephemeral.harness import LIMITS, RecordingSink, RedisBackend, eventually, limits

from .servers import LocalCluster

pytestmark = pytest.mark.anyio

CODE = Purpose.CODE
HOME = "192.0.2.10"
STEP = 58_000_000
DEMO_USERS = ["anna", "bram", "uma", "victor", "ruben", "rosa"]
_TAG = re.compile(rb"\{([^}]*)\}")


def tag_of(key: bytes) -> bytes:
    match = _TAG.search(key)
    assert match, key
    return match.group(1)


@pytest.fixture
async def on_cluster(cluster: LocalCluster, run_id: str) -> AsyncIterator[RedisBackend]:
    chosen = RedisBackend(cluster.url, run_id)
    try:
        yield chosen
    finally:
        await chosen.aclose()


async def test_a_users_keys_share_one_slot_and_users_spread_over_the_nodes(
    cluster: LocalCluster, on_cluster: RedisBackend
) -> None:
    state = await on_cluster.open(limits(max_failures=100))
    for user in DEMO_USERS:
        assert (await state.settle(CODE, user, HOME, correct=True, step=STEP)).accepted
        await state.settle(CODE, user, HOME, correct=False, burn=STEP + 1)
        await state.settle(Purpose.PASSWORD, user, HOME, correct=False)

    slots: dict[bytes, set[int]] = defaultdict(set)
    for key in await on_cluster.keys():
        slots[tag_of(key)].add(cluster.slot_of(key))

    users = {tag: found for tag, found in slots.items() if tag.startswith(b"u:")}
    addresses = {tag: found for tag, found in slots.items() if tag.startswith(b"a:")}
    assert len(users) == len(DEMO_USERS)
    assert len(addresses) == 1
    # Each script's keys sit in one slot, so the server runs it atomically.
    assert all(len(found) == 1 for found in slots.values())
    user_slots = {next(iter(found)) for found in users.values()}
    assert len(user_slots) == len(DEMO_USERS)
    assert len({cluster.node_of(slot) for slot in user_slots}) > 1


async def test_a_spray_over_many_users_reaches_every_node(
    cluster: LocalCluster, on_cluster: RedisBackend
) -> None:
    state = await on_cluster.open()
    for n in range(60):
        await state.settle(CODE, f"user{n}", f"198.51.100.{n}", correct=False)

    nodes = {cluster.node_of(cluster.slot_of(key)) for key in await on_cluster.keys()}

    assert nodes == {node.port for node in cluster.nodes}


# Every command sent and every answer read, in order, across the whole cluster.
WIRE: list[tuple[str, str]] = []


class _WatchedConnection(Connection):
    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        wire = command.encode() if isinstance(command, str) else command
        packed = wire if isinstance(wire, bytes) else b"".join(wire)
        WIRE.append(("send", packed.split(b"\r\n")[2].decode().upper()))
        await super().send_packed_command(command, check_health)

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        answer = await super().read_response(*args, **kwargs)
        WIRE.append(("read", ""))
        return answer


def watched_cluster(cluster: LocalCluster) -> RedisCluster:
    client = RedisCluster(
        startup_nodes=[
            ClusterNode("127.0.0.1", node.port, connection_class=_WatchedConnection)
            for node in cluster.nodes
        ]
    )
    # The nodes the client discovers are made with these options.
    client.nodes_manager.connection_kwargs["connection_class"] = _WatchedConnection
    return client


def round_trips(events: list[tuple[str, str]]) -> int:
    """How many times the client waited for an answer before it could send again."""
    trips, waiting = 0, False
    for kind, _ in events:
        if kind == "send" and not waiting:
            trips += 1
            waiting = True
        elif kind == "read":
            waiting = False
    return trips


async def test_a_right_code_is_one_round_trip_and_a_wrong_one_too(
    cluster: LocalCluster, on_cluster: RedisBackend
) -> None:
    state = on_cluster.adopt(
        RedisEphemeral(watched_cluster(cluster), LIMITS, key_prefix=on_cluster.key_prefix)
    )
    # The first call learns the cluster's slots, loads the scripts where needed and
    # opens a connection to each node it needs; later calls reuse them.
    await state.settle(CODE, "anna", HOME, correct=False)

    def sent() -> list[str]:
        return [name for kind, name in WIRE if kind == "send"]

    WIRE.clear()
    assert (await state.settle(CODE, "anna", HOME, correct=True, step=STEP)).accepted
    assert sent() == ["EVALSHA"]
    assert round_trips(WIRE) == 1

    # A wrong code is counted for the user and for the address: two slots, so two
    # scripts, both sent before either answer is awaited.
    WIRE.clear()
    assert (await state.settle(CODE, "anna", HOME, correct=False)).verdict is Verdict.REJECTED
    assert sent() == ["EVALSHA", "EVALSHA"]
    assert round_trips(WIRE) == 1

    WIRE.clear()
    assert await state.retry_after(CODE, "anna", HOME) == 0
    assert sent() == ["EVALSHA"]

    WIRE.clear()
    await state.clear("anna", list(Purpose))
    assert sent() == ["DEL"]


async def test_a_burst_larger_than_the_connections_of_a_node_waits_its_turn(
    cluster: LocalCluster, on_cluster: RedisBackend
) -> None:
    # One user's keys sit on one node: 60 attempts at once against 4 connections there
    # queue, as they do on one server, instead of failing with a 503.
    small = RedisCluster(
        startup_nodes=[ClusterNode("127.0.0.1", node.port) for node in cluster.nodes],
        max_connections=4,
    )
    state = on_cluster.adopt(RedisEphemeral(small, LIMITS, key_prefix=on_cluster.key_prefix))

    attempts = await asyncio.gather(
        *(state.settle(CODE, "anna", HOME, correct=False) for _ in range(60))
    )

    verdicts = [attempt.verdict for attempt in attempts]
    assert verdicts.count(Verdict.REJECTED) == LIMITS.max_failures
    assert verdicts.count(Verdict.LOCKED) == 60 - LIMITS.max_failures


async def test_a_reset_published_on_any_node_reaches_a_listener(
    cluster: LocalCluster, on_cluster: RedisBackend
) -> None:
    state = await on_cluster.open()
    sink = RecordingSink()
    await state.start(sink)
    assert state.listening

    # A classic PUBLISH goes over the cluster bus to the subscribers on every node.
    for node in cluster.nodes:
        async with Redis(host="127.0.0.1", port=node.port) as client:
            await client.publish(f"{on_cluster.key_prefix}:invalidate", f"user:{node.port}")
    await eventually(lambda: len(sink.topics) == len(cluster.nodes))

    assert sorted(sink.topics) == sorted(f"user:{node.port}" for node in cluster.nodes)


async def test_the_listener_moves_to_a_living_node_when_its_node_dies(
    tmp_path: Path, run_id: str
) -> None:
    # A cluster of this test's own: it kills one of its nodes.
    own = LocalCluster(tmp_path)
    backend = RedisBackend(own.url, run_id)
    try:
        own.start()
        state = await backend.open()
        sink = RecordingSink()
        await state.start(sink)
        assert state.listening
        heard_on = [node for node in own.nodes if subscribers(node.port)]
        assert len(heard_on) == 1
        drops = sink.drops

        heard_on[0].stop()
        await eventually(lambda: not state.listening, within=15)
        await eventually(lambda: state.listening, within=15)

        # Whatever was published meanwhile may be lost: every cache was dropped.
        assert sink.drops > drops
        living = next(node for node in own.nodes if node is not heard_on[0])
        async with Redis(host="127.0.0.1", port=living.port) as client:
            await client.publish(f"{backend.key_prefix}:invalidate", "user:anna")
        await eventually(lambda: sink.topics == ["user:anna"])
    finally:
        # The keys go with the cluster.
        await backend.close_opened()
        own.stop()


def subscribers(port: int) -> int:
    with redis.Redis(host="127.0.0.1", port=port) as client:
        return len(client.client_list(_type="pubsub"))
