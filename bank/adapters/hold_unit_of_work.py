"""The unit of work of holds over PostgreSQL: the Bank's unit of work and the SQL of the holds table (a capture's
transfer row too; bank.service_layer.hold_service)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, or_, select, update

from bank.adapters.tables import holds, transfers
from bank.adapters.unit_of_work import PostgresUnitOfWork
from bank.domain.holds import Hold, HoldStatus
from bank.domain.model import Transfer

# A hold and its capture's transfer, if any (transfers.hold_id is unique).
_HOLDS: Select[Any] = select(holds, transfers.c.id.label("transfer_id")).outerjoin(
    transfers, transfers.c.hold_id == holds.c.id
)
_CLOSING = ("captured_amount", "closing_idempotency_key", "closing_fingerprint", "closed_at")


class PostgresHoldUnitOfWork(PostgresUnitOfWork):
    async def add_hold(self, hold: Hold) -> None:
        row = {k: v for k, v in vars(hold).items() if k not in ("transfer_id", "status")}
        await self.conn.execute(insert(holds).values(**row, status=hold.status.value))

    async def find_hold(self, account_id: uuid.UUID, key: str) -> Hold | None:
        return await self._one(_HOLDS.where(holds.c.account_id == account_id, holds.c.idempotency_key == key))

    async def get_hold(self, hold_id: uuid.UUID, lock: bool = False) -> Hold | None:
        query = _HOLDS.where(holds.c.id == hold_id)
        return await self._one(query.with_for_update(of=holds) if lock else query)

    async def lock_due_holds(self, at: datetime, limit: int) -> list[Hold]:
        # By the partial index of open holds' expiry; no capture of these exists (they are open): no join.
        query = (
            select(holds)
            .where(holds.c.status == HoldStatus.PLACED.value, holds.c.expires_at <= at)
            .order_by(holds.c.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_hold(row) for row in (await self.conn.execute(query)).mappings()]

    async def holds_of(self, account_id: uuid.UUID, status: HoldStatus | None, limit: int) -> list[Hold]:
        query = _HOLDS.where(or_(holds.c.account_id == account_id, holds.c.to_account_id == account_id))
        if status is not None:
            query = query.where(holds.c.status == status.value)
        query = query.order_by(holds.c.created_at.desc(), holds.c.id).limit(limit)
        return [_hold(row) for row in (await self.conn.execute(query)).mappings()]

    async def save_hold(self, hold: Hold) -> None:
        values = {name: getattr(hold, name) for name in _CLOSING}
        await self.conn.execute(update(holds).where(holds.c.id == hold.id).values(**values, status=hold.status.value))

    async def add_transfer(self, transfer: Transfer) -> None:
        await self.conn.execute(insert(transfers).values(**vars(transfer)))

    async def _one(self, query: Select[Any]) -> Hold | None:
        row = (await self.conn.execute(query)).mappings().first()
        return _hold(row) if row else None


def _hold(row: Any) -> Hold:
    return Hold(**{**row, "status": HoldStatus(row["status"])})
