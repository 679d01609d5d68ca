"""The unit of work over PostgreSQL: one connection, one transaction, SQL on the Bank's tables."""

import uuid
from collections.abc import Iterable

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bank.adapters.database import translate
from bank.adapters.tables import AccountRow, DepositRow, OutboxRow, TransferRow
from bank.domain.events import OutboxEvent
from bank.domain.model import Account, Deposit, Transfer
from kernel.postgres import PostgresTransaction

accounts = AccountRow.__table__
transfers = TransferRow.__table__
deposits = DepositRow.__table__
outbox = OutboxRow.__table__


class PostgresUnitOfWork(PostgresTransaction):
    def __init__(self, engine: AsyncEngine, idempotency_wait_ms: int) -> None:
        super().__init__(engine, translate, idempotency_wait_ms)

    async def lock_accounts(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Account]:
        # Locking in primary-key order means two transfers never wait on each other in a cycle.
        query = select(accounts).where(accounts.c.id.in_(sorted(set(ids)))).order_by(accounts.c.id).with_for_update()
        rows = (await self.conn.execute(query)).mappings()
        return {row["id"]: _account(row) for row in rows}

    async def get_account(self, account_id: uuid.UUID) -> Account | None:
        row = (await self.conn.execute(select(accounts).where(accounts.c.id == account_id))).mappings().first()
        return _account(row) if row else None

    async def save_accounts(self, changed: Iterable[Account]) -> None:
        for account in changed:
            await self.conn.execute(
                update(accounts)
                .where(accounts.c.id == account.id)
                .values(balance=account.balance, version=account.version, updated_at=account.updated_at)
            )

    async def find_transfer(self, from_account_id: uuid.UUID, key: str) -> Transfer | None:
        query = select(transfers).where(
            transfers.c.from_account_id == from_account_id, transfers.c.idempotency_key == key
        )
        row = (await self.conn.execute(query)).mappings().first()
        return Transfer(**row) if row else None

    async def add_transfer(self, transfer: Transfer) -> None:
        await self.conn.execute(insert(transfers).values(**vars(transfer)))

    async def find_deposit(self, payment_id: str) -> Deposit | None:
        row = (await self.conn.execute(select(deposits).where(deposits.c.payment_id == payment_id))).mappings().first()
        return Deposit(**row) if row else None

    async def add_deposit(self, deposit: Deposit) -> None:
        await self.conn.execute(insert(deposits).values(**vars(deposit)))

    async def add_event(self, event: OutboxEvent) -> None:
        await self.conn.execute(insert(outbox).values(**vars(event), created_at=func.now()))


def _account(row) -> Account:  # type: ignore[no-untyped-def]
    return Account(
        id=row["id"],
        balance=row["balance"],
        currency=row["currency"],
        updated_at=row["updated_at"],
        version=row["version"],
    )
