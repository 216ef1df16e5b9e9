"""The durable store in SQL: one implementation for SQLite and PostgreSQL.

SQLite is the embedded default; PostgreSQL serves a deployment with several app
servers. Both run the very same SQLAlchemy Core statements. Every change that must
not be seen half done is a single statement, so a crash leaves the old state or the
new one and two processes racing each other get exactly one winner.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator, Collection, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    case,
    delete,
    event,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Row, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.dml import Insert

from ..errors import GuardError, ServiceUnavailable
from .base import (
    AppRecord,
    AuditRecord,
    EnrollmentRecord,
    PasskeyRecord,
    SealedValues,
    Store,
    TrustRecord,
)

__all__ = ["SQLStore"]

DEFAULT_TABLE_PREFIX = "nextens_guard_"
# Several app workers may write to one SQLite file; a writer waits this long for
# another one's transaction instead of failing at once with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000
# A database that does not answer must turn into a 503 quickly, not hang a request.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10.0
POSTGRES_COMMAND_TIMEOUT_SECONDS = 30.0
# Both databases cap the number of bound parameters in one statement (SQLite at
# 32766, asyncpg at 32767); an office with more users than that is unlikely, but a
# chunked IN list costs nothing.
IN_CHUNK_SIZE = 1000
SETUP_ATTEMPTS = 5
# PostgreSQL allows 63 bytes per identifier; the longest name we add is 23 characters.
MAX_TABLE_PREFIX_LENGTH = 40
_TABLE_PREFIX_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
# SQLAlchemy dropped the "postgres" name years ago, yet many hosting platforms still
# hand out postgres:// URLs.
_BACKEND_ALIASES = {"postgres": "postgresql"}
# What a database that is down, overloaded or misconfigured raises: the driver's own
# errors (wrapped by SQLAlchemy), a connection refused or timed out, an exhausted pool.
_UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (DBAPIError, OSError, PoolTimeoutError)
# The enrollment columns that hold AES-GCM envelopes (see nextens_guard.crypto).
_SEALED_COLUMNS = ("secret", "reset_code", "pending_secret", "pending_reset_code")


class _UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, stored in UTC and always read back aware and in UTC.

    SQLite has no time zone type and SQLAlchemy writes its datetimes without an
    offset, so converting to UTC first is what keeps comparisons in SQL correct.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = _utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _record(kind: Any, row: Any) -> Any:
    """One of the store's records from a row whose columns bear its fields' names: the
    tables are written after the records, so a field added to both needs no copying."""
    mapping = row._mapping
    return kind(**{field.name: mapping[field.name] for field in dataclasses.fields(kind)})


def _utc(value: datetime) -> datetime:
    # A naive datetime is ambiguous, and guessing its zone would shift every window
    # of the guard by hours on a server that does not run in UTC.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("the store needs timezone-aware datetimes")
    return value.astimezone(UTC)


def _chunks(ids: Collection[str]) -> Iterator[list[str]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), IN_CHUNK_SIZE):
        yield unique[start : start + IN_CHUNK_SIZE]


# The detail of an event that folded repeats of itself (see Store.fold_event).
_REPEATED = "repeated="


def _repeated_prefix(detail: str) -> str:
    """What a folded row's detail starts with before its count: the detail it folds."""
    return f"{detail}; {_REPEATED}" if detail else _REPEATED


def _repeats(detail: str) -> int:
    """How many occurrences a stored detail counts: 1 unless it ends in ``repeated=N``."""
    last = detail.rpartition("; ")[2]
    count = last.removeprefix(_REPEATED)
    return int(count) if count != last and count.isdigit() else 1


def _audit_record(row: Row[Any]) -> AuditRecord:
    record: AuditRecord = _record(AuditRecord, row)
    return record


def _async_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # The URL may hold a password, so it stays out of the message.
        raise GuardError("database_url is not a valid database URL") from None
    backend, _, driver = parsed.drivername.partition("+")
    backend = _BACKEND_ALIASES.get(backend, backend)
    if backend not in _ASYNC_DRIVERS:
        raise GuardError("database_url must point to SQLite or PostgreSQL")
    if driver:
        return parsed.set(drivername=f"{backend}+{driver}")
    return parsed.set(drivername=_ASYNC_DRIVERS[backend])


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # The busy timeout first, so that switching to WAL waits for a process that is
        # just creating the file instead of failing.
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS:d}")
        # WAL lets readers carry on while one worker writes.
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _unavailable(operation: str, exc: BaseException) -> ServiceUnavailable:
    # Only the class name of the driver's error: its text, and SQLAlchemy's even more
    # so, can carry bound parameters, and those hold ciphertexts.
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return ServiceUnavailable(f"database unavailable: {operation} failed ({type(cause).__name__})")


