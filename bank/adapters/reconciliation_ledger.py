"""The Bank's side of the reconciliation (PostgreSQL): completed operations per account and UTC day, their rows, and
the outbox write that delivers an event again."""

import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bank.adapters.tables import deposits, outbox, transfers
from bank.domain.events import OutboxEvent
from bank.domain.model import Deposit, Transfer
from bank.domain.reconciliation import Key, Movement, Tally

# Each operation once per account whose history holds it: a transfer for both of its accounts, a deposit for one.
_TALLIES = text(
    "SELECT account_id, (created_at AT TIME ZONE 'UTC')::date AS day, count(*), sum(amount) FROM ("
    " SELECT from_account_id AS account_id, amount, created_at FROM transfers"
    "  WHERE status = 'completed' AND created_at >= :start AND created_at < :end"
    " UNION ALL SELECT to_account_id, amount, created_at FROM transfers"
    "  WHERE status = 'completed' AND created_at >= :start AND created_at < :end"
    " UNION ALL SELECT account_id, amount, created_at FROM deposits WHERE created_at >= :start AND created_at < :end"
    ") AS moves GROUP BY account_id, day"
)
_OUTBOX_ID = text(
    "SELECT id FROM outbox WHERE type = :type AND (payload ->> 'transfer_id' = :operation_id "
    "OR payload ->> 'topup_id' = :operation_id) LIMIT 1"
)


class PostgresLedger:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def tallies(self, start: datetime, end: datetime) -> dict[Key, Tally]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(_TALLIES, {"start": start, "end": end})
            return {(account, day): Tally(count, Decimal(total)) for account, day, count, total in rows}

    async def movements(self, key: Key) -> list[Movement]:
        account, day = key
        start = datetime.combine(day, time(), tzinfo=UTC)
        end = start + timedelta(days=1)
        touches = (transfers.c.from_account_id == account) | (transfers.c.to_account_id == account)
        async with self._engine.connect() as conn:
            sent = await conn.execute(
                select(transfers).where(
                    touches,
                    transfers.c.status == "completed",
                    transfers.c.created_at >= start,
                    transfers.c.created_at < end,
                )
            )
            found = [Movement(Transfer(**row)) for row in sent.mappings()]
            credited = await conn.execute(
                select(deposits).where(
                    deposits.c.account_id == account, deposits.c.created_at >= start, deposits.c.created_at < end
                )
            )
            return found + [Movement(Deposit(**row)) for row in credited.mappings()]

    async def outbox_event_id(self, movement: Movement) -> uuid.UUID | None:
        """The id of the operation's outbox row while retention keeps it (bank.adapters.outbox_retention)."""
        async with self._engine.connect() as conn:
            found = await conn.execute(_OUTBOX_ID, {"type": movement.event_type, "operation_id": movement.operation_id})
            return found.scalar()

    async def deliver_again(self, event: OutboxEvent) -> None:
        """A new INSERT of the event's outbox row (the publication publishes inserts only, so Debezium routes it to the
        topic again); an old row of the same id goes first, in the same transaction."""
        async with self._engine.begin() as conn:
            # Replicas repairing the same event at once: one after the other, each a delete and an insert.
            await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:id))"), {"id": str(event.id)})
            await conn.execute(delete(outbox).where(outbox.c.id == event.id))
            await conn.execute(insert(outbox).values(**vars(event), created_at=func.now()))
