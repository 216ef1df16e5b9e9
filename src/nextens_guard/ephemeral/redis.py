"""Ephemeral state shared by every process of the app, in Redis.

Each attempt is settled by a Lua script (``settle.lua``) on the server's clock.
Invalidation goes over pub/sub; a background task holds the subscription and tells the
local cache to drop everything whenever it may have missed a message.

Keys are ``<key_prefix>:{u:<user>}:...`` for a user and ``<key_prefix>:{a:<address>}:...``
for an address. The braces are a Redis Cluster hash tag: every key of one user sits in
one slot, so the user's part of an attempt is one atomic script wherever it runs, while
different users spread over the whole cluster. User ids and addresses enter key names
only as a hash, so no id can reach into another key's name or move a key's slot.

One server (a plain URL, or the master Sentinel names) runs the whole attempt, the
address's counter included, in one script: one EVALSHA, atomic as a whole. On a cluster
the address's counter is shared by many users and so sits in a slot of its own, which no
script can touch together with a user's slot. There the user's script decides and
``address.lua`` counts the address, as in :meth:`RedisEphemeral._settle_across_slots`:

- A right code (the common case: it is accepted) is the user's script alone, one EVALSHA.
- A wrong code sends the user's script and the address's count together: two EVALSHAs
  to two nodes in one round trip. The count is made ahead of the user's verdict, because
  a wrong code is nearly always counted; when the user's script refuses the attempt
  unseen (a lockout), the count is taken back before the answer returns.
- A replayed code, rare, is counted at the address after the user's verdict: two
  round trips.
- The address matters to the user's verdict only once the user has
  :data:`~.base.ADDRESS_STRIKES` failures of their own. The user's script then writes
  nothing and answers ``ask``; it is run again with the address's verdict, one or two
  more round trips for a user who is failing anyway.

Each script is atomic in its own slot, so the user limit, used codes and burned steps
hold under any concurrency, exactly as on one server. What a cluster gives up is only
the atomicity between a user and their address: a failure may reach the address's
count a round trip after the user's, a verdict read from the address may be that much
old, and a count made ahead is seen by others until it is taken back. Parallel
attempts at one address can therefore see each other's counts a moment late or early;
the count itself is never lost (INCR is atomic), one attempt never counts twice, and
the window still ends on time. When a node fails halfway through an attempt, the
request fails closed (503) and the address's count may be one off for that attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
from collections.abc import AsyncIterator, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException, RedisError

from ..attempts import Attempt, Verdict
from ..errors import GuardError, ServiceUnavailable
from .base import (
    ADDRESS_STRIKES,
    LAST_STEP_TTL_SECONDS,
    LOGIN_TOPIC,
    Ephemeral,
    InvalidationSink,
    Limits,
    Purpose,
    Revoked,
    floor_topic,
    revoked_from,
)
from .redis_url import connect

__all__ = ["RedisEphemeral"]

logger = logging.getLogger(__name__)

# A guard that fails closed should say so quickly: a request waits at most this long
# for Redis before the user sees a 503, rather than the driver's default of 5 s.
_SOCKET_TIMEOUT_SECONDS = 2.0
# A burst of logins waits for a free connection instead of failing at once.
_MAX_CONNECTIONS = 100
_POOL_WAIT_SECONDS = 2.0
# One quick retry rides out an idle connection the server has dropped; more retries
# only keep a user waiting for the same 503.
_RETRY = Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.1), retries=1)

# The listener reconnects after this wait, doubling up to the cap.
_RECONNECT_MIN_SECONDS = 0.1
_RECONNECT_MAX_SECONDS = 2.0
# How long the listener waits for a message in one read; it bounds how soon a dead
# subscription is noticed, together with the two values below.
_POLL_SECONDS = 1.0
# How often close() repeats its cancellation of the listener (see close()).
_CLOSE_RETRY_SECONDS = 0.1
# A subscription that has been silent this long is asked for a PING, because a peer
# that vanished without closing the connection never raises an error by itself.
_IDLE_PING_SECONDS = 5.0
_PONG_TIMEOUT_SECONDS = 5.0
# start() waits this long for the first subscription, so an app that starts while
# Redis answers is listening from its first request.
_START_WAIT_SECONDS = 2.0

_HERE = resources.files("nextens_guard.ephemeral")
_SETTLE_LUA = _HERE.joinpath("settle.lua").read_text(encoding="utf-8")
_ADDRESS_LUA = _HERE.joinpath("address.lua").read_text(encoding="utf-8")
_ENDED_LUA = _HERE.joinpath("ended.lua").read_text(encoding="utf-8")
# settle.lua's words for a settled attempt; its 'open' answers only a look, and its
# 'ask' is answered on a cluster before settle() sees it.
_SETTLED = {
    "accepted": Verdict.ACCEPTED,
    "rejected": Verdict.REJECTED,
    "replayed": Verdict.REPLAYED,
    "locked": Verdict.LOCKED,
}


@contextlib.contextmanager
def _unavailable(operation: str) -> Iterator[None]:
    # The driver's message may name hosts; ours names only the part and the operation.
    try:
        yield
    except (RedisError, RedisClusterException, OSError) as exc:
        raise ServiceUnavailable(f"redis {operation} failed") from exc


def _command_slots(client: Redis | RedisCluster) -> asyncio.Semaphore | None:
    """How many commands may be under way at once on a cluster (see ``_connection``).

    Counted over all nodes, so no node can run out, whatever the keys; one connection
    per node is left for the subscription, which takes it from the same pool.
    """
    if not isinstance(client, RedisCluster):
        return None
    per_node = int(client.nodes_manager.connection_kwargs.get("max_connections", 2))
    return asyncio.Semaphore(max(per_node - 1, 1))


def _digest(value: str) -> str:
    # 128 bits: no two ids collide in practice, and keys stay short. surrogatepass lets
    # any Python str through, even one holding a lone surrogate.
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _whole_seconds(ms: int) -> int:
    # As settle.lua rounds: up, so a client that waits this long is never a moment early.
    return max(1, math.ceil(ms / 1000))


@dataclass(frozen=True, slots=True)
class _AddressCount:
    """What address.lua answered (see there)."""

    counted: bool
    hold_before_ms: int
    hold_after_ms: int


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _bytes(value: object) -> bytes:
    # The client is made without decode_responses, but a host may hand in one made with it.
    return value if isinstance(value, bytes) else str(value).encode()


class RedisEphemeral(Ephemeral):
    """Failures, lockouts, used and burned steps and invalidation shared through one Redis.

    ``client`` is one server (or the master Sentinel names) or a :class:`RedisCluster`.
    Owns ``client``: :meth:`close` closes it. Needs Redis 5 or later (scripts that read
    the server's clock and then write are replicated by their effects).
    """

    def __init__(self, client: Redis | RedisCluster, limits: Limits, *, key_prefix: str) -> None:
        if not key_prefix:
            raise GuardError("key_prefix must not be empty")
        if "{" in key_prefix or "}" in key_prefix:
            # A brace in the prefix would make the prefix the hash tag, not the user.
            raise GuardError("key_prefix must not hold braces")
        self._client = client
        self._across_slots = isinstance(client, RedisCluster)
        self._prefix = key_prefix
        self._channel = f"{key_prefix}:invalidate"
        self._settle_script = client.register_script(_SETTLE_LUA)
        self._address_script = client.register_script(_ADDRESS_LUA)
        self._ended_script = client.register_script(_ENDED_LUA)
        self._ended_key = f"{key_prefix}:ended"
        self._address_args = (limits.address_max_failures, limits.address_window_seconds)
        self._max_failures = limits.max_failures
        # ARGV[4] onwards, in the order settle.lua reads them.
        self._fixed_args = (
            limits.max_failures,
            limits.lockout_seconds,
            limits.lockout_max_seconds,
            limits.address_max_failures,
            limits.address_window_seconds,
            limits.failure_memory_seconds,
            LAST_STEP_TTL_SECONDS,
            ADDRESS_STRIKES,
        )
        # Clients that ``client`` depends on (the sentinels), closed with it.
        self._helpers: tuple[Redis, ...] = ()
        # On a cluster, the node the next subscription tries (see _subscription).
        self._next_node = 0
        self._discovered = not self._across_slots
        self._free = _command_slots(client)
        self._discovery = asyncio.Lock()
        self._sinks: list[InvalidationSink] = []
        self._listener: asyncio.Task[None] | None = None
        self._closing = False
        self._listening = False
        self._first_attempt = asyncio.Event()

    @classmethod
    def from_url(cls, url: str, limits: Limits, *, key_prefix: str) -> RedisEphemeral:
        """Connect to ``url`` with timeouts fit for a login path.

        ``url`` is one server, a cluster or a Sentinel service (see :mod:`.redis_url`).
        Options in the URL's query string (``?socket_timeout=5``) win over ours.
        """
        connected = connect(
            url,
            socket_timeout=_SOCKET_TIMEOUT_SECONDS,
            max_connections=_MAX_CONNECTIONS,
            pool_wait=_POOL_WAIT_SECONDS,
            retry=_RETRY,
        )
        ephemeral = cls(connected.client, limits, key_prefix=key_prefix)
        ephemeral._helpers = connected.helpers
        return ephemeral

    async def retry_after(self, purpose: Purpose, user_id: str, address: str) -> int:
        _, wait, _ = await self._attempt(
            "retry_after", purpose, user_id, address, mode="peek", step="", burn=""
        )
        return wait

    async def settle(
        self,
        purpose: Purpose,
        user_id: str,
        address: str,
        *,
        correct: bool,
        step: int | None = None,
        burn: int | None = None,
    ) -> Attempt:
        outcome, wait, failures = await self._attempt(
            "settle",
            purpose,
            user_id,
            address,
            mode="right" if correct else "wrong",
            step="" if step is None else str(step),
            burn="" if burn is None else str(burn),
        )
        verdict = _SETTLED[outcome]
        if verdict in (Verdict.REJECTED, Verdict.REPLAYED):
            # settle.lua counted this failure: what is left before a lockout, as memory.py.
            left = 0 if wait > 0 else max(self._max_failures - failures, 0)
            return Attempt(verdict, retry_after=wait, remaining=left, failures=failures)
        return Attempt(verdict, retry_after=wait)

    async def clear(self, user_id: str, purposes: Collection[Purpose]) -> None:
        # One user's keys share a slot: one DEL, on a cluster too.
        keys = [self._user_key(purpose, user_id) for purpose in purposes]
        keys += [self._step_key(user_id), self._burn_key(user_id)]
        with _unavailable("clear"):
            await self._discover()
            async with self._connection():
                await self._client.delete(*keys)

    async def publish(self, topic: str) -> None:
        with _unavailable("publish"):
            await self._discover()
            async with self._connection():
                await self._client.publish(self._channel, topic)

    async def end_login(self, login_id: str, *, seconds: int) -> None:
        await self._revoke([login_id], [LOGIN_TOPIC + login_id], seconds, "end_login")

    async def raise_floors(self, floors: Mapping[str, int | None], *, seconds: int) -> None:
        if floors:
            topics = [floor_topic(user_id, gen) for user_id, gen in floors.items()]
            await self._revoke(topics, topics, seconds, "raise_floors")

    async def _revoke(
        self, members: Sequence[str], topics: Sequence[str], seconds: int, operation: str
    ) -> None:
        with _unavailable(operation):
            await self._discover()
            async with self._connection():
                await self._ended_script(
                    keys=[self._ended_key], args=["end", max(int(seconds), 1), *members]
                )
            async with self._connection():
                # One by one rather than in a pipeline, which a cluster does not take
                # for commands without a key; only a deactivation publishes many.
                for topic in topics:
                    await self._client.publish(self._channel, topic)

    async def revoked(self) -> Revoked:
        with _unavailable("revoked"):
            await self._discover()
            async with self._connection():
                reply: Sequence[Any] = await self._ended_script(
                    keys=[self._ended_key], args=["list"]
                )
        return revoked_from([_text(member) for member in reply])

    async def load_session(self, key: str) -> bytes | None:
        with _unavailable("load_session"):
            await self._discover()
            async with self._connection():
                value = await self._client.get(self._session_key(key))
        return None if value is None else _bytes(value)

    async def save_session(self, key: str, value: bytes, *, seconds: int) -> None:
        with _unavailable("save_session"):
            await self._discover()
            async with self._connection():
                await self._client.set(self._session_key(key), value, ex=max(int(seconds), 1))

    async def start(self, sink: InvalidationSink) -> None:
        self._sinks.append(sink)
        if self._listener is None:
            self._closing = False
            self._listener = asyncio.create_task(
                self._listen(), name=f"nextens_guard invalidation listener {self._channel}"
            )
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_START_WAIT_SECONDS):
                await self._first_attempt.wait()

    @property
    def listening(self) -> bool:
        return self._listening

    async def ping(self) -> None:
        with _unavailable("ping"):
            await self._discover()
            async with self._connection():
                await self._client.ping()

    async def close(self) -> None:
        task, self._listener = self._listener, None
        if task is not None:
            self._closing = True
            # The driver's read timeout can swallow a cancellation that lands as it
            # expires, which left close() waiting forever; so cancel again until the
            # task ends, and the flag ends the listener at its next poll regardless.
            # wait() rather than awaiting the task: a cancellation of close() itself
            # must still reach our caller.
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=_CLOSE_RETRY_SECONDS)
            if not task.cancelled() and task.exception() is not None:
                logger.error("the invalidation listener had failed", exc_info=task.exception())
        self._listening = False
        self._sinks.clear()
        with _unavailable("close"):
            try:
                await self._client.aclose()
            finally:
                for helper in self._helpers:
                    await helper.aclose()

    async def _discover(self) -> None:
        """Learn the cluster's nodes and slots once, before the first command.

        redis-py's cluster client, first used by many requests at once, routes some of
        them by a slot map it is still building; the MOVED answers make it drop its
        connections, under the feet of the other requests. One discovery up front, which
        the others wait for, avoids that.
        """
        if self._discovered:
            return
        async with self._discovery:
            if not self._discovered and isinstance(self._client, RedisCluster):
                await self._client.initialize()
            self._discovered = True

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[None]:
        """On a cluster, wait up to the pool's wait for a free connection, as on one server.

        redis-py's cluster nodes refuse a command at once (``MaxConnectionsError``) when
        their connections are all busy; a burst of attempts for one user, whose keys all
        sit on one node, then met a 503 where one server makes them queue.
        """
        free = self._free
        if free is None:
            yield
            return
        async with asyncio.timeout(_POOL_WAIT_SECONDS):
            await free.acquire()
        try:
            yield
        finally:
            free.release()

    def _session_key(self, key: str) -> str:
        # ``key`` is a keyed hash already (see own_sessions): it names nothing by itself.
        return f"{self._prefix}:session:{key}"

    def _user_tag(self, user_id: str) -> str:
        return f"{self._prefix}:{{u:{_digest(user_id)}}}"

    def _user_key(self, purpose: Purpose, user_id: str) -> str:
        return f"{self._user_tag(user_id)}:fail:{purpose.value}"

    def _step_key(self, user_id: str) -> str:
        return f"{self._user_tag(user_id)}:step"

    def _burn_key(self, user_id: str) -> str:
        return f"{self._user_tag(user_id)}:burn"

    def _address_key(self, purpose: Purpose, address: str) -> str:
        return f"{self._prefix}:{{a:{_digest(address)}}}:addr:{purpose.value}"

    async def _attempt(
        self,
        operation: str,
        purpose: Purpose,
        user_id: str,
        address: str,
        *,
        mode: str,
        step: str,
        burn: str,
    ) -> tuple[str, int, int]:
        """settle.lua's outcome, the wait in seconds and the user's consecutive failures."""
        user_keys = [
            self._user_key(purpose, user_id),
            self._step_key(user_id),
            self._burn_key(user_id),
        ]
        address_key = self._address_key(purpose, address)
        args: list[str | int] = [mode, step, burn, *self._fixed_args]
        with _unavailable(operation):
            if self._across_slots:
                await self._discover()
                return await self._settle_across_slots(user_keys, address_key, args)
            reply: Sequence[Any] = await self._settle_script(
                keys=[*user_keys, address_key], args=[*args, "here"]
            )
        return _text(reply[0]), int(reply[1]), int(reply[2])

    async def _settle_across_slots(
        self, user_keys: list[str], address_key: str, args: list[str | int]
    ) -> tuple[str, int, int]:
        """The attempt on a cluster: the user's script decides, address.lua counts.

        See the module's docstring for why it goes this way and what it costs.
        """

        async def user(address: str) -> tuple[str, int, int]:
            async with self._connection():
                reply: Sequence[Any] = await self._settle_script(
                    keys=user_keys, args=[*args, address]
                )
            return _text(reply[0]), int(reply[1]), int(reply[2])

        async def at_address(how: str) -> _AddressCount:
            async with self._connection():
                reply: Sequence[Any] = await self._address_script(
                    keys=[address_key], args=[how, *self._address_args]
                )
            return _AddressCount(bool(int(reply[0])), int(reply[1]), int(reply[2]))

        counted: _AddressCount | None = None
        if args[0] == "wrong":
            # Nearly always counted: ask both slots at once, one round trip.
            decided, counting = await asyncio.gather(
                user("unknown"), at_address("count"), return_exceptions=True
            )
            if isinstance(decided, BaseException):
                raise decided
            if isinstance(counting, BaseException):
                raise counting
            (outcome, wait, failures), counted = decided, counting
        else:
            outcome, wait, failures = await user("unknown")

        if outcome == "ask" or (outcome == "locked" and failures >= ADDRESS_STRIKES):
            # The address decides, or may lengthen the wait: as it was before this attempt.
            seen = counted if counted is not None else await at_address("peek")
            if outcome == "ask":
                outcome, wait, failures = await user(str(seen.hold_before_ms))
            elif seen.hold_before_ms > 0:
                wait = max(wait, _whole_seconds(seen.hold_before_ms))

        if outcome not in ("rejected", "replayed"):
            # Accepted, refused unseen, or only looked at: nothing counts at the address.
            if counted is not None and counted.counted:
                await at_address("uncount")
            return outcome, wait, failures
        if counted is None:
            counted = await at_address("count")
        if failures >= ADDRESS_STRIKES and counted.hold_after_ms > 0:
            wait = max(wait, _whole_seconds(counted.hold_after_ms))
        return outcome, wait, failures

    async def _listen(self) -> None:
        delay = _RECONNECT_MIN_SECONDS
        while not self._closing:
            try:
                async with await self._subscription() as pubsub:
                    await pubsub.subscribe(self._channel)
                    await self._receive(pubsub)
            except Exception as exc:
                # Whatever went wrong, messages may have been lost from here on.
                if self._listening:
                    # The subscription had held, so this is a fresh outage: retry soon.
                    delay = _RECONNECT_MIN_SECONDS
                self._listening = False
                # Loud once per outage, not at every attempt while it lasts.
                logger.log(
                    logging.WARNING if delay == _RECONNECT_MIN_SECONDS else logging.DEBUG,
                    "invalidation channel lost (%s); reconnecting in %.1f s",
                    type(exc).__name__,
                    delay,
                )
                self._notify_all()
                self._first_attempt.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RECONNECT_MAX_SECONDS)

    async def _subscription(self) -> PubSub:
        client = self._client
        if not isinstance(client, RedisCluster):
            return client.pubsub()
        # A PUBLISH on a cluster reaches the subscribers on every node, so any node will
        # do. Each new subscription tries the next node the client knows of, so one that
        # has died is left behind at the next reconnect instead of being retried forever.
        await self._discover()
        nodes = client.get_nodes()
        node = nodes[self._next_node % len(nodes)]
        self._next_node += 1
        return client.pubsub(node=node)

    async def _receive(self, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        pinged = False
        while not self._closing:
            message = await pubsub.get_message(timeout=_POLL_SECONDS)
            now = loop.time()
            if message is None:
                silent = now - last_heard
                if silent > _IDLE_PING_SECONDS + _PONG_TIMEOUT_SECONDS:
                    raise RedisConnectionError("the subscription stopped answering")
                if silent > _IDLE_PING_SECONDS and not pinged:
                    await pubsub.ping()
                    pinged = True
                continue
            last_heard = now
            pinged = False
            kind = _text(message["type"])
            if kind == "subscribe":
                # Also seen after the driver quietly reconnected: anything published in
                # between is lost, so nothing cached before now can be trusted.
                self._notify_all()
                self._listening = True
                self._first_attempt.set()
            elif kind == "message":
                self._notify(_text(message["data"]))

    def _notify_all(self) -> None:
        """Messages may have been missed: every sink starts over."""
        for sink in list(self._sinks):
            try:
                sink.invalidate_all()
            except Exception:
                logger.exception("an invalidation sink failed")

    def _notify(self, topic: str) -> None:
        for sink in list(self._sinks):
            # A failing cache must not stop the listener, nor other sinks hearing it.
            try:
                sink.invalidate(topic)
            except Exception:
                logger.exception("an invalidation sink failed")