class SQLStore(Store):
    """The store on SQLite or PostgreSQL through SQLAlchemy Core (async).

    ``table_prefix`` starts the name of every table and index, so the guard can
    share a database with the host app. :meth:`close` disposes of the engine only
    when :meth:`from_url` created it; an engine passed in stays its owner's.
    """

    def __init__(self, engine: AsyncEngine, *, table_prefix: str = DEFAULT_TABLE_PREFIX) -> None:
        if engine.dialect.name not in _ASYNC_DRIVERS:
            raise GuardError("SQLStore works with SQLite and PostgreSQL only")
        if not _TABLE_PREFIX_RE.match(table_prefix) or len(table_prefix) > (
            MAX_TABLE_PREFIX_LENGTH
        ):
            raise GuardError(
                "table_prefix must be letters, digits and underscores, "
                f"at most {MAX_TABLE_PREFIX_LENGTH} characters, not starting with a digit"
            )
        self._engine = engine
        self._owns_engine = False
        self._postgres = engine.dialect.name == "postgresql"
        if not self._postgres and not event.contains(
            engine.sync_engine, "connect", _sqlite_on_connect
        ):
            event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        self._metadata = MetaData()
        self._enrollments = Table(
            f"{table_prefix}enrollments",
            self._metadata,
            Column("user_id", String(255), primary_key=True),
            Column("generation", BigInteger, nullable=False),
            Column("secret", LargeBinary, nullable=True),
            Column("reset_code", LargeBinary, nullable=True),
            Column("confirmed_at", _UTCDateTime, nullable=True),
            Column("last_verified_at", _UTCDateTime, nullable=True),
            Column("pending_secret", LargeBinary, nullable=True),
            Column("pending_reset_code", LargeBinary, nullable=True),
            Column("pending_started_at", _UTCDateTime, nullable=True),
            Column("pending_code_ok_at", _UTCDateTime, nullable=True),
            Column("pending_owner", String(64), nullable=True),
            Column("updated_at", _UTCDateTime, nullable=False),
        )
        self._offices = Table(
            f"{table_prefix}office_policies",
            self._metadata,
            Column("office_id", String(255), primary_key=True),
            Column("active", Boolean, nullable=False),
            Column("changed_at", _UTCDateTime, nullable=False),
            Column("changed_by", String(255), nullable=True),
        )
        self._events = Table(
            f"{table_prefix}audit_events",
            self._metadata,
            # SQLite autoincrements only a column declared exactly INTEGER PRIMARY KEY.
            Column(
                "id",
                BigInteger().with_variant(Integer, "sqlite"),
                primary_key=True,
                autoincrement=True,
            ),
            Column("at", _UTCDateTime, nullable=False),
            Column("event", String(255), nullable=False),
            Column("outcome", String(255), nullable=False),
            Column("actor_id", String(255), nullable=True),
            Column("subject_id", String(255), nullable=True),
            Column("office_id", String(255), nullable=True),
            Column("address", Text, nullable=True),
            Column("detail", Text, nullable=False),
        )
        self._passkeys = Table(
            f"{table_prefix}passkeys",
            self._metadata,
            Column("id", String(64), primary_key=True),
            Column("user_id", String(255), nullable=False),
            Column("name", String(255), nullable=False),
            Column("lookup", String(64), nullable=False),
            Column("credential", LargeBinary, nullable=False),
            Column("sign_count", BigInteger, nullable=False),
            Column("added_at", _UTCDateTime, nullable=False),
            Column("last_used_at", _UTCDateTime, nullable=True),
            # Also the index every look-up by user goes through.
            UniqueConstraint("user_id", "lookup", name=f"{table_prefix}passkeys_user_lookup"),
        )
        # Index names live in one namespace per schema on PostgreSQL, hence the prefix.
        Index(f"{table_prefix}audit_office_at", self._events.c.office_id, self._events.c.at)
        Index(f"{table_prefix}audit_subject_at", self._events.c.subject_id, self._events.c.at)
        # Tables of their own rather than columns on the ones above: a database made by
        # an earlier release gains them at setup, where a new column would need a migration.
        self._trust_policies = Table(
            f"{table_prefix}trust_policies",
            self._metadata,
            Column("office_id", String(255), primary_key=True),
            Column("max_days", Integer, nullable=False),
            Column("changed_at", _UTCDateTime, nullable=False),
            Column("changed_by", String(255), nullable=True),
        )
        self._trusts = Table(
            f"{table_prefix}trusted_browsers",
            self._metadata,
            Column("id", String(64), primary_key=True),
            # A keyed hash of the cookie's secret: a copy of the table opens no browser.
            Column("token_hash", String(128), nullable=False, unique=True),
            Column("user_id", String(255), nullable=False),
            Column("generation", BigInteger, nullable=False),
            Column("created_at", _UTCDateTime, nullable=False),
            Column("last_used_at", _UTCDateTime, nullable=True),
            Column("expires_at", _UTCDateTime, nullable=False),
            Column("user_agent", String(255), nullable=False),
            Column("address", Text, nullable=True),
        )
        Index(f"{table_prefix}trusted_user", self._trusts.c.user_id, self._trusts.c.created_at)
        self._apps = Table(
            f"{table_prefix}apps",
            self._metadata,
            Column("user_id", String(255), primary_key=True),
            # The enrollment the row describes; a row of an earlier one is ignored.
            Column("confirmed_at", _UTCDateTime, nullable=False),
            Column("name", String(255), nullable=True),
            Column("last_used_at", _UTCDateTime, nullable=True),
        )
        self._passkey_policies = Table(
            f"{table_prefix}passkey_policies",
            self._metadata,
            Column("office_id", String(255), primary_key=True),
            Column("applies_to", String(16), nullable=False),
            Column("changed_at", _UTCDateTime, nullable=False),
            Column("changed_by", String(255), nullable=True),
        )

    @classmethod
    def from_url(cls, url: str, *, table_prefix: str = DEFAULT_TABLE_PREFIX) -> SQLStore:
        """A store on its own engine, for a plain ``sqlite:///path`` or ``postgresql://`` URL.

        The async driver is picked for URLs that name none (aiosqlite, asyncpg);
        a URL that names one keeps it.
        """
        async_url = _async_url(url)
        options: dict[str, Any] = {}
        if async_url.get_backend_name() == "postgresql":
            defaults = {
                "timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS,
                "command_timeout": POSTGRES_COMMAND_TIMEOUT_SECONDS,
            }
            if async_url.get_driver_name() == "asyncpg":
                options["connect_args"] = {
                    key: value for key, value in defaults.items() if key not in async_url.query
                }
            # A restarted server leaves dead connections in the pool; checking one
            # before use turns that into a reconnect instead of a failed request.
            options["pool_pre_ping"] = True
        engine = create_async_engine(async_url, **options)
        try:
            store = cls(engine, table_prefix=table_prefix)
        except BaseException:
            engine.sync_engine.dispose()
            raise
        store._owns_engine = True
        return store

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @asynccontextmanager
    async def _transaction(self, operation: str) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._engine.begin() as conn:
                yield conn
        except _UNAVAILABLE_ERRORS as exc:
            raise _unavailable(operation, exc) from None
        except StatementError as exc:
            # Not an outage but a value the database could not take; its text shows
            # the bound parameters all the same.
            cause = type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__
            raise GuardError(f"database {operation} failed ({cause})") from None

    # Lifecycle

    async def setup(self) -> None:
        for attempt in range(1, SETUP_ATTEMPTS + 1):
            try:
                async with self._engine.begin() as conn:
                    await conn.run_sync(self._metadata.create_all, checkfirst=True)
            except _UNAVAILABLE_ERRORS as exc:
                # Two processes starting at once can both find a table missing and both
                # create it; the loser fails (on PostgreSQL with a duplicate key in the
                # catalog, on SQLite with "already exists") and finds it there next time.
                if isinstance(exc, DBAPIError) and attempt < SETUP_ATTEMPTS:
                    await asyncio.sleep(0.05 * attempt)
                    continue
                raise _unavailable("setup", exc) from None
            return

    async def drop(self) -> None:
        """Drop the guard's tables with every enrollment, policy and audit event in them.

        Destructive and final: for tests and for removing the guard from a database.
        """
        async with self._transaction("drop") as conn:
            await conn.run_sync(self._metadata.drop_all, checkfirst=True)

    async def close(self) -> None:
        if self._owns_engine:
            await self._engine.dispose()

    async def ping(self) -> None:
        async with self._transaction("ping") as conn:
            await conn.execute(select(1))

    # Enrollments

    def _enrollment(self, row: Any) -> EnrollmentRecord:
        record: EnrollmentRecord = _record(EnrollmentRecord, row)
        return record

    async def get_enrollment(self, user_id: str) -> EnrollmentRecord | None:
        t = self._enrollments
        async with self._transaction("get_enrollment") as conn:
            row = (await conn.execute(select(t).where(t.c.user_id == user_id))).first()
        return None if row is None else self._enrollment(row)

    async def get_generations(self, user_ids: Collection[str]) -> dict[str, int]:
        t = self._enrollments
        generations: dict[str, int] = {}
        async with self._transaction("get_generations") as conn:
            for chunk in _chunks(user_ids):
                result = await conn.execute(
                    select(t.c.user_id, t.c.generation).where(
                        t.c.user_id.in_(chunk),
                        t.c.secret.is_not(None),
                        t.c.confirmed_at.is_not(None),
                    )
                )
                generations.update((row.user_id, int(row.generation)) for row in result)
        return generations

    def _upsert(self, table: Table, rows: list[dict[str, Any]], *, update: Sequence[str]) -> Insert:
        # Both dialects spell INSERT ... ON CONFLICT DO UPDATE alike; it is one atomic
        # statement, so two processes writing the same row never collide.
        stmt: postgresql.Insert | sqlite.Insert
        if self._postgres:
            stmt = postgresql.insert(table).values(rows)
        else:
            stmt = sqlite.insert(table).values(rows)
        return stmt.on_conflict_do_update(
            index_elements=list(table.primary_key.columns),
            set_={name: stmt.excluded[name] for name in update},
        )

    async def start_pending(
        self, user_id: str, *, secret: bytes, reset_code: bytes, owner: str, now: datetime
    ) -> None:
        now = _utc(now)
        stmt = self._upsert(
            self._enrollments,
            [
                {
                    "user_id": user_id,
                    "generation": 0,
                    "pending_secret": secret,
                    "pending_reset_code": reset_code,
                    "pending_started_at": now,
                    # A code typed for an earlier attempt must not confirm this one.
                    "pending_code_ok_at": None,
                    "pending_owner": owner,
                    "updated_at": now,
                }
            ],
            update=(
                "pending_secret",
                "pending_reset_code",
                "pending_started_at",
                "pending_code_ok_at",
                "pending_owner",
                "updated_at",
            ),
        )
        async with self._transaction("start_pending") as conn:
            await conn.execute(stmt)

    async def mark_pending_code_ok(self, user_id: str, *, owner: str, now: datetime) -> bool:
        now = _utc(now)
        t = self._enrollments
        stmt = (
            update(t)
            .where(
                t.c.user_id == user_id,
                t.c.pending_secret.is_not(None),
                t.c.pending_owner == owner,
            )
            .values(pending_code_ok_at=now, updated_at=now)
            .returning(t.c.user_id)
        )
        async with self._transaction("mark_pending_code_ok") as conn:
            return (await conn.execute(stmt)).first() is not None

    def _confirm_statement(
        self,
        user_id: str,
        owner: str,
        now: datetime,
        started_after: datetime,
        *,
        replacing: bool,
    ) -> Any:
        t = self._enrollments
        conditions = [
            t.c.user_id == user_id,
            t.c.pending_secret.is_not(None),
            t.c.pending_reset_code.is_not(None),
            t.c.pending_code_ok_at.is_not(None),
            t.c.pending_started_at > started_after,
            t.c.pending_owner == owner,
        ]
        if not replacing:
            conditions.append(t.c.confirmed_at.is_(None))
        # One statement: the database evaluates every SET against the old row, and a
        # second confirm waiting on the row lock finds pending_code_ok_at cleared.
        return (
            update(t)
            .where(*conditions)
            .values(
                secret=t.c.pending_secret,
                reset_code=t.c.pending_reset_code,
                confirmed_at=now,
                generation=t.c.generation + 1,
                pending_secret=None,
                pending_reset_code=None,
                pending_started_at=None,
                pending_code_ok_at=None,
                pending_owner=None,
                updated_at=now,
            )
            .returning(t.c.generation)
        )

    async def confirm_pending(
        self,
        user_id: str,
        *,
        owner: str,
        now: datetime,
        started_after: datetime,
        replacing: bool = False,
    ) -> int | None:
        stmt = self._confirm_statement(
            user_id, owner, _utc(now), _utc(started_after), replacing=replacing
        )
        async with self._transaction("confirm_pending") as conn:
            generation = (await conn.execute(stmt)).scalar_one_or_none()
        return None if generation is None else int(generation)

    async def confirm_pending_and_activate(
        self,
        user_id: str,
        office_ids: Collection[str],
        *,
        owner: str,
        now: datetime,
        started_after: datetime,
        actor_id: str | None,
    ) -> int | None:
        now = _utc(now)
        # The admin of an office that was never active may have an enrollment from
        # another office; the wizard's new one replaces it.
        stmt = self._confirm_statement(user_id, owner, now, _utc(started_after), replacing=True)
        async with self._transaction("confirm_pending_and_activate") as conn:
            generation = (await conn.execute(stmt)).scalar_one_or_none()
            if generation is None:
                return None
            await self._set_active(conn, office_ids, active=True, actor_id=actor_id, now=now)
        return int(generation)

    async def _void(
        self, conn: AsyncConnection, user_ids: Collection[str], now: datetime
    ) -> list[str]:
        t = self._enrollments
        has_something = or_(
            t.c.secret.is_not(None),
            t.c.reset_code.is_not(None),
            t.c.confirmed_at.is_not(None),
            t.c.pending_secret.is_not(None),
            t.c.pending_reset_code.is_not(None),
            t.c.pending_started_at.is_not(None),
            t.c.pending_code_ok_at.is_not(None),
        )
        voided: list[str] = []
        for chunk in _chunks(user_ids):
            result = await conn.execute(
                update(t)
                .where(t.c.user_id.in_(chunk), has_something)
                .values(**self._void_values(now))
                .returning(t.c.user_id)
            )
            voided.extend(result.scalars())
        await self._drop_passkeys(conn, user_ids)
        return sorted(voided)

    async def _drop_passkeys(self, conn: AsyncConnection, user_ids: Collection[str]) -> None:
        # A reset, a recovery and a deactivation start the user's second step over: a
        # passkey of the old one must not come back with the new phone.
        for chunk in _chunks(user_ids):
            await conn.execute(delete(self._passkeys).where(self._passkeys.c.user_id.in_(chunk)))

    def _void_values(self, now: datetime) -> dict[str, Any]:
        """What voiding sets: no secret, no reset code, nothing in progress, a new generation.

        The row stays with its generation raised: deleting it would let a later enrollment
        start at a generation an old verified session still remembers.
        """
        t = self._enrollments
        return {
            "secret": None,
            "reset_code": None,
            "confirmed_at": None,
            "pending_secret": None,
            "pending_reset_code": None,
            "pending_started_at": None,
            "pending_code_ok_at": None,
            "pending_owner": None,
            "generation": t.c.generation + 1,
            "updated_at": now,
        }

    async def void_enrollment_at(self, user_id: str, *, generation: int, now: datetime) -> bool:
        now = _utc(now)
        t = self._enrollments
        stmt = (
            update(t)
            .where(
                t.c.user_id == user_id,
                t.c.generation == generation,
                t.c.confirmed_at.is_not(None),
            )
            .values(**self._void_values(now))
            .returning(t.c.user_id)
        )
        async with self._transaction("void_enrollment_at") as conn:
            if (await conn.execute(stmt)).first() is None:
                return False
            await self._drop_passkeys(conn, [user_id])
            return True

    async def void_enrollments(self, user_ids: Collection[str], *, now: datetime) -> list[str]:
        async with self._transaction("void_enrollments") as conn:
            return await self._void(conn, user_ids, _utc(now))

    async def deactivate_and_void(
        self,
        office_ids: Collection[str],
        user_ids: Collection[str],
        *,
        actor_id: str | None,
        now: datetime,
    ) -> list[str]:
        now = _utc(now)
        async with self._transaction("deactivate_and_void") as conn:
            await self._set_active(conn, office_ids, active=False, actor_id=actor_id, now=now)
            return await self._void(conn, user_ids, now)

    async def end_verifications(self, user_id: str, *, now: datetime) -> int | None:
        now = _utc(now)
        t = self._enrollments
        stmt = (
            update(t)
            .where(t.c.user_id == user_id, t.c.confirmed_at.is_not(None))
            .values(generation=t.c.generation + 1, updated_at=now)
            .returning(t.c.generation)
        )
        async with self._transaction("end_verifications") as conn:
            generation = (await conn.execute(stmt)).scalar_one_or_none()
        return None if generation is None else int(generation)

    async def touch_verified(self, user_id: str, *, now: datetime) -> None:
        now = _utc(now)
        t = self._enrollments
        async with self._transaction("touch_verified") as conn:
            await conn.execute(
                update(t).where(t.c.user_id == user_id).values(last_verified_at=now, updated_at=now)
            )

    async def list_enrollments(self, user_ids: Collection[str]) -> list[EnrollmentRecord]:
        t = self._enrollments
        records: list[EnrollmentRecord] = []
        async with self._transaction("list_enrollments") as conn:
            for chunk in _chunks(user_ids):
                result = await conn.execute(
                    select(t).where(t.c.user_id.in_(chunk)).order_by(t.c.user_id)
                )
                records.extend(self._enrollment(row) for row in result)
        return records

    async def sealed_values(self, *, after: str | None, limit: int) -> list[SealedValues]:
        t = self._enrollments
        stmt = select(t.c.user_id, *(t.c[name] for name in _SEALED_COLUMNS)).where(
            or_(*(t.c[name].is_not(None) for name in _SEALED_COLUMNS))
        )
        if after is not None:
            stmt = stmt.where(t.c.user_id > after)
        stmt = stmt.order_by(t.c.user_id).limit(limit)
        async with self._transaction("sealed_values") as conn:
            rows = (await conn.execute(stmt)).all()
        return [_record(SealedValues, row) for row in rows]

    async def replace_sealed(
        self, changes: Sequence[tuple[SealedValues, SealedValues]]
    ) -> set[str]:
        t = self._enrollments
        written: set[str] = set()
        async with self._transaction("replace_sealed") as conn:
            for old, new in changes:
                if old.user_id != new.user_id:
                    raise GuardError("a sealed value may only be replaced in its own row")
                # Ciphertexts carry a random nonce, so equal bytes mean nobody wrote the
                # column since it was read: the same plaintext sealed again would differ.
                unchanged = [
                    t.c[name].is_(None)
                    if getattr(old, name) is None
                    else t.c[name] == getattr(old, name)
                    for name in _SEALED_COLUMNS
                ]
                result = await conn.execute(
                    update(t)
                    .where(t.c.user_id == old.user_id, *unchanged)
                    .values({name: getattr(new, name) for name in _SEALED_COLUMNS})
                    .returning(t.c.user_id)
                )
                if result.first() is not None:
                    written.add(old.user_id)
        return written

    # Passkeys and security keys

    async def add_passkey(self, record: PasskeyRecord) -> bool:
        t = self._passkeys
        async with self._transaction("add_passkey") as conn:
            taken = await conn.execute(
                select(t.c.id).where(t.c.user_id == record.user_id, t.c.lookup == record.lookup)
            )
            if taken.first() is not None:
                return False
            await conn.execute(
                t.insert().values(
                    id=record.id,
                    user_id=record.user_id,
                    name=record.name,
                    lookup=record.lookup,
                    credential=record.credential,
                    sign_count=record.sign_count,
                    added_at=_utc(record.added_at),
                    last_used_at=None,
                )
            )
        return True

    async def list_passkeys(self, user_id: str) -> list[PasskeyRecord]:
        t = self._passkeys
        async with self._transaction("list_passkeys") as conn:
            result = await conn.execute(
                select(t).where(t.c.user_id == user_id).order_by(t.c.added_at, t.c.id)
            )
            return [_record(PasskeyRecord, row) for row in result]

    async def use_passkey(
        self, user_id: str, passkey_id: str, *, seen_count: int, sign_count: int, now: datetime
    ) -> bool:
        t = self._passkeys
        async with self._transaction("use_passkey") as conn:
            result = await conn.execute(
                update(t)
                .where(t.c.user_id == user_id, t.c.id == passkey_id, t.c.sign_count == seen_count)
                .values(sign_count=sign_count, last_used_at=_utc(now))
            )
        return bool(result.rowcount)

    async def remove_passkey(self, user_id: str, passkey_id: str) -> bool:
        t = self._passkeys
        async with self._transaction("remove_passkey") as conn:
            result = await conn.execute(
                delete(t).where(t.c.user_id == user_id, t.c.id == passkey_id)
            )
        return bool(result.rowcount)

    async def rename_passkey(self, user_id: str, passkey_id: str, name: str) -> bool:
        t = self._passkeys
        async with self._transaction("rename_passkey") as conn:
            result = await conn.execute(
                update(t).where(t.c.user_id == user_id, t.c.id == passkey_id).values(name=name)
            )
        return bool(result.rowcount)

    # The authenticator app

    async def get_app(self, user_id: str) -> AppRecord | None:
        t = self._apps
        async with self._transaction("get_app") as conn:
            row = (await conn.execute(select(t).where(t.c.user_id == user_id))).first()
        if row is None:
            return None
        return AppRecord(
            user_id=row.user_id,
            confirmed_at=row.confirmed_at,
            name=row.name,
            last_used_at=row.last_used_at,
        )

    def _app_upsert(self, user_id: str, confirmed_at: datetime, **values: Any) -> Insert:
        """One statement that writes ``values`` and keeps the row's other column only
        while the row describes the same enrollment, so a rename racing a sign-in
        loses neither."""
        t = self._apps
        row = {"user_id": user_id, "confirmed_at": _utc(confirmed_at), **values}
        insert = postgresql.insert if self._postgres else sqlite.insert
        stmt = insert(t).values(row)
        same = t.c.confirmed_at == stmt.excluded.confirmed_at
        kept = {
            name: case((same, t.c[name]), else_=None)
            for name in ("name", "last_used_at")
            if name not in values
        }
        return stmt.on_conflict_do_update(
            index_elements=[t.c.user_id],
            set_={
                "confirmed_at": stmt.excluded.confirmed_at,
                **{name: stmt.excluded[name] for name in values},
                **kept,
            },
        )

    async def rename_app(self, user_id: str, *, confirmed_at: datetime, name: str) -> None:
        async with self._transaction("rename_app") as conn:
            await conn.execute(self._app_upsert(user_id, confirmed_at, name=name))

    async def touch_app(self, user_id: str, *, confirmed_at: datetime, now: datetime) -> None:
        async with self._transaction("touch_app") as conn:
            await conn.execute(self._app_upsert(user_id, confirmed_at, last_used_at=_utc(now)))

    # Office policy

    async def active_offices(self, office_ids: Collection[str]) -> set[str]:
        t = self._offices
        active: set[str] = set()
        async with self._transaction("active_offices") as conn:
            for chunk in _chunks(office_ids):
                result = await conn.execute(
                    select(t.c.office_id).where(t.c.office_id.in_(chunk), t.c.active.is_(True))
                )
                active.update(result.scalars())
        return active

    async def _set_active(
        self,
        conn: AsyncConnection,
        office_ids: Collection[str],
        *,
        active: bool,
        actor_id: str | None,
        now: datetime,
    ) -> None:
        await self._set_per_office(
            conn, self._offices, office_ids, {"active": active}, actor_id=actor_id, now=now
        )

    async def _set_per_office(
        self,
        conn: AsyncConnection,
        table: Table,
        office_ids: Collection[str],
        values: dict[str, Any],
        *,
        actor_id: str | None,
        now: datetime,
    ) -> None:
        """Write ``values`` in the row of each office, made when missing, with who and when.

        _chunks sorts, so two changes of overlapping groups lock their rows in the same
        order and cannot deadlock on PostgreSQL.
        """
        changed = {**values, "changed_at": now, "changed_by": actor_id}
        for chunk in _chunks(office_ids):
            rows = [{"office_id": office_id, **changed} for office_id in chunk]
            await conn.execute(self._upsert(table, rows, update=tuple(changed)))

    async def _per_office(
        self, operation: str, column: Any, office_ids: Collection[str]
    ) -> dict[str, Any]:
        """``column`` of each of these offices that has a row."""
        table = column.table
        found: dict[str, Any] = {}
        async with self._transaction(operation) as conn:
            for chunk in _chunks(office_ids):
                result = await conn.execute(
                    select(table.c.office_id, column).where(table.c.office_id.in_(chunk))
                )
                found.update((row[0], row[1]) for row in result)
        return found

    async def set_offices_active(
        self, office_ids: Collection[str], *, active: bool, actor_id: str | None, now: datetime
    ) -> None:
        async with self._transaction("set_offices_active") as conn:
            await self._set_active(
                conn, office_ids, active=active, actor_id=actor_id, now=_utc(now)
            )

    # Trusted browsers

    async def trust_policies(self, office_ids: Collection[str]) -> dict[str, int]:
        found = await self._per_office(
            "trust_policies", self._trust_policies.c.max_days, office_ids
        )
        return {office_id: int(days) for office_id, days in found.items()}

    async def set_trust_policy(
        self, office_ids: Collection[str], *, max_days: int, actor_id: str | None, now: datetime
    ) -> None:
        await self._set_setting(
            "set_trust_policy",
            self._trust_policies,
            office_ids,
            {"max_days": max_days},
            actor_id=actor_id,
            now=now,
        )

    async def passkey_policies(self, office_ids: Collection[str]) -> dict[str, str]:
        found = await self._per_office(
            "passkey_policies", self._passkey_policies.c.applies_to, office_ids
        )
        return {office_id: str(applies_to) for office_id, applies_to in found.items()}

    async def set_passkey_policy(
        self, office_ids: Collection[str], *, applies_to: str, actor_id: str | None, now: datetime
    ) -> None:
        await self._set_setting(
            "set_passkey_policy",
            self._passkey_policies,
            office_ids,
            {"applies_to": applies_to},
            actor_id=actor_id,
            now=now,
        )

    async def _set_setting(
        self,
        operation: str,
        table: Table,
        office_ids: Collection[str],
        values: dict[str, Any],
        *,
        actor_id: str | None,
        now: datetime,
    ) -> None:
        async with self._transaction(operation) as conn:
            await self._set_per_office(
                conn, table, office_ids, values, actor_id=actor_id, now=_utc(now)
            )

    @staticmethod
    def _trust(row: Any) -> TrustRecord:
        record: TrustRecord = _record(TrustRecord, row)
        return record

    async def add_trust(self, record: TrustRecord, *, token_hash: str) -> None:
        async with self._transaction("add_trust") as conn:
            await conn.execute(
                self._trusts.insert().values(
                    id=record.id,
                    token_hash=token_hash,
                    user_id=record.user_id,
                    generation=record.generation,
                    created_at=_utc(record.created_at),
                    last_used_at=None if record.last_used_at is None else _utc(record.last_used_at),
                    expires_at=_utc(record.expires_at),
                    user_agent=record.user_agent[:255],
                    address=record.address,
                )
            )

    async def trust_by_token(self, token_hash: str) -> TrustRecord | None:
        t = self._trusts
        async with self._transaction("trust_by_token") as conn:
            row = (await conn.execute(select(t).where(t.c.token_hash == token_hash))).first()
        return None if row is None else self._trust(row)

    async def touch_trust(self, trust_id: str, *, now: datetime) -> None:
        t = self._trusts
        async with self._transaction("touch_trust") as conn:
            await conn.execute(update(t).where(t.c.id == trust_id).values(last_used_at=_utc(now)))

    async def list_trusts(self, user_id: str) -> list[TrustRecord]:
        t = self._trusts
        stmt = select(t).where(t.c.user_id == user_id).order_by(t.c.created_at.desc(), t.c.id)
        async with self._transaction("list_trusts") as conn:
            rows = (await conn.execute(stmt)).all()
        return [self._trust(row) for row in rows]

    async def remove_trusts(
        self,
        user_ids: Collection[str],
        *,
        trust_id: str | None = None,
        before: datetime | None = None,
    ) -> int:
        t = self._trusts
        removed = 0
        async with self._transaction("remove_trusts") as conn:
            for chunk in _chunks(user_ids):
                stmt = delete(t).where(t.c.user_id.in_(chunk))
                if trust_id is not None:
                    stmt = stmt.where(t.c.id == trust_id)
                if before is not None:
                    stmt = stmt.where(t.c.expires_at <= _utc(before))
                result = await conn.execute(stmt.returning(t.c.id))
                removed += len(result.all())
        return removed

    # Audit

    async def add_event(self, record: AuditRecord) -> None:
        async with self._transaction("add_event") as conn:
            await conn.execute(
                self._events.insert().values(
                    at=_utc(record.at),
                    event=record.event,
                    outcome=record.outcome,
                    actor_id=record.actor_id,
                    subject_id=record.subject_id,
                    office_id=record.office_id,
                    address=record.address,
                    detail=record.detail,
                )
            )

    async def fold_event(self, record: AuditRecord, *, since: datetime) -> bool:
        t = self._events
        stmt = (
            select(t.c.id, t.c.detail)
            .where(
                # office_id and at first: the audit_office_at index finds the rows.
                t.c.office_id.is_not_distinct_from(record.office_id),
                t.c.at >= _utc(since),
                t.c.event == record.event,
                t.c.outcome == record.outcome,
                t.c.actor_id.is_not_distinct_from(record.actor_id),
                t.c.subject_id.is_not_distinct_from(record.subject_id),
                or_(
                    t.c.detail == record.detail,
                    t.c.detail.startswith(_repeated_prefix(record.detail), autoescape=True),
                ),
            )
            .order_by(t.c.at.desc(), t.c.id.desc())
            .limit(1)
            # Two processes folding into one row count both (PostgreSQL; SQLite
            # writes one transaction at a time).
            .with_for_update()
        )
        async with self._transaction("fold_event") as conn:
            row = (await conn.execute(stmt)).first()
            if row is None:
                return False
            count = _repeats(row.detail) + 1
            await conn.execute(
                update(t)
                .where(t.c.id == row.id)
                .values(
                    at=_utc(record.at),
                    address=record.address,
                    detail=f"{_repeated_prefix(record.detail)}{count}",
                )
            )
        return True

    async def recent_events_of(
        self, user_id: str, *, events: Collection[str], limit: int
    ) -> Sequence[AuditRecord]:
        if not events or limit <= 0:
            return []
        t = self._events
        stmt = (
            select(t)
            # subject_id and at: the audit_subject_at index reads the newest rows first.
            .where(t.c.subject_id == user_id, t.c.event.in_(sorted(set(events))))
            .order_by(t.c.at.desc(), t.c.id.desc())
            .limit(limit)
        )
        async with self._transaction("recent_events_of") as conn:
            rows = (await conn.execute(stmt)).all()
        return [_audit_record(row) for row in rows]

    async def events_after(
        self,
        after_id: int | None,
        *,
        since: datetime | None = None,
        office_id: str | None = None,
        user_id: str | None = None,
        limit: int = 500,
    ) -> Sequence[AuditRecord]:
        if limit <= 0:
            return []
        t = self._events
        stmt = select(t)
        if after_id is not None:
            stmt = stmt.where(t.c.id > after_id)
        if since is not None:
            stmt = stmt.where(t.c.at >= _utc(since))
        if office_id is not None:
            stmt = stmt.where(t.c.office_id == office_id)
        if user_id is not None:
            stmt = stmt.where(or_(t.c.subject_id == user_id, t.c.actor_id == user_id))
        stmt = stmt.order_by(t.c.id).limit(limit)
        async with self._transaction("events_after") as conn:
            rows = (await conn.execute(stmt)).all()
        return [_audit_record(row) for row in rows]

    async def recent_events(
        self, *, office_ids: Collection[str], limit: int = 50
    ) -> Sequence[AuditRecord]:
        if not office_ids or limit <= 0:
            return []
        t = self._events
        stmt = (
            select(t)
            .where(t.c.office_id.in_(sorted(set(office_ids))))
            # The id breaks ties between events of the same moment: later insert first.
            .order_by(t.c.at.desc(), t.c.id.desc())
            .limit(limit)
        )
        async with self._transaction("recent_events") as conn:
            rows = (await conn.execute(stmt)).all()
        return [_audit_record(row) for row in rows]
