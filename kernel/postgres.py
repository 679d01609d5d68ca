"""PostgreSQL plumbing the services share: the async engine, what a driver failure means, one transaction."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import Enum
from types import TracebackType
from typing import Self

from sqlalchemy import DateTime, Numeric, func, select, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from kernel.errors import ConcurrencyConflict, DatabaseUnavailable, IdempotencyKeyInFlight, ServiceError
from kernel.settings import DatabaseServiceSettings

# The column types of every service's tables and migrations: money exact to the cent (kernel.money.MAX_AMOUNT fits),
# time with its zone.
MONEY = Numeric(18, 2)
TIMESTAMP = DateTime(timezone=True)

SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"


class Failure(Enum):
    CONFLICT = "conflict"  # serialization failure or deadlock: the whole transaction may be retried
    LOCK_TIMEOUT = "lock_timeout"  # another transaction held the lock past lock_timeout
    UNAVAILABLE = "unavailable"  # no database, broken connection or statement timeout


def create_engine(settings: DatabaseServiceSettings, application_name: str) -> AsyncEngine:
    return create_async_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        pool_timeout=settings.db_connect_timeout_s,
        connect_args={
            "timeout": settings.db_connect_timeout_s,
            "server_settings": {
                "statement_timeout": str(settings.statement_timeout_ms),
                "application_name": application_name,
            },
        },
    )


def failure(exc: BaseException) -> Failure | None:
    """What a driver failure means to the caller, or None when it is a bug to let through. Takes SQLAlchemy's
    wrapped errors and asyncpg's own (the Bank's transfer statement runs on asyncpg directly)."""
    if isinstance(exc, DBAPIError):
        broken = isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated
        return _by_sqlstate(_sqlstate(exc)) or (Failure.UNAVAILABLE if broken else None)
    if sqlstate := getattr(exc, "sqlstate", None):  # an asyncpg PostgresError: the server answered
        return _by_sqlstate(sqlstate) or (Failure.UNAVAILABLE if sqlstate.startswith(("08", "57P")) else None)
    if isinstance(exc, OSError | TimeoutError | ConnectionError) or type(exc).__module__.startswith("asyncpg"):
        return Failure.UNAVAILABLE
    return None


def _by_sqlstate(sqlstate: str | None) -> Failure | None:
    if sqlstate in (SERIALIZATION_FAILURE, DEADLOCK_DETECTED):
        return Failure.CONFLICT
    if sqlstate == LOCK_NOT_AVAILABLE:
        return Failure.LOCK_TIMEOUT
    if sqlstate == QUERY_CANCELED:
        return Failure.UNAVAILABLE
    return None


@asynccontextmanager
async def snapshot(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A REPEATABLE READ transaction for reads that must see one state of the database (a sum and the rows after it,
    checks across tables); driver failures raised as the errors they mean."""
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                yield conn
    except Exception as exc:
        raise (translate(exc) or exc) from exc


def translate(exc: BaseException) -> Exception | None:
    """A driver failure as the service error it means (kernel.errors), None for the service's own errors and bugs."""
    if isinstance(exc, ServiceError):
        return None
    match failure(exc):
        case Failure.CONFLICT:
            return ConcurrencyConflict("transaction aborted by the database (serialization failure or deadlock)")
        case Failure.LOCK_TIMEOUT:
            return IdempotencyKeyInFlight("a request with this idempotency key is still in progress")
        case Failure.UNAVAILABLE:
            return DatabaseUnavailable("the database is unavailable")
    return None


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


class PostgresTransaction:
    """One connection, one transaction; leaving without commit() rolls back. Driver failures are
    re-raised as the errors they mean by `translate` (None lets the original through)."""

    def __init__(self, engine: AsyncEngine, idempotency_wait_ms: int) -> None:
        self._engine = engine
        self._idempotency_wait_ms = idempotency_wait_ms
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        try:
            self._conn = await self._engine.connect()
            await self._conn.begin()
        except BaseException as exc:
            raise (translate(exc) or exc) from exc
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self._conn, None
        try:
            if conn is not None:
                await conn.rollback()  # no-op after commit()
                await conn.close()
        except Exception:  # the connection is already broken; the pool discards it
            pass
        if exc is not None and (translated := translate(exc)):
            raise translated from exc

    @property
    def conn(self) -> AsyncConnection:
        assert self._conn is not None, "unit of work used outside `async with`"
        return self._conn

    async def commit(self) -> None:
        await self.conn.commit()

    async def lock_idempotency_key(self, scope: str, key: str) -> None:
        """Wait at most idempotency_wait_ms for other transactions holding (scope, key); then LOCK_TIMEOUT."""
        # set_config(..., true) is SET LOCAL with a bind parameter: SET itself takes none.
        wait = {"ms": str(int(self._idempotency_wait_ms))}
        await self.conn.execute(text("SELECT set_config('lock_timeout', :ms, true)"), wait)
        await self.conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"{scope}:{key}", 0))))
        await self.conn.execute(text("SET LOCAL lock_timeout = 0"))
