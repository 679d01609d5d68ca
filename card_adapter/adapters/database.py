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


def create_engine(settings: Settings) -> AsyncEngine:
    return postgres.create_engine(settings, "wallet-card-adapter")


translate = postgres.translator(CardAdapterError, ConcurrencyConflict, IdempotencyKeyInFlight, DatabaseUnavailable)
