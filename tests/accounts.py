"""Accounts of one test, straight in the Bank's database: created with an opening balance (and its ledger entries),
and their balances read back."""

import uuid
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bank.adapters.opening_balances import open_accounts
from tests.users import TESTER


async def create_accounts(
    engine: AsyncEngine, *balances: str, currency: str = "RUB", owner: uuid.UUID | None = TESTER.id
) -> list[uuid.UUID]:
    """Fresh accounts for one test (the tester's unless `owner` says otherwise), so tests never share balances."""
    ids = [uuid.uuid4() for _ in balances]
    async with engine.begin() as conn:
        await open_accounts(conn, [(i, Decimal(b), currency) for i, b in zip(ids, balances, strict=True)], owner)
    return ids


async def balances(engine: AsyncEngine, ids: list[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT id, balance FROM accounts WHERE id = ANY(:ids)"), {"ids": ids})
        return {row.id: row.balance for row in rows}
