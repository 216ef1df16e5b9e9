"""Guard: the public core. It owns the one per-request decision, the session's proof of
the second step, the form tokens and what this process knows of each user's state.

The host builds one guard and hands it to :class:`~nextens_guard.TwoFactorMiddleware`;
the guard's pages, the CLI, the FastAPI dependencies and the host's own code use that
same object.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, MutableMapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.types import Scope

from . import login
from .attempts import Attempt, Verdict
from .backend import AuthBackend, BackendError, ShieldedBackend
from .crypto import Envelope
from .csrf import CsrfTokens
from .decision import ANONYMOUS, ENROLL, PASS, PASSKEY, VERIFY, Decision
from .ephemeral.base import ALL_TOPIC, Ephemeral, Limits, Purpose
from .ephemeral.memory import MemoryEphemeral
from .ephemeral.redis import RedisEphemeral
from .errors import GuardError, ServiceUnavailable
from .http import address_key
from .marker import PASSKEY_DUE_KEY, VERIFIED_KEY, VerifiedMarker
from .own_sessions import OwnSessions
from .revocations import Revocations
from .services.audit import Audit
from .services.authenticators import AuthenticatorService
from .services.enrollment import EnrollmentService
from .services.office import OfficeService
from .services.passkey_policy import Need, PasskeyPolicyService
from .services.passwords import PasswordCheck
from .services.policy import PolicyService
from .services.recovery import RecoveryService
from .services.trust import TrustService
from .services.verification import CodeChecker, VerificationService
from .services.webauthn import WebAuthnService
from .settings import GuardSettings
from .state import USER_TOPIC, StateCache, UserState
from .store.base import Store
from .store.sql import SQLStore
from .web.pages import GuardPages

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


Session = MutableMapping[str, Any]


def _no_proof_alone(session: Session, user_id: str) -> bool:
    return False


class Guard:
    """The decision, the parts it needs (backend, store, shared state) and the services.

    Build it once per app; it is cheap to build and does no I/O until :meth:`startup`.
    """

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
        self.backend = ShieldedBackend(backend)
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
        self.trust = TrustService(
            store=self.store, policy=self.policy, audit=self.audit, settings=settings
        )
        self.webauthn = WebAuthnService(
            store=self.store,
            ephemeral=self.ephemeral,
            envelope=self.envelope,
            audit=self.audit,
            settings=settings,
            trust=self.trust,
        )
        self.passkey_policy = PasskeyPolicyService(
            backend=self.backend,
            store=self.store,
            policy=self.policy,
            audit=self.audit,
            settings=settings,
            passkeys_enabled=self.webauthn.enabled,
        )
        self.authenticators = AuthenticatorService(
            store=self.store, audit=self.audit, settings=settings
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
            revoke=self.revoke,
        )
        self.revocations = Revocations(
            self.ephemeral, seconds=settings.verified_max_age_seconds, clock=settings.clock
        )
        self.markers = VerifiedMarker(
            clock=settings.clock,
            max_age=settings.verified_max_age_seconds,
            ended=self.revocations.ended,
            floors=self.revocations.floors,
            revocations=self.revocations,
        )
        self.csrf = CsrfTokens(settings.secret_key, max_age=settings.csrf_max_age_seconds)
        # A host whose login is a token names it (AuthBackend.credential): the guard then
        # keeps a session of its own per token, and the host needs no session at all.
        credential: Callable[[Scope], Awaitable[str | None]] | None = getattr(
            backend, "credential", None
        )
        self.own_sessions: OwnSessions | None = None
        if credential is not None:
            self.own_sessions = OwnSessions(
                self.ephemeral,
                credential,
                secret_key=settings.secret_key,
                seconds=max(
                    settings.verified_max_age_seconds,
                    settings.enrollment_max_age_seconds,
                    settings.csrf_max_age_seconds,
                ),
            )
        # The decision's first step, the whole of it for a verified request: the proof the
        # session carries holds against what this process knows was revoked. It counts
        # alone only where every revocation is heard; else the user's state decides.
        self.proof_holds: Callable[[Session, str], bool] = (
            self.markers.holds if self.ephemeral.shared else _no_proof_alone
        )
        # Bound once: every request without a proof calls them.
        self._cached_state = self.cache.get
        self._marker_valid = self.markers.valid
        self._revocations = self.revocations
        # The guard's own pages, an ASGI app the middleware serves below the prefix.
        self.pages = GuardPages(self)
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
            await self.ephemeral.start(self.revocations)
            await self.ephemeral.start(self.cache)
            await self.revocations.catch_up()
            self.started = True
            logger.info("two-step verification guard started")

    async def shutdown(self) -> None:
        """Stop listening for changes and close the connections; safe to call twice."""
        self.started = False
        await self.ephemeral.close()
        await self.store.close()

    def lifespan(self, app: object = None) -> AbstractAsyncContextManager[None]:
        """Start the guard on entering, shut it down on leaving: for a host whose app
        the guard does not wrap at the top, so it never sees the lifespan pass.

        Starlette runs the lifespan of the outermost app only, not of an app under
        ``Mount``. Such a host enters this in its own lifespan, or passes it as the
        lifespan itself (``Starlette(lifespan=guard.lifespan)``), hence ``app``, unused.
        As with the lifespan the middleware sees: when a part is down the app still
        starts, and the guard answers 503 until it can start.
        """
        return self._running()

    @contextlib.asynccontextmanager
    async def _running(self) -> AsyncIterator[None]:
        try:
            await self.startup()
        except ServiceUnavailable as exc:
            logger.warning("guard not started yet: %s", exc)
        try:
            yield
        finally:
            await self.shutdown()

    async def announce(self, topic: str) -> None:
        """Drop cached state here at once, and tell every other process.

        A change to one user (``user:<id>``) may void their verified sessions, so it
        raises their floor (:meth:`revoke`), which every cache also hears.
        """
        if topic.startswith(USER_TOPIC):
            await self.revoke([topic.removeprefix(USER_TOPIC)])
            return
        self.cache.invalidate(topic)
        await self.ephemeral.publish(topic)

    async def offices_changed(self) -> None:
        """Your app linked or unlinked offices, or moved a user to another office: every
        process forgets what it cached of who must use two-step verification, within a
        second. Without this call such a change applies within ``cache_ttl_seconds``.

        A session verified with a code stays verified: the change decides only whether
        users without a verification must give one.
        """
        await self.announce(ALL_TOPIC)

    async def revoke(self, user_ids: Collection[str]) -> None:
        """Void every verified session of these users made before now, on every process
        within a second: their floor rises to the generation their enrollment has now.

        Called after the change is written (a reset, a recovery, a new phone, "log out
        everywhere", a deactivation), and also when the write failed, since it may have
        landed. Their trusted browsers go from the lists too. When the store cannot tell
        the generation, the floor is unknown and every process checks those users'
        sessions against the store until it expires.
        """
        if not user_ids:
            return
        floors: dict[str, int | None]
        try:
            floors = {r.user_id: r.generation for r in await self.store.list_enrollments(user_ids)}
        except Exception as exc:
            logger.warning("generations unavailable at a revocation: %s", type(exc).__name__)
            floors = dict.fromkeys(user_ids)
        for user_id in user_ids:
            self.cache.invalidate(USER_TOPIC + user_id)
        await self.revocations.raise_floors(floors)
        try:
            # Their trusted browsers are void already (bound to the old generation);
            # this only clears them from the lists.
            await self.trust.end_for(user_ids)
        except Exception as exc:
            logger.warning("trusted browsers not cleared: %s", type(exc).__name__)

    async def state_of(self, user_id: str) -> UserState:
        state = self.cache.get(user_id)
        if state is None:
            epoch = self.cache.epoch
            state = await self.policy.state_of(user_id)
            self.cache.put(user_id, state, epoch=epoch)
        return state

    def decide_cached(self, user_id: str | None, session: Session) -> Decision | None:
        """:meth:`decide` from what this process holds; None when it must ask the store.

        The middleware calls this when :attr:`proof_holds` did not settle it, before
        anything that waits: it stays synchronous and allocates nothing.
        """
        if user_id is None:
            return self._anonymous(session)
        if self.proof_holds(session, user_id):
            # The session carries the proof: nothing about the user is looked up.
            return PASS
        if not self._revocations.current:
            return None
        state = self._cached_state(user_id)
        if state is None:
            return None
        return self._judge(user_id, state, session)

    async def decide(self, user_id: str | None, session: Session) -> Decision:
        """Pass, enroll or verify: what the guard does with a request of ``user_id``.

        ``user_id`` is who the host says logged in with a password (None: nobody).
        A marker in ``session`` that does not belong to that user is dropped, so no
        verification outlives the login it was made for. Raises when a part the
        decision needs is down; callers fail closed.
        """
        if user_id is None:
            return self._anonymous(session)
        if not self.started:
            await self.startup()
        revocations = self._revocations
        if not revocations.current:
            await revocations.catch_up()
        if self.proof_holds(session, user_id):
            return PASS
        # No proof this process can check alone (none, or one of a user whose floor is
        # unknown), or the revocations are not current: the store decides.
        return self._judge(user_id, await self.state_of(user_id), session)

    def _judge(self, user_id: str, state: UserState, session: Session) -> Decision:
        if not state.required or self._marker_valid(session, user_id, state.generation):
            return PASS
        self.markers.forget_unless_for(session, user_id)
        if state.generation is None:
            return ENROLL
        if self._marker_valid(session, user_id, state.generation, PASSKEY_DUE_KEY):
            return PASSKEY
        return VERIFY

    @staticmethod
    def _anonymous(session: Session) -> Decision:
        # Nobody is logged in: no marker outlives a logout. The login itself is ended by
        # witness(), which sees the request out, or at the host's end_login() call.
        if VERIFIED_KEY in session or PASSKEY_DUE_KEY in session:
            VerifiedMarker.forget(session)
        return ANONYMOUS

    async def end_login(self, session: Session) -> None:
        """End the login ``session`` records, on every process within a second.

        The guard sees a logout pass by on the host's exempt pages and on any page it
        serves to nobody; a host that logs out elsewhere calls this at its logout.
        A copy of the session cookie then asks for the code again, wherever it is used.
        """
        login_id = login.end(session)
        self.markers.forget(session)
        await self._ended_everywhere(login_id)

    async def end_login_of(self, scope: Scope) -> None:
        """End the login of the token ``scope`` carries, on every process within a second:
        :meth:`end_login` for a host whose login is a token (``credential``), where its
        logout happens somewhere the guard does not watch. The token itself stays what
        the host makes of it; it must give the code again to pass the guard."""
        sessions = self.own_sessions
        if sessions is None:
            raise GuardError(
                "end_login_of is for a backend that names a credential; "
                "a session host calls end_login(request.session)"
            )
        key = await sessions.key_for(scope)
        if key is None:
            return
        session = await sessions.load(key)
        await self.end_login(session)
        await sessions.save(session)

    async def _ended_everywhere(self, login_id: str | None) -> None:
        if login_id is None or login_id in self.revocations:
            return
        try:
            await self.revocations.end_login(login_id)
        except ServiceUnavailable as exc:
            # This browser is logged out all the same; a copy elsewhere is not told.
            logger.error("a logout could not be told to the other processes: %s", exc)

    async def witness(
        self, session: Session, before: str | None, after: str | None, *, login_before: str | None
    ) -> None:
        """What a request of the host's own did to the login: ``before`` is who was
        logged in when it came in, ``login_before`` the login the session recorded then,
        and ``after`` who is logged in as its answer leaves.

        Nobody after it is a logout. A new user is a new login, and so is the same user
        in a session the host cleared on the way, as it does at a password login: the
        login before ends, and its verification does not carry over.
        """
        if after is None:
            await self.end_login(session)
            await self._ended_everywhere(login_before)
            return
        seen_made = after != before
        if not seen_made:
            if login_before is None or login.login_of(session, after) is not None:
                return
            # The host cleared the session on the way (a login), or it records someone
            # else: a login all the same, but seen being made only in the first case.
            seen_made = login.recorded(session) is None
        await self._ended_everywhere(login_before)
        # Seen being made: the generation now decides whether it may enroll a phone.
        generation = await self._generation_or_none(after) if seen_made else None
        login.begin(session, after, generation)
        self.markers.forget(session)

    async def generation_of(self, user_id: str) -> int:
        """The user's enrollment generation now; 0 for a user who never enrolled."""
        record = await self.store.get_enrollment(user_id)
        return 0 if record is None else record.generation

    async def _generation_or_none(self, user_id: str) -> int | None:
        try:
            return await self.generation_of(user_id)
        except Exception as exc:
            # Unknown: this login then needs the password to enroll a phone.
            logger.warning("enrollment generation unavailable: %s", type(exc).__name__)
            return None

    async def may_enroll(self, session: Session, user_id: str) -> bool:
        """Whether this login may enroll a phone without typing the password again.

        Only a login the guard saw being made after the user's last reset, recovery or
        deactivation may: an older copy of the session cookie cannot take over the
        user's second step.
        """
        return login.may_enroll(session, user_id, await self.generation_of(user_id))

    async def password_typed(self, session: Session, user_id: str) -> None:
        """The user typed their password again in this login: it may enroll a phone."""
        login.renew(session, user_id, await self.generation_of(user_id))

    async def check_login(
        self, login: str, address: str, check_password: Callable[[], Awaitable[bool]]
    ) -> Attempt:
        """The host's own password login, held to the guard's limits across every process.

        ``login`` is what the user typed as their name, ``address`` the client's address
        (an IPv6 address counts as its /64) and ``check_password`` the host's own check,
        awaited only when the name and address are not locked out, so a locked-out
        guesser costs no password hash.
        Counted per typed name, so unknown names are limited like known ones. The answer
        is ``ACCEPTED``, ``REJECTED`` or ``LOCKED`` (``retry_after`` seconds to wait).
        """
        key = "login:" + login.strip().casefold()
        address = address_key(address)
        wait = await self.ephemeral.retry_after(Purpose.PASSWORD, key, address)
        if wait > 0:
            return Attempt(Verdict.LOCKED, retry_after=wait)
        correct = await check_password()
        return await self.ephemeral.settle(Purpose.PASSWORD, key, address, correct=correct)

    def mark_verified(
        self, session: Session, user_id: str, generation: int, *, key: str = VERIFIED_KEY
    ) -> None:
        """Record in ``session`` that ``user_id`` gave the second step for ``generation``,
        in the login the session records (begun now when it records none)."""
        login_id = login.current(session, user_id)
        if login_id in self.revocations:
            # A copy of a session whose login ended verifies as a login of its own.
            login_id = login.begin(session, user_id, None)
        self.markers.mark(session, user_id, generation, login_id, key)

    async def passed(
        self,
        scope: MutableMapping[str, Any],
        user_id: str,
        generation: int,
        *,
        phishing_resistant: bool = False,
    ) -> bool:
        """The request in ``scope`` passed the second step: mark its session verified
        and let the host give the session a new id (``on_verified``).

        ``phishing_resistant``: it was given with a passkey or security key. A user whose
        office requires one (see :mod:`.services.passkey_policy`) and who gave the app's
        code is marked for adding one when they have none
        (:data:`~nextens_guard.decision.Decision.PASSKEY`: the app stays closed to them
        until they have), and is not marked at all when they have one: False then, and
        the prompt asks for it. When the host's hook fails, the session stays unverified
        and the page fails closed, as for any part that is down.
        """
        session: Session = scope["session"]
        need = Need.NONE
        if not phishing_resistant:
            user = await self.backend.get_user(user_id)
            need = Need.NONE if user is None else await self.passkey_policy.need(user)
        if need is Need.USE:
            self.markers.forget(session)
            return False
        key = PASSKEY_DUE_KEY if need is Need.ADD else VERIFIED_KEY
        self.mark_verified(session, user_id, generation, key=key)
        hook = self.settings.on_verified
        if hook is None:
            return True
        try:
            await hook(scope)
        except Exception as exc:
            self.markers.forget(session)
            raise BackendError(f"on_verified failed: {type(exc).__name__}") from exc
        return True

    def forget_verified(self, session: Session, *, unless_for: str | None = None) -> None:
        """Drop the session's proof of the second step (unless it names ``unless_for``)."""
        if unless_for is None:
            self.markers.forget(session)
        else:
            self.markers.forget_unless_for(session, unless_for)
