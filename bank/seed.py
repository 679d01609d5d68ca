"""Loads the demo accounts (Alice and Bob) if they are missing; run by `make up`, not by migrations."""

import asyncio
import uuid
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert

from bank.adapters.database import create_engine
from bank.adapters.tables import AccountRow
from bank.config import get_settings

ALICE = uuid.UUID("123e4567-e89b-12d3-a456-426614174000")
BOB = uuid.UUID("987e6543-e21b-34d3-c456-426614174999")
DEMO_ACCOUNTS = [(ALICE, Decimal("1000.00"), "RUB"), (BOB, Decimal("500.00"), "RUB")]


async def seed(accounts: list[tuple[uuid.UUID, Decimal, str]] = DEMO_ACCOUNTS) -> None:
    engine = create_engine(get_settings())
    rows = [
        {"id": i, "balance": b, "currency": c, "created_at": func.now(), "updated_at": func.now(), "version": 0}
        for i, b, c in accounts
    ]
    async with engine.begin() as conn:
        for row in rows:
            await conn.execute(insert(AccountRow.__table__).values(**row).on_conflict_do_nothing())
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(seed())
