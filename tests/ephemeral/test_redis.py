"""What only the Redis implementation has to show: the wire, the keys, the outages."""

from __future__ import annotations

import asyncio
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

import anyio
import pytest
from redis.asyncio import Connection, ConnectionPool, Redis
from redis.crc import key_slot

from nextens_guard.attempts import Verdict
from nextens_guard.ephemeral import redis as redis_module
from nextens_guard.ephemeral.base import LAST_STEP_TTL_SECONDS, Purpose
from nextens_guard.ephemeral.redis import RedisEphemeral
from nextens_guard.errors import GuardError, ServiceUnavailable

from .harness import LIMITS, RecordingSink, RedisBackend, eventually, limits

pytestmark = pytest.mark.anyio

CODE = Purpose.CODE
HOME = "192.0.2.10"
STEP = 58_000_000


def _command_name(packed: bytes | str | Iterable[bytes]) -> str:
    if isinstance(packed, str):
        packed = packed.encode()
    wire = packed if isinstance(packed, bytes) else b"".join(packed)
    # RESP: "*<argc>\r\n$<len>\r\n<name>\r\n..."; a pipeline would show up as one send.
    return wire.split(b"\r\n")[2].decode().upper()


async def test_settle_is_one_round_trip(redis_backend: RedisBackend, redis_url: str) -> None:
    sent: list[str] = []

    class CountingConnection(Connection):
        """Notes every write to the socket; a round trip starts with exactly one."""

        async def send_packed_command(
            self, command: bytes | str | Iterable[bytes], check_health: bool = True
        ) -> None:
            sent.append(_command_name(command))
            await super().send_packed_command(command, check_health)

    pool = ConnectionPool.from_url(redis_url, connection_class=CountingConnection)
    state = redis_backend.adopt(
        RedisEphemeral(
            Redis.from_pool(pool), limits(max_failures=2), key_prefix=redis_backend.key_prefix
        )
    )
    # The first call connects, and loads the script if this server has not seen it yet.
    await state.retry_after(CODE, "warm-up", HOME)
    sent.clear()

    results = [
        await state.settle(CODE, "anna", HOME, correct=True, step=STEP),
        await state.settle(CODE, "anna", HOME, correct=True, step=STEP),
        await state.settle(CODE, "anna", HOME, correct=False, burn=STEP + 1),
        await state.settle(CODE, "anna", HOME, correct=False),
    ]
    assert [r.verdict for r in results] == [
        Verdict.ACCEPTED,
        Verdict.REPLAYED,
        Verdict.REJECTED,
        Verdict.LOCKED,
    ]
    assert sent == ["EVALSHA"] * 4

    sent.clear()
    assert await state.retry_after(CODE, "anna", HOME) > 0
    assert sent == ["EVALSHA"]

    sent.clear()
    await state.clear("anna", [CODE, Purpose.RESET_CODE])
    assert sent == ["DEL"]


async def test_redis_down_is_reported_as_service_unavailable() -> None:
    # Port 1 is closed on any test machine: the connection is refused at once.
    state = RedisEphemeral.from_url(
        "redis://:hunter2-secret@127.0.0.1:1/0", LIMITS, key_prefix="ngtest:down"
    )
    operations: dict[str, Callable[[], Awaitable[object]]] = {
        "ping": state.ping,
        "retry_after": lambda: state.retry_after(CODE, "anna", HOME),
        "settle": lambda: state.settle(CODE, "anna", HOME, correct=True, step=STEP),
        "clear": lambda: state.clear("anna", list(Purpose)),
        "publish": lambda: state.publish("user:anna"),
    }
    try:
        for name, operation in operations.items():
            with pytest.raises(ServiceUnavailable) as caught:
                await operation()
            assert str(caught.value) == f"redis {name} failed"
            assert "hunter2" not in "".join(traceback.format_exception(caught.value))
    finally:
        await state.close()


