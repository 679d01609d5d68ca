"""Loads accounts that are missing: the demo accounts (Alice and Bob) by `make up`, not by migrations,
and the benchmarks' own."""

import asyncio
import uuid
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine

from bank.adapters.tables import AccountRow
from bank.config import get_settings

ALICE = uuid.UUID("123e4567-e89b-12d3-a456-426614174000")
BOB = uuid.UUID("987e6543-e21b-34d3-c456-426614174999")
DEMO_ACCOUNTS = [(ALICE, Decimal("1000.00"), "RUB"), (BOB, Decimal("500.00"), "RUB")]


async def load_accounts(database_url: str, accounts: list[tuple[uuid.UUID, Decimal, str]]) -> None:
    """Insert the accounts that do not exist yet, in one statement; existing ones are left as they are."""
    engine = create_async_engine(database_url)
    rows = [
        {"id": i, "balance": b, "currency": c, "created_at": func.now(), "updated_at": func.now(), "version": 0}
        for i, b, c in accounts
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(AccountRow.__table__).values(rows).on_conflict_do_nothing())
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(load_accounts(get_settings().database_url, DEMO_ACCOUNTS))
