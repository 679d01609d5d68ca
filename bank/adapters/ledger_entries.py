"""Entries written on a connection: each recorded, and each internal account's balance moved by its entries (created
when first used). A customer's account is moved by whoever changed it (the unit of work, the transfer statement)."""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from decimal import Decimal

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bank.adapters.tables import entries as entries_table
from bank.domain.ledger import INTERNAL_KINDS, AccountKind, Entry, internal_account_id

# One statement per internal account: concurrent movements wait on its row only until each commits.
_MOVE_INTERNAL = text(
    "INSERT INTO accounts (id, balance, currency, kind, created_at, updated_at, version) "
    "VALUES (:id, :amount, :currency, :kind, now(), now(), 1) "
    "ON CONFLICT (id) DO UPDATE SET balance = accounts.balance + EXCLUDED.balance, "
    "version = accounts.version + 1, updated_at = now()"
)


async def add_entries(connection: AsyncConnection, entries: Iterable[Entry]) -> None:
    rows = list(entries)
    internal: dict[tuple[uuid.UUID, str, AccountKind], Decimal] = defaultdict(Decimal)
    for entry in rows:
        for kind in INTERNAL_KINDS:
            if entry.account_id == internal_account_id(kind, entry.currency):
                internal[entry.account_id, entry.currency, kind] += entry.amount
    for (account_id, currency, kind), amount in sorted(internal.items()):  # in id order, as accounts are locked
        await connection.execute(
            _MOVE_INTERNAL, {"id": account_id, "amount": amount, "currency": currency, "kind": kind.value}
        )
    if rows:
        await connection.execute(insert(entries_table), [asdict(entry) for entry in rows])
