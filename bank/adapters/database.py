"""The Bank's async engine, and the translation of driver failures into Bank errors."""

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bank.config import Settings
from bank.domain.errors import BankError, ConcurrencyConflict, DatabaseUnavailable, IdempotencyKeyInFlight

SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"


def create_engine(settings: Settings) -> AsyncEngine:
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        pool_timeout=settings.db_connect_timeout_s,
        connect_args={
            "timeout": settings.db_connect_timeout_s,
            "server_settings": {
                "statement_timeout": str(settings.statement_timeout_ms),
                "application_name": "wallet-bank",
            },
        },
    )


def translate(exc: BaseException) -> BankError | None:
    """The Bank error a driver failure means, or None when it is a bug to let through."""
    if isinstance(exc, BankError):
        return None
    if isinstance(exc, DBAPIError):
        sqlstate = _sqlstate(exc)
        if sqlstate in (SERIALIZATION_FAILURE, DEADLOCK_DETECTED):
            return ConcurrencyConflict(f"transaction aborted by the database ({sqlstate})")
        if sqlstate == LOCK_NOT_AVAILABLE:
            return IdempotencyKeyInFlight("a request with this idempotency key is still in progress")
        if (
            sqlstate == QUERY_CANCELED
            or isinstance(exc, OperationalError | InterfaceError)
            or exc.connection_invalidated
        ):
            return DatabaseUnavailable("the database is unavailable")
        return None
    if isinstance(exc, OSError | TimeoutError | ConnectionError):
        return DatabaseUnavailable("the database is unavailable")
    if type(exc).__module__.startswith("asyncpg"):
        return DatabaseUnavailable("the database connection failed")
    return None


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
