"""The Card Adapter's own table; card data is limited to the last four digits and the brand."""

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Integer, MetaData, Numeric, String, Table, Uuid

metadata = MetaData()

FINAL_STATES = ("deposited", "declined", "failed", "refunded")

topups = Table(
    "topups",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, nullable=False),
    Column("amount", Numeric(18, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("card_last4", String(4), nullable=False),
    Column("card_brand", String(32), nullable=False),
    Column("idempotency_key", String(255)),
    Column("request_fingerprint", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("reason", String(64)),
    Column("charge_id", String(64)),
    Column("deposit_attempts", Integer, nullable=False),
    Column("deposits_unsent", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("charged_at", DateTime(timezone=True)),
    CheckConstraint("amount > 0", name="topup_amount_positive"),
    CheckConstraint("card_last4 ~ '^[0-9]{4}$'", name="topup_last4_only"),
    Index("topups_idempotency_key", "account_id", "idempotency_key", unique=True),
)
# The start-up resume reads only the few unfinished rows.
Index("topups_unfinished", topups.c.updated_at, postgresql_where=topups.c.state.not_in(FINAL_STATES))
