"""Accounts loaded with a balance (the demo seed, tests, benchmarks): each balance is an opening movement, credited
against the opening-balances equity account, so that the ledger holds for them too (bank.domain.ledger)."""

import uuid
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bank.adapters import ledger_entries, tables
from bank.domain import ledger

# An account to load: its id, balance and currency.
Opening = tuple[uuid.UUID, Decimal, str]


async def open_accounts(connection: AsyncConnection, accounts: Iterable[Opening], owner_id: uuid.UUID | None) -> None:
    """Insert the accounts that do not exist yet, each with its opening entries; existing ones stay as they are."""
    rows = [
        {"id": i, "balance": b, "currency": c, "created_at": func.now(), "updated_at": func.now(), "owner_id": owner_id}
        for i, b, c in accounts
    ]
    if not rows:
        return
    a = tables.accounts
    added = await connection.execute(
        insert(a).values(rows).on_conflict_do_nothing().returning(a.c.id, a.c.balance, a.c.currency, a.c.created_at)
    )
    await ledger_entries.add_entries(
        connection,
        [
            entry
            for row in added
            if row.balance
            for entry in ledger.opening_entries(uuid.uuid4(), row.id, row.balance, row.currency, row.created_at)
        ],
    )
