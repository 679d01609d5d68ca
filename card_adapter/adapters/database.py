"""The Card Adapter's async engine, and the translation of driver failures into its errors."""

from sqlalchemy.ext.asyncio import AsyncEngine

from card_adapter.config import Settings
from card_adapter.domain.errors import (
    CardAdapterError,
    ConcurrencyConflict,
    DatabaseUnavailable,
    IdempotencyKeyInFlight,
)
from kernel import postgres
from kernel.postgres import Failure


def create_engine(settings: Settings) -> AsyncEngine:
    return postgres.create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        connect_timeout_s=settings.db_connect_timeout_s,
        statement_timeout_ms=settings.statement_timeout_ms,
        application_name="wallet-card-adapter",
    )


def translate(exc: BaseException) -> CardAdapterError | None:
    """The Card Adapter error a driver failure means, or None when it is a bug to let through."""
    if isinstance(exc, CardAdapterError):
        return None
    match postgres.failure(exc):
        case Failure.CONFLICT:
            return ConcurrencyConflict("transaction aborted by the database (serialization failure or deadlock)")
        case Failure.LOCK_TIMEOUT:
            return IdempotencyKeyInFlight("a request with this idempotency key is still in progress")
        case Failure.UNAVAILABLE:
            return DatabaseUnavailable("the database is unavailable")
    return None