class RedisProxy:
    """A TCP hop in front of the real Redis that a test can cut and restore."""

    def __init__(self, redis_url: str) -> None:
        target = urlsplit(redis_url)
        self._target = (target.hostname or "127.0.0.1", target.port or 6379)
        self._url = target
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Future[None]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.port = 0

    @property
    def url(self) -> str:
        userinfo = self._url.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@127.0.0.1:{self.port}" if userinfo else f"127.0.0.1:{self.port}"
        return urlunsplit(self._url._replace(netloc=netloc))

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def freeze(self) -> None:
        """Keep every connection open but pass nothing on: a peer that went silent."""
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    async def cut(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in list(self._writers):
            writer.close()
        await server.wait_closed()
        await asyncio.gather(*self._handlers)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Never raises and is never cancelled: asyncio would report either as an error.
        handled = asyncio.get_running_loop().create_future()
        self._handlers.add(handled)
        writers = [writer]
        self._writers.add(writer)
        try:
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
            except OSError:
                return
            writers.append(upstream_writer)
            self._writers.add(upstream_writer)
            await asyncio.gather(
                self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
            )
        finally:
            for each in writers:
                each.close()
                self._writers.discard(each)
            handled.set_result(None)
            self._handlers.discard(handled)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            # Closing one direction ends the other, so a cut on either side ends both.
            writer.close()


async def test_the_listener_follows_redis_going_away_and_coming_back(
    redis_backend: RedisBackend, redis_url: str
) -> None:
    proxy = RedisProxy(redis_url)
    await proxy.open()
    await proxy.cut()
    state = redis_backend.adopt(
        RedisEphemeral.from_url(proxy.url, LIMITS, key_prefix=redis_backend.key_prefix)
    )
    sink = RecordingSink()
    publisher = await redis_backend.open()
    try:
        # Started while Redis is unreachable: not listening, and nothing cached is trusted.
        await state.start(sink)
        assert not state.listening
        assert sink.drops >= 1

        await proxy.open()
        await eventually(lambda: state.listening)
        drops = sink.drops
        await publisher.publish("user:anna")
        await eventually(lambda: sink.topics == ["user:anna"])

        await proxy.cut()
        await eventually(lambda: not state.listening)
        # Whatever was published meanwhile is lost: every cache is dropped, now and again
        # once the subscription is back.
        assert sink.drops > drops
        await publisher.publish("user:lost")

        drops = sink.drops
        await proxy.open()
        await eventually(lambda: state.listening)
        assert sink.drops > drops
        await publisher.publish("user:bram")
        await eventually(lambda: sink.topics == ["user:anna", "user:bram"])
    finally:
        await state.close()
        await proxy.cut()


async def test_a_subscription_that_goes_silent_is_given_up_and_reopened(
    redis_backend: RedisBackend, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real waits are seconds; the behaviour is the same at a tenth of the scale.
    monkeypatch.setattr(redis_module, "_POLL_SECONDS", 0.05)
    monkeypatch.setattr(redis_module, "_IDLE_PING_SECONDS", 0.2)
    monkeypatch.setattr(redis_module, "_PONG_TIMEOUT_SECONDS", 0.3)
    proxy = RedisProxy(redis_url)
    await proxy.open()
    state = redis_backend.adopt(
        RedisEphemeral.from_url(
            f"{proxy.url}?socket_timeout=0.5", LIMITS, key_prefix=redis_backend.key_prefix
        )
    )
    sink = RecordingSink()
    try:
        await state.start(sink)
        assert state.listening
        await anyio.sleep(0.6)
        # Idle but answering its pings: still trusted.
        assert state.listening
        assert sink.drops == 1

        proxy.freeze()
        await eventually(lambda: not state.listening)
        assert sink.drops == 2

        proxy.thaw()
        await eventually(lambda: state.listening)
        assert sink.drops >= 3
    finally:
        proxy.thaw()
        await state.close()
        await proxy.cut()


async def test_a_quietly_reconnected_subscription_still_drops_every_cache(
    redis_backend: RedisBackend, redis_url: str
) -> None:
    name = f"ngtest-{uuid.uuid4().hex[:12]}"
    state = redis_backend.adopt(
        RedisEphemeral(
            Redis.from_url(redis_url, client_name=name),
            LIMITS,
            key_prefix=redis_backend.key_prefix,
        )
    )
    sink = RecordingSink()
    await state.start(sink)
    assert state.listening
    assert sink.drops == 1

    async with Redis.from_url(redis_url) as admin:
        ours = [c["id"] for c in await admin.client_list(_type="pubsub") if c["name"] == name]
        assert len(ours) == 1
        await admin.client_kill_filter(_id=ours[0])

    # The driver reconnects by itself; the listener must still notice the gap.
    await eventually(lambda: sink.drops >= 2 and state.listening)
    publisher = await redis_backend.open()
    await publisher.publish("user:anna")
    await eventually(lambda: sink.topics == ["user:anna"])


async def test_close_stops_the_listener_at_once(redis_backend: RedisBackend) -> None:
    state = redis_backend.open_redis()
    await state.start(RecordingSink())

    async with asyncio.timeout(1):
        await state.close()
    await state.close()

    assert not state.listening


async def test_an_app_that_kept_its_event_loop_busy_for_seconds_still_shuts_down(
    redis_backend: RedisBackend,
) -> None:
    # A busy app leaves the listener's reads timing out late, past its idle ping; a
    # cancellation that lands as such a read expires used to be swallowed by the
    # driver, and shutting down then waited forever.
    state = redis_backend.open_redis()
    await state.start(RecordingSink())
    busy_until = time.monotonic() + 6.5
    while time.monotonic() < busy_until:
        time.sleep(0.1)  # noqa: ASYNC251 - the point is an event loop that is kept busy
        await asyncio.sleep(0)

    async with asyncio.timeout(3):
        await state.close()

    assert not state.listening


async def test_a_users_keys_share_one_cluster_slot_and_hide_the_ids(
    redis_backend: RedisBackend,
) -> None:
    state = await redis_backend.open(limits(max_failures=1))
    user, address = "anna:{evil}:step", "203.0.113.7"

    await state.settle(CODE, user, address, correct=True, step=STEP)
    await state.settle(CODE, user, address, correct=False, burn=STEP + 1)
    await state.settle(Purpose.PASSWORD, user, address, correct=False)

    keys = await redis_backend.keys()
    # step, burn, and a user and an address key for each of the two purposes
    assert len(keys) == 6
    user_keys = [key for key in keys if b":{u:" in key]
    address_keys = [key for key in keys if b":{a:" in key]
    assert len(user_keys) == 4
    assert len(address_keys) == 2
    assert len({key_slot(key) for key in user_keys}) == 1
    assert len({key_slot(key) for key in address_keys}) == 1
    for key in keys:
        assert key.startswith(redis_backend.key_prefix.encode() + b":{")
        assert b"anna" not in key
        assert b"evil" not in key
        assert address.encode() not in key


async def test_a_key_prefix_with_braces_is_refused(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        for prefix in ("guard{1}", "{guard", "guard}"):
            with pytest.raises(GuardError):
                RedisEphemeral(client, LIMITS, key_prefix=prefix)
    finally:
        await client.aclose()


async def test_keys_go_away_on_their_own(redis_backend: RedisBackend, redis_url: str) -> None:
    state = await redis_backend.open(
        limits(
            max_failures=2,
            lockout_seconds=100,
            lockout_max_seconds=100,
            failure_memory_seconds=30,
            address_window_seconds=45,
        )
    )

    async with Redis.from_url(redis_url) as admin:

        async def ttls() -> dict[str, int]:
            # "prefix:{u:<user>}:<kind>..." -> kind
            return {
                key.split(b"}:", 1)[1].split(b":")[0].decode(): await admin.ttl(key)
                for key in await redis_backend.keys()
            }

        await state.settle(CODE, "anna", HOME, correct=True, step=STEP)
        await state.settle(CODE, "anna", HOME, correct=False, burn=STEP + 1)
        first = await ttls()
        await state.settle(CODE, "anna", HOME, correct=False)
        locked = await ttls()

    assert first.keys() == {"step", "burn", "fail", "addr"}
    assert LAST_STEP_TTL_SECONDS - 2 <= first["step"] <= LAST_STEP_TTL_SECONDS
    assert LAST_STEP_TTL_SECONDS - 2 <= first["burn"] <= LAST_STEP_TTL_SECONDS
    assert 28 <= first["fail"] <= 30
    assert 43 <= first["addr"] <= 45
    # A lockout longer than the failure memory keeps the failures until it ends; the
    # address window is fixed and does not move.
    assert 98 <= locked["fail"] <= 100
    assert locked["addr"] <= first["addr"]


async def test_an_empty_key_prefix_is_refused(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        with pytest.raises(GuardError):
            RedisEphemeral(client, LIMITS, key_prefix="")
    finally:
        await client.aclose()
