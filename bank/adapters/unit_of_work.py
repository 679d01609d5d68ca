"""The unit of work over PostgreSQL: one connection, one transaction, SQL on the Bank's tables."""

import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Uuid, any_, bindparam, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncEngine

from bank import metrics
from bank.adapters import ledger_entries
from bank.adapters.tables import accounts, deposits, outbox, transfers, users
from bank.domain.events import OutboxEvent
from bank.domain.ledger import Entry
from bank.domain.model import Account, Deposit, Transfer
from bank.domain.users import Role, User
from kernel.postgres import PostgresTransaction

_SAVE_ACCOUNTS = text(
    "UPDATE accounts AS a SET balance = v.balance, held = v.held, version = v.version, updated_at = v.updated_at "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:balances AS numeric[]), CAST(:held AS numeric[]), "
    "CAST(:versions AS integer[]), CAST(:updated AS timestamptz[])) AS v(id, balance, held, version, updated_at) "
    "WHERE a.id = v.id"
)


class PostgresUnitOfWork(PostgresTransaction):
    def __init__(self, engine: AsyncEngine, idempotency_wait_ms: int) -> None:
        super().__init__(engine, idempotency_wait_ms)
        self._event_types: list[str] = []

    async def commit(self) -> None:
        await super().commit()
        metrics.outbox_rows_committed(self._event_types)
        self._event_types.clear()

    async def lock_accounts(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Account]:
        # Locking in primary-key order means two transfers never wait on each other in a cycle.
        # One array parameter typed uuid[]: ids read back from the database are asyncpg's own UUID class, for which
        # SQLAlchemy infers no type (uuid = text), so the array's elements must not be typed by their values.
        wanted = bindparam("ids", list(set(ids)), type_=ARRAY(Uuid))
        query = select(accounts).where(accounts.c.id == any_(wanted)).order_by(accounts.c.id).with_for_update()
        rows = (await self.conn.execute(query)).mappings()
        return {row["id"]: _account(row) for row in rows}

    async def get_account(self, account_id: uuid.UUID) -> Account | None:
        row = (await self.conn.execute(select(accounts).where(accounts.c.id == account_id))).mappings().first()
        return _account(row) if row else None

    async def save_accounts(self, changed: Iterable[Account]) -> None:
        """Both sides of a transfer in one statement: one round trip fewer on the hot path."""
        rows = list(changed)
        await self.conn.execute(
            _SAVE_ACCOUNTS,
            {
                "ids": [a.id for a in rows],
                "balances": [a.balance for a in rows],
                "held": [a.held for a in rows],
                "versions": [a.version for a in rows],
                "updated": [a.updated_at for a in rows],
            },
        )

    async def find_deposit(self, payment_id: str) -> Deposit | None:
        row = (await self.conn.execute(select(deposits).where(deposits.c.payment_id == payment_id))).mappings().first()
        return Deposit(**row) if row else None

    async def add_deposit(self, deposit: Deposit) -> None:
        await self.conn.execute(insert(deposits).values(**vars(deposit)))

    async def add_entries(self, entries: Iterable[Entry]) -> None:
        await ledger_entries.add_entries(self.conn, entries)

    async def add_event(self, event: OutboxEvent) -> None:
        await self.conn.execute(insert(outbox).values(**vars(event), created_at=func.now()))
        self._event_types.append(event.type)  # counted once committed

    async def add_account(self, account: Account) -> None:
        await self.conn.execute(insert(accounts).values(**vars(account), created_at=account.updated_at))

    async def accounts_of(self, owner_id: uuid.UUID) -> list[Account]:
        query = select(accounts).where(accounts.c.owner_id == owner_id).order_by(accounts.c.created_at, accounts.c.id)
        return [_account(row) for row in (await self.conn.execute(query)).mappings()]

    async def add_user(self, user: User) -> bool:
        """False when the username or id is taken (nothing written)."""
        added = await self.conn.execute(
            upsert(users).values(**vars(user)).on_conflict_do_nothing().returning(users.c.id)
        )
        return added.first() is not None

    async def find_user(self, username: str) -> User | None:
        return _user((await self.conn.execute(select(users).where(users.c.username == username))).mappings().first())

    async def get_user(self, user_id: uuid.UUID) -> User | None:
        return _user((await self.conn.execute(select(users).where(users.c.id == user_id))).mappings().first())

    async def get_transfer(self, transfer_id: uuid.UUID) -> Transfer | None:
        return await self._transfer(transfers.c.id == transfer_id)

    async def find_reversal(self, transfer_id: uuid.UUID) -> Transfer | None:
        return await self._transfer(transfers.c.reverses_transfer_id == transfer_id)

    async def _transfer(self, where: ColumnElement[bool]) -> Transfer | None:
        row = (await self.conn.execute(select(transfers).where(where))).mappings().first()
        return Transfer(**row) if row else None


def _account(row) -> Account:
    return Account(
        id=row["id"],
        balance=row["balance"],
        currency=row["currency"],
        updated_at=row["updated_at"],
        version=row["version"],
        owner_id=row["owner_id"],
        held=row["held"],
        kind=row["kind"],
    )


def _user(row) -> User | None:
    return User(**{**row, "role": Role(row["role"])}) if row else None
