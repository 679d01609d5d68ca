"""The Bank's async engine, and the translation of driver failures into Bank errors."""

from sqlalchemy.ext.asyncio import AsyncEngine

from bank.config import Settings
from bank.domain.errors import BankError, ConcurrencyConflict, DatabaseUnavailable, IdempotencyKeyInFlight
from kernel import postgres


def create_engine(settings: Settings) -> AsyncEngine:
    return postgres.create_engine(settings, "wallet-bank")


translate = postgres.translator(BankError, ConcurrencyConflict, IdempotencyKeyInFlight, DatabaseUnavailable)
