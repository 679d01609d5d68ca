"""PostgreSQL tables of the Card Adapter (SQLModel, as the Bank's); the migrations in card_adapter/migrations create
them. Card data is limited to the last four digits and the brand."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Table, column
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from card_adapter.domain.topup import FINAL
from kernel.idempotency import MAX_KEY
from kernel.postgres import MONEY, TIMESTAMP

# The final states, in one order, for SQL (the partial index below and the queries that use it).
FINAL_STATES = sorted(state.value for state in FINAL)


class CardAdapterTable(SQLModel, registry=registry()):
    """The base of the Card Adapter's tables: their own metadata, apart from any other service's."""


def _timestamp(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(TIMESTAMP, nullable=nullable))


class TopUpRow(CardAdapterTable, table=True):
    __tablename__ = "topups"
    __table_args__ = (
        CheckConstraint("amount > 0", name="topup_amount_positive"),
        CheckConstraint("card_last4 ~ '^[0-9]{4}$'", name="topup_last4_only"),
        Index("topups_idempotency_key", "account_id", "idempotency_key", unique=True),
        # The start-up resume reads only the few unfinished rows.
        Index("topups_unfinished", "updated_at", postgresql_where=column("state").not_in(FINAL_STATES)),
    )

    id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID
    amount: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    currency: str = Field(max_length=3)
    card_last4: str = Field(max_length=4)
    card_brand: str = Field(max_length=32)
    idempotency_key: str | None = Field(default=None, max_length=MAX_KEY)
    request_fingerprint: str = Field(max_length=64)
    state: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=64)
    charge_id: str | None = Field(default=None, max_length=64)
    deposit_attempts: int
    deposits_unsent: int
    version: int
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    charged_at: datetime | None = _timestamp(nullable=True)


metadata = CardAdapterTable.metadata
topups: Table = metadata.tables["topups"]
