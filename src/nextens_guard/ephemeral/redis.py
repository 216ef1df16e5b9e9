"""Ephemeral state shared by every process of the app, in Redis.

Each attempt is settled by one Lua script (``settle.lua``) in a single round trip, on
the server's clock. Invalidation goes over pub/sub; a background task holds the
subscription and tells the local cache to drop everything whenever it may have
missed a message.

Every key sits under ``{key_prefix}``: the braces are a Redis Cluster hash tag, so the
keys one script touches always share a slot. User ids and addresses enter key names
only as a hash, so no id can reach into another key's name or move a key's slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Collection, Iterator, Sequence
from importlib import resources
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from ..errors import GuardError, ServiceUnavailable
from .base import (
    ADDRESS_STRIKES,
    ALL_TOPIC,
    LAST_STEP_TTL_SECONDS,
    AttemptResult,
    Ephemeral,
    InvalidationSink,
    Limits,
    Outcome,
    Purpose,
)

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
# A subscription that has been silent this long is asked for a PING, because a peer
# that vanished without closing the connection never raises an error by itself.
_IDLE_PING_SECONDS = 5.0
_PONG_TIMEOUT_SECONDS = 5.0
# start() waits this long for the first subscription, so an app that starts while
# Redis answers is listening from its first request.
_START_WAIT_SECONDS = 2.0

_SETTLE_LUA = (
    resources.files("nextens_guard.ephemeral").joinpath("settle.lua").read_text(encoding="utf-8")
)


@contextlib.contextmanager
def _unavailable(operation: str) -> Iterator[None]:
    # The driver's message may name hosts; ours names only the part and the operation.
    try:
        yield
    except (RedisError, OSError) as exc:
        raise ServiceUnavailable(f"redis {operation} failed") from exc


def _digest(value: str) -> str:
    # 128 bits: no two ids collide in practice, and keys stay short. surrogatepass lets
    # any Python str through, even one holding a lone surrogate.
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class RedisEphemeral(Ephemeral):
    """Failures, lockouts, used and burned steps and invalidation shared through one Redis.

    Owns ``client``: :meth:`close` closes it. Needs Redis 5 or later (scripts that read
    the server's clock and then write are replicated by their effects).
    """

    def __init__(self, client: Redis, limits: Limits, *, key_prefix: str) -> None:
        if not key_prefix:
            # "{}" is no hash tag at all: the keys of one script would spread over slots.
            raise GuardError("key_prefix must not be empty")
        self._client = client
        self._tag = "{" + key_prefix + "}"
        self._channel = f"{key_prefix}:invalidate"
        self._settle_script = client.register_script(_SETTLE_LUA)
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
        self._sinks: list[InvalidationSink] = []
        self._listener: asyncio.Task[None] | None = None
        self._listening = False
        self._first_attempt = asyncio.Event()

    @classmethod
    def from_url(cls, url: str, limits: Limits, *, key_prefix: str) -> RedisEphemeral:
        """Connect to ``url`` with timeouts fit for a login path.

        Options in the URL's query string (``?socket_timeout=5``) win over ours.
        """
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=_MAX_CONNECTIONS,
            timeout=_POOL_WAIT_SECONDS,
            socket_timeout=_SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=_SOCKET_TIMEOUT_SECONDS,
            retry=_RETRY,
        )
        return cls(Redis.from_pool(pool), limits, key_prefix=key_prefix)

    async def retry_after(self, purpose: Purpose, user_id: str, address: str) -> int:
        _, wait = await self._run(
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
    ) -> AttemptResult:
        outcome, wait = await self._run(
            "settle",
            purpose,
            user_id,
            address,
            mode="right" if correct else "wrong",
            step="" if step is None else str(step),
            burn="" if burn is None else str(burn),
        )
        return AttemptResult(Outcome(outcome), wait)

    async def clear(self, user_id: str, purposes: Collection[Purpose]) -> None:
        keys = [self._user_key(purpose, user_id) for purpose in purposes]
        keys += [self._step_key(user_id), self._burn_key(user_id)]
        with _unavailable("clear"):
            await self._client.delete(*keys)

    async def publish(self, topic: str) -> None:
        with _unavailable("publish"):
            await self._client.publish(self._channel, topic)

    async def start(self, sink: InvalidationSink) -> None:
        self._sinks.append(sink)
        if self._listener is None:
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
            await self._client.ping()

    async def close(self) -> None:
        task, self._listener = self._listener, None
        if task is not None:
            task.cancel()
            # wait() rather than awaiting the task: a cancellation of close() itself
            # must still reach our caller.
            await asyncio.wait({task})
            if not task.cancelled() and task.exception() is not None:
                logger.error("the invalidation listener had failed", exc_info=task.exception())
        self._listening = False
        self._sinks.clear()
        with _unavailable("close"):
            await self._client.aclose()

    def _user_key(self, purpose: Purpose, user_id: str) -> str:
        return f"{self._tag}:fail:{purpose.value}:{_digest(user_id)}"

    def _address_key(self, purpose: Purpose, address: str) -> str:
        return f"{self._tag}:addr:{purpose.value}:{_digest(address)}"

    def _step_key(self, user_id: str) -> str:
        return f"{self._tag}:step:{_digest(user_id)}"

    def _burn_key(self, user_id: str) -> str:
        return f"{self._tag}:burn:{_digest(user_id)}"

    async def _run(
        self,
        operation: str,
        purpose: Purpose,
        user_id: str,
        address: str,
        *,
        mode: str,
        step: str,
        burn: str,
    ) -> tuple[str, int]:
        keys = [
            self._user_key(purpose, user_id),
            self._address_key(purpose, address),
            self._step_key(user_id),
            self._burn_key(user_id),
        ]
        with _unavailable(operation):
            reply: Sequence[Any] = await self._settle_script(
                keys=keys, args=[mode, step, burn, *self._fixed_args]
            )
        return _text(reply[0]), int(reply[1])

    async def _listen(self) -> None:
        delay = _RECONNECT_MIN_SECONDS
        while True:
            try:
                async with self._client.pubsub() as pubsub:
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

    async def _receive(self, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        pinged = False
        while True:
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
        self._notify(ALL_TOPIC)

    def _notify(self, topic: str) -> None:
        for sink in list(self._sinks):
            # A failing cache must not stop the listener, nor other sinks hearing it.
            try:
                if topic == ALL_TOPIC:
                    sink.invalidate_all()
                else:
                    sink.invalidate(topic)
            except Exception:
                logger.exception("an invalidation sink failed")
