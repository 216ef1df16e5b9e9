"""The guard's parts, assembled once per middleware, and their start and stop."""

from __future__ import annotations

import asyncio
import logging

from .backend import AuthBackend, ShieldedBackend
from .crypto import Envelope
from .ephemeral.base import Ephemeral, Limits
from .ephemeral.memory import MemoryEphemeral
from .ephemeral.redis import RedisEphemeral
from .services.audit import Audit
from .services.enrollment import EnrollmentService
from .services.office import OfficeService
from .services.passwords import PasswordCheck
from .services.policy import PolicyService
from .services.recovery import RecoveryService
from .services.verification import CodeChecker, VerificationService
from .settings import GuardSettings
from .state import StateCache, UserState
from .store.base import Store
from .store.sql import SQLStore

__all__ = ["Guard"]

logger = logging.getLogger("nextens_guard")


def limits_from(settings: GuardSettings) -> Limits:
    return Limits(
        max_failures=settings.max_failures,
        lockout_seconds=settings.lockout_seconds,
        lockout_max_seconds=settings.lockout_max_seconds,
        address_max_failures=settings.address_max_failures,
        address_window_seconds=settings.address_window_seconds,
        failure_memory_seconds=settings.failure_memory_seconds,
    )


class Guard:
    """Everything below the middleware: backend, store, shared state and the services."""

    def __init__(
        self,
        *,
        backend: AuthBackend,
        settings: GuardSettings,
        store: Store | None = None,
        ephemeral: Ephemeral | None = None,
    ) -> None:
        self.settings = settings
        # The services see every host failure as a BackendError; the middleware's hot
        # path calls the host directly, since it fails closed on any error anyway.
        self.host_backend = backend
        self.backend: AuthBackend = ShieldedBackend(backend)
        self.store = store or SQLStore.from_url(
            settings.database_url, table_prefix=settings.table_prefix
        )
        limits = limits_from(settings)
        if ephemeral is not None:
            self.ephemeral = ephemeral
        elif settings.redis_url:
            self.ephemeral = RedisEphemeral.from_url(
                settings.redis_url, limits, key_prefix=settings.key_prefix
            )
        else:
            self.ephemeral = MemoryEphemeral(limits)
        self.envelope = Envelope(settings.encryption_keys)
        self.audit = Audit(self.store, settings.on_event)
        self.policy = PolicyService(self.backend, self.store)
        self.cache = StateCache(self.ephemeral, ttl=settings.cache_ttl_seconds)
        checker = CodeChecker(self.ephemeral, self.audit, settings)
        self.verification = VerificationService(
            store=self.store,
            envelope=self.envelope,
            checker=checker,
            audit=self.audit,
            settings=settings,
        )
        self.enrollment = EnrollmentService(
            store=self.store,
            envelope=self.envelope,
            checker=checker,
            audit=self.audit,
            settings=settings,
            announce=self.announce,
        )
        self.recovery = RecoveryService(
            store=self.store,
            ephemeral=self.ephemeral,
            envelope=self.envelope,
            audit=self.audit,
            settings=settings,
            announce=self.announce,
        )
        self.passwords = PasswordCheck(
            backend=self.backend, ephemeral=self.ephemeral, audit=self.audit, settings=settings
        )
        self.office = OfficeService(
            backend=self.backend,
            store=self.store,
            ephemeral=self.ephemeral,
            envelope=self.envelope,
            policy=self.policy,
            audit=self.audit,
            settings=settings,
            announce=self.announce,
        )
        self.started = False
        self._starting: asyncio.Lock | None = None

    async def startup(self) -> None:
        """Create tables and start listening for changes; idempotent, retried until it works."""
        if self.started:
            return
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self.started:
                return
            await self.store.setup()
            await self.ephemeral.start(self.cache)
            self.started = True
            logger.info("two-step verification guard started")

    async def shutdown(self) -> None:
        self.started = False
        await self.ephemeral.close()
        await self.store.close()

    async def announce(self, topic: str) -> None:
        """Drop cached state here at once, and tell every other process."""
        self.cache.invalidate(topic)
        await self.ephemeral.publish(topic)

    async def state_of(self, user_id: str) -> UserState:
        state = self.cache.get(user_id)
        if state is None:
            epoch = self.cache.epoch
            state = await self.policy.state_of(user_id)
            self.cache.put(user_id, state, epoch=epoch)
        return state
