"""Top-ups: the adapter's durable record of each top-up's state."""

import sqlalchemy as sa
from alembic import op

from card_adapter.adapters.tables import FINAL_STATES
from kernel.postgres import MONEY, TIMESTAMP

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "topups",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("card_last4", sa.String(4), nullable=False),
        sa.Column("card_brand", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("charge_id", sa.String(64), nullable=True),
        sa.Column("deposit_attempts", sa.Integer(), nullable=False),
        sa.Column("deposits_unsent", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("charged_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint("amount > 0", name="topup_amount_positive"),
        sa.CheckConstraint("card_last4 ~ '^[0-9]{4}$'", name="topup_last4_only"),
    )
    op.create_index("topups_idempotency_key", "topups", ["account_id", "idempotency_key"], unique=True)
    op.create_index(
        "topups_unfinished",
        "topups",
        ["updated_at"],
        postgresql_where=sa.column("state").not_in(FINAL_STATES),
    )


def downgrade() -> None:
    op.drop_table("topups")
