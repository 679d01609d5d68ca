"""Debezium's heartbeat table and the publication it reads (the outbox and the heartbeat only)."""

import sqlalchemy as sa
from alembic import op

from kernel.postgres import TIMESTAMP

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # Debezium's heartbeat.action.query writes here, so the replication slot advances (and WAL is
    # released) even when no money moves.
    op.create_table(
        "debezium_heartbeat",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("beat_at", TIMESTAMP, nullable=False),
    )
    # Inserts and updates only: outbox rows are cleaned up later by DELETE, which must not reach Kafka.
    op.execute(
        "CREATE PUBLICATION wallet_outbox FOR TABLE outbox, debezium_heartbeat WITH (publish = 'insert, update')"
    )


def downgrade() -> None:
    op.execute("DROP PUBLICATION IF EXISTS wallet_outbox")
    op.drop_table("debezium_heartbeat")
