"""The outbox keeps the W3C traceparent of the request that made each event (Debezium sends it as a header)."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # Nullable, no default: adding it rewrites nothing, and rows written before it (or outside a trace) have none.
    op.add_column("outbox", sa.Column("traceparent", sa.String(55), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "traceparent")
