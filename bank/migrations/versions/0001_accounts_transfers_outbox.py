"""Accounts, transfers, deposits and the outbox."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kernel.postgres import MONEY, TIMESTAMP

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("balance >= 0", name="balance_not_negative"),
    )
    op.create_table(
        "transfers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("from_account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("to_account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("from_account_id", "idempotency_key", name="transfers_idempotency_key"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )
    op.create_index("ix_transfers_from_account_id", "transfers", ["from_account_id"])
    op.create_index("ix_transfers_to_account_id", "transfers", ["to_account_id"])
    op.create_table(
        "deposits",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payment_id", sa.String(255), nullable=False, unique=True),
        sa.Column("topup_id", sa.String(255), nullable=False),
        sa.Column("card_last4", sa.String(4), nullable=False),
        sa.Column("card_brand", sa.String(32), nullable=False),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("amount > 0", name="deposit_amount_positive"),
    )
    op.create_index("ix_deposits_account_id", "deposits", ["account_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("aggregatetype", sa.String(64), nullable=False),
        sa.Column("aggregateid", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )


def downgrade() -> None:
    for table in ("outbox", "deposits", "transfers", "accounts"):
        op.drop_table(table)
