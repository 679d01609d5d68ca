"""PostgreSQL tables of the Bank (SQLModel); the migrations in bank/migrations create them."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Column, Table, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from bank.domain.model import MAX_DESCRIPTION
from kernel.idempotency import MAX_KEY
from kernel.postgres import MONEY, TIMESTAMP


class BankTable(SQLModel, registry=registry()):
    """The base of the Bank's tables: their own metadata, apart from any other service's."""


def _timestamp() -> Any:
    return Field(sa_column=Column(TIMESTAMP, nullable=False))


class UserRow(BankTable, table=True):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('customer', 'auditor')", name="users_role_known"),)

    id: uuid.UUID = Field(primary_key=True)
    username: str = Field(max_length=255, unique=True)
    # Argon2id in PHC string form; NULL for users of an external identity provider (no password here).
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(max_length=16)
    created_at: datetime = _timestamp()


class AccountRow(BankTable, table=True):
    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    id: uuid.UUID = Field(primary_key=True)
    balance: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    currency: str = Field(max_length=3)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    version: int = Field(default=0)
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)


class TransferRow(BankTable, table=True):
    __tablename__ = "transfers"
    __table_args__ = (
        UniqueConstraint("from_account_id", "idempotency_key", name="transfers_idempotency_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: uuid.UUID = Field(primary_key=True)
    from_account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    to_account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    amount: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    currency: str = Field(max_length=3)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    status: str = Field(max_length=16)
    idempotency_key: str | None = Field(default=None, max_length=MAX_KEY)
    request_fingerprint: str = Field(max_length=64)
    created_at: datetime = _timestamp()


class DepositRow(BankTable, table=True):
    __tablename__ = "deposits"
    __table_args__ = (CheckConstraint("amount > 0", name="deposit_amount_positive"),)

    id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    amount: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    currency: str = Field(max_length=3)
    payment_id: str = Field(max_length=MAX_KEY, unique=True)
    topup_id: str = Field(max_length=MAX_KEY)
    card_last4: str = Field(max_length=4)
    card_brand: str = Field(max_length=32)
    request_fingerprint: str = Field(max_length=64)
    created_at: datetime = _timestamp()


class OutboxRow(BankTable, table=True):
    """Debezium's outbox EventRouter reads these columns by their default names."""

    __tablename__ = "outbox"

    id: uuid.UUID = Field(primary_key=True)
    aggregatetype: str = Field(max_length=64)
    aggregateid: str = Field(max_length=64)
    type: str = Field(max_length=64)
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = _timestamp()
    # W3C traceparent of the request that made the event; Debezium puts it on the Kafka message as a header.
    traceparent: str | None = Field(default=None, max_length=55)


class DebeziumHeartbeatRow(BankTable, table=True):
    """Debezium's heartbeat.action.query (connectors/debezium.json) writes here, so that the replication slot advances
    and WAL is released even when no money moves; nothing of the Bank's reads it."""

    __tablename__ = "debezium_heartbeat"

    id: int = Field(primary_key=True)
    beat_at: datetime = _timestamp()


metadata = BankTable.metadata
# The Core tables, for the SQL the unit of work writes itself (bulk updates, upserts).
users: Table = metadata.tables["users"]
accounts: Table = metadata.tables["accounts"]
transfers: Table = metadata.tables["transfers"]
deposits: Table = metadata.tables["deposits"]
outbox: Table = metadata.tables["outbox"]
