"""Past balances and statements from PostgreSQL's entries and holds (the index entries (account_id, created_at))."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bank.domain.ledger import MovementType
from bank.domain.statement import BalanceAt, LineKind, Movement, Period
from kernel.errors import AccountNotFound
from kernel.postgres import snapshot

# One statement, one snapshot: the entries at or before `at`, the holds placed by then and not yet closed.
_BALANCE_AT = text(
    "SELECT a.currency,"
    " coalesce((SELECT sum(amount) FROM entries WHERE account_id = a.id AND created_at <= :at), 0) AS balance,"
    " coalesce((SELECT sum(amount) FROM holds WHERE account_id = a.id AND created_at <= :at"
    "           AND (closed_at IS NULL OR closed_at > :at)), 0) AS held,"
    " coalesce((SELECT max(created_at) FROM entries WHERE account_id = a.id AND created_at <= :at),"
    "          least(a.created_at, :at)) AS updated_at"
    " FROM accounts a WHERE a.id = :account_id"
)
_OPENING = text("SELECT coalesce(sum(amount), 0) FROM entries WHERE account_id = :account_id AND created_at < :start")
_MOVEMENTS = text(
    "SELECT e.movement_id, e.movement_type, e.amount, e.created_at, t.kind, t.from_account_id, t.to_account_id,"
    " t.description, d.card_brand, d.card_last4"
    " FROM entries e"
    " LEFT JOIN transfers t ON e.movement_type = 'transfer' AND t.id = e.movement_id"
    " LEFT JOIN deposits d ON e.movement_type = 'deposit' AND d.id = e.movement_id"
    " WHERE e.account_id = :account_id AND e.created_at >= :start AND e.created_at < :end"
    " ORDER BY e.created_at, e.id LIMIT :limit"
)


class PostgresLedgerReads:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def balance_at(self, account_id: uuid.UUID, at: datetime) -> BalanceAt:
        async with snapshot(self._engine) as conn:
            row = (await conn.execute(_BALANCE_AT, {"account_id": account_id, "at": at})).one_or_none()
        if row is None:
            raise AccountNotFound(f"account {account_id} does not exist")
        return BalanceAt(account_id, row.currency, Decimal(row.balance), Decimal(row.held), at, row.updated_at)

    async def movements(self, account_id: uuid.UUID, period: Period, limit: int) -> tuple[Decimal, list[Movement]]:
        bounds = {"account_id": account_id, "start": period.start, "end": period.end}
        async with snapshot(self._engine) as conn:  # the opening balance and the lines after it: the same entries
            opening = await conn.scalar(_OPENING, bounds)
            rows = await conn.execute(_MOVEMENTS, {**bounds, "limit": limit})
            return Decimal(opening or 0), [_movement(account_id, row) for row in rows]


def _movement(account_id: uuid.UUID, row: Row) -> Movement:
    match row.movement_type:
        case MovementType.TRANSFER:
            other = row.to_account_id if row.from_account_id == account_id else row.from_account_id
            return Movement(row.movement_id, LineKind(row.kind), row.amount, row.created_at, other, row.description)
        case MovementType.DEPOSIT:
            card = f"Top-up, {row.card_brand} card ending {row.card_last4}" if row.card_last4 else None
            return Movement(row.movement_id, LineKind.TOPUP, row.amount, row.created_at, None, card)
    return Movement(row.movement_id, LineKind.OPENING, row.amount, row.created_at)
