"""The unit of work over PostgreSQL: one transaction, SQL on the topups table."""

import uuid
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from card_adapter.adapters.tables import FINAL_STATES, topups
from card_adapter.domain.topup import OPEN, State, TopUp
from kernel.errors import ConcurrencyConflict
from kernel.postgres import PostgresTransaction

_COLUMNS = [f.name for f in fields(TopUp)]


class PostgresUnitOfWork(PostgresTransaction):
    async def find_topup_by_key(self, account_id: uuid.UUID, key: str) -> TopUp | None:
        query = select(topups).where(topups.c.account_id == account_id, topups.c.idempotency_key == key)
        return await self._one(query)

    async def get_topup(self, topup_id: uuid.UUID) -> TopUp | None:
        return await self._one(select(topups).where(topups.c.id == topup_id))

    async def add_topup(self, topup: TopUp) -> None:
        await self.conn.execute(insert(topups).values(**_row(topup)))

    async def save_topup(self, topup: TopUp) -> None:
        expected = topup.version
        topup.version += 1
        done = await self.conn.execute(
            update(topups).where(topups.c.id == topup.id, topups.c.version == expected).values(**_row(topup))
        )
        if done.rowcount != 1:
            topup.version = expected
            raise ConcurrencyConflict(f"top-up {topup.id} changed under this worker")

    async def unfinished_topups(self, untouched_since: datetime | None) -> list[TopUp]:
        query = select(topups).where(topups.c.state.not_in(FINAL_STATES)).order_by(topups.c.created_at)
        if untouched_since is not None:
            query = query.where(topups.c.updated_at < untouched_since)
        return [_topup(row) for row in (await self.conn.execute(query)).mappings()]

    async def pending_topups(self) -> tuple[int, datetime | None]:
        """How many top-ups await their outcome (requested, charged), and when the oldest of them was asked for."""
        waiting = [state.value for state in OPEN]
        # The first condition is the partial index's own: the few unfinished rows are all it reads.
        query = select(func.count(), func.min(topups.c.created_at)).where(
            topups.c.state.not_in(FINAL_STATES), topups.c.state.in_(waiting)
        )
        count, oldest = (await self.conn.execute(query)).one()
        return count, oldest

    async def _one(self, query: Any) -> TopUp | None:
        row = (await self.conn.execute(query)).mappings().first()
        return _topup(row) if row else None


def _row(topup: TopUp) -> dict[str, Any]:
    return {name: getattr(topup, name) for name in _COLUMNS}


def _topup(row: Any) -> TopUp:
    values = {name: row[name] for name in _COLUMNS}
    return TopUp(**{**values, "state": State(values["state"])})
