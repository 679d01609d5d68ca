"""PostgreSQL tables of the Bank (SQLModel); the migrations in bank/migrations create them."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    Table,
    UniqueConstraint,
    Uuid,
    text,
)
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
    __table_args__ = (CheckConstraint("role IN ('customer', 'auditor', 'operator')", name="users_role_known"),)

    id: uuid.UUID = Field(primary_key=True)
    username: str = Field(max_length=255, unique=True)
    # Argon2id in PHC string form; NULL for users of an external identity provider (no password here).
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(max_length=16)
    created_at: datetime = _timestamp()


class AccountRow(BankTable, table=True):
    __tablename__ = "accounts"
    __table_args__ = (
        # A customer's available balance (balance less holds) never goes below zero; internal accounts may.
        CheckConstraint("kind <> 'customer' OR balance - held >= 0", name="balance_not_negative"),
        CheckConstraint("held >= 0", name="held_not_negative"),
        CheckConstraint("kind IN ('customer', 'settlement', 'equity')", name="accounts_kind_known"),
    )

    id: uuid.UUID = Field(primary_key=True)
    balance: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    currency: str = Field(max_length=3)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    version: int = Field(default=0)
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    kind: str = Field(default="customer", max_length=16, sa_column_kwargs={"server_default": "customer"})
    held: Decimal = Field(default=Decimal(0), sa_column=Column(MONEY, nullable=False, server_default="0"))


class EntryRow(BankTable, table=True):
    """One side of a movement of money (bank.domain.ledger): the change it made to one account's balance."""

    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="entry_amount_not_zero"),
        CheckConstraint("movement_type IN ('opening', 'transfer', 'deposit')", name="entries_movement_type_known"),
        Index("ix_entries_account_id_created_at", "account_id", "created_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    movement_id: uuid.UUID = Field(index=True)
    movement_type: str = Field(max_length=16)
    account_id: uuid.UUID = Field(foreign_key="accounts.id")
    amount: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    currency: str = Field(max_length=3)
    created_at: datetime = _timestamp()


class HoldRow(BankTable, table=True):
    """Money of an account reserved toward a recipient until it is captured, voided or expires."""

    __tablename__ = "holds"
    __table_args__ = (
        UniqueConstraint("account_id", "idempotency_key", name="holds_idempotency_key"),
        CheckConstraint("amount > 0", name="hold_amount_positive"),
        CheckConstraint("status IN ('placed', 'captured', 'voided', 'expired')", name="holds_status_known"),
        CheckConstraint(
            "captured_amount IS NULL OR captured_amount > 0 AND captured_amount <= amount",
            name="hold_capture_within_amount",
        ),
        Index("ix_holds_open_expires_at", "expires_at", postgresql_where=text("status = 'placed'")),
    )

    id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    to_account_id: uuid.UUID = Field(foreign_key="accounts.id")
    amount: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    currency: str = Field(max_length=3)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    status: str = Field(max_length=16)
    expires_at: datetime = _timestamp()
    idempotency_key: str | None = Field(default=None, max_length=MAX_KEY)
    request_fingerprint: str = Field(max_length=64)
    captured_amount: Decimal | None = Field(default=None, sa_column=Column(MONEY, nullable=True))
    # The capture or void that closed it, for idempotent retries of that request.
    closing_idempotency_key: str | None = Field(default=None, max_length=MAX_KEY)
    closing_fingerprint: str | None = Field(default=None, max_length=64)
    closed_at: datetime | None = Field(default=None, sa_column=Column(TIMESTAMP, nullable=True))
    created_at: datetime = _timestamp()


class TransferRow(BankTable, table=True):
    __tablename__ = "transfers"
    __table_args__ = (
        UniqueConstraint("from_account_id", "idempotency_key", name="transfers_idempotency_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("kind IN ('transfer', 'reversal', 'capture')", name="transfers_kind_known"),
        # A reversal names the transfer it corrects, at most once; a capture names its hold, at most once.
        UniqueConstraint("reverses_transfer_id", name="transfers_reversed_once"),
        UniqueConstraint("hold_id", name="transfers_hold_captured_once"),
        Index("ix_transfers_created_at", "created_at"),  # the reconciliation reads by period
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
    kind: str = Field(default="transfer", max_length=16, sa_column_kwargs={"server_default": "transfer"})
    reverses_transfer_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("transfers.id"), nullable=True)
    )
    hold_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, ForeignKey("holds.id"), nullable=True))


class DepositRow(BankTable, table=True):
    __tablename__ = "deposits"
    __table_args__ = (
        CheckConstraint("amount > 0", name="deposit_amount_positive"),
        Index("ix_deposits_created_at", "created_at"),
    )

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
entries: Table = metadata.tables["entries"]
holds: Table = metadata.tables["holds"]
