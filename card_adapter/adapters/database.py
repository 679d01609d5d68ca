"""The Card Adapter's async engine (driver failures become errors in kernel.postgres.translate)."""

from sqlalchemy.ext.asyncio import AsyncEngine

from card_adapter.config import Settings
from kernel import postgres


def create_engine(settings: Settings) -> AsyncEngine:
    return postgres.create_engine(settings, "wallet-card-adapter")
