"""The mock payment gateway's ledger, in its own schema: the "external" side of a charge."""

import sqlalchemy as sa
from alembic import op

from kernel.postgres import MONEY, TIMESTAMP

revision = "0002"
down_revision = "0001"

SCHEMA = "mock_gateway"
CREATED_AT = sa.Column("created_at", TIMESTAMP, nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.execute(sa.schema.CreateSchema(SCHEMA, if_not_exists=True))
    op.create_table(
        "charges",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("idempotency_id", sa.String(255), nullable=False, unique=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("card_last4", sa.String(4), nullable=False),
        sa.Column("card_brand", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        CREATED_AT.copy(),
        schema=SCHEMA,
    )
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("charge_id", sa.String(40), sa.ForeignKey(f"{SCHEMA}.charges.id"), nullable=False, unique=True),
        sa.Column("amount", MONEY, nullable=False),
        CREATED_AT.copy(),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.execute(sa.schema.DropSchema(SCHEMA, cascade=True))
