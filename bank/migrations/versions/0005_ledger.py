"""The ledger: double-entry entries behind every balance, internal accounts, holds, reversals and captures.

Back-fills entries for the data already there: each transfer debits its sender and credits its recipient, each
deposit credits its account against the card network's settlement account, and whatever an account holds beyond
its movements (an opening balance loaded by a seed) is credited against the opening-balances equity account at the
account's creation. Afterwards every balance is the sum of its entries and every currency's entries sum to zero."""

import sqlalchemy as sa
from alembic import op

from bank.domain.ledger import AccountKind, internal_account_id
from kernel.idempotency import MAX_KEY
from kernel.postgres import MONEY, TIMESTAMP

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    _accounts()
    _entries()
    _holds()
    _transfers()
    op.create_index("ix_deposits_created_at", "deposits", ["created_at"])
    _back_fill()


def _accounts() -> None:
    op.add_column("accounts", sa.Column("kind", sa.String(16), nullable=False, server_default="customer"))
    op.add_column("accounts", sa.Column("held", MONEY, nullable=False, server_default="0"))
    op.create_check_constraint("accounts_kind_known", "accounts", "kind IN ('customer', 'settlement', 'equity')")
    op.create_check_constraint("held_not_negative", "accounts", "held >= 0")
    # A customer's available balance (its balance less its holds) never goes below zero; internal accounts may.
    op.drop_constraint("balance_not_negative", "accounts")
    op.create_check_constraint("balance_not_negative", "accounts", "kind <> 'customer' OR balance - held >= 0")
    # Reversing any transfer is an operator's right (a recipient may reverse what it received).
    op.drop_constraint("users_role_known", "users")
    op.create_check_constraint("users_role_known", "users", "role IN ('customer', 'auditor', 'operator')")


def _entries() -> None:
    op.create_table(
        "entries",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("movement_id", sa.Uuid(), nullable=False),
        sa.Column("movement_type", sa.String(16), nullable=False),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("amount <> 0", name="entry_amount_not_zero"),
        sa.CheckConstraint("movement_type IN ('opening', 'transfer', 'deposit')", name="entries_movement_type_known"),
    )
    # Point-in-time balances and statements read one account's entries up to an instant.
    op.create_index("ix_entries_account_id_created_at", "entries", ["account_id", "created_at"])
    op.create_index("ix_entries_movement_id", "entries", ["movement_id"])


def _holds() -> None:
    op.create_table(
        "holds",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False, index=True),
        sa.Column("to_account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("idempotency_key", sa.String(MAX_KEY), nullable=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("captured_amount", MONEY, nullable=True),
        # The capture or void that closed it, for idempotent retries of that request.
        sa.Column("closing_idempotency_key", sa.String(MAX_KEY), nullable=True),
        sa.Column("closing_fingerprint", sa.String(64), nullable=True),
        sa.Column("closed_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("account_id", "idempotency_key", name="holds_idempotency_key"),
        sa.CheckConstraint("amount > 0", name="hold_amount_positive"),
        sa.CheckConstraint("status IN ('placed', 'captured', 'voided', 'expired')", name="holds_status_known"),
        sa.CheckConstraint("captured_amount IS NULL OR captured_amount > 0 AND captured_amount <= amount",
                           name="hold_capture_within_amount"),
    )  # fmt: skip
    # The expiry worker's scan: open holds by expiry.
    op.create_index("ix_holds_open_expires_at", "holds", ["expires_at"], postgresql_where=sa.text("status = 'placed'"))


def _transfers() -> None:
    op.add_column("transfers", sa.Column("kind", sa.String(16), nullable=False, server_default="transfer"))
    op.create_check_constraint("transfers_kind_known", "transfers", "kind IN ('transfer', 'reversal', 'capture')")
    # A reversal names the transfer it corrects (at most one per transfer); a capture names its hold (one per hold).
    op.add_column("transfers", sa.Column("reverses_transfer_id", sa.Uuid(), sa.ForeignKey("transfers.id")))
    op.create_unique_constraint("transfers_reversed_once", "transfers", ["reverses_transfer_id"])
    op.add_column("transfers", sa.Column("hold_id", sa.Uuid(), sa.ForeignKey("holds.id")))
    op.create_unique_constraint("transfers_hold_captured_once", "transfers", ["hold_id"])
    op.create_index("ix_transfers_created_at", "transfers", ["created_at"])


def _back_fill() -> None:
    connection = op.get_bind()
    currencies = [row[0] for row in connection.execute(sa.text("SELECT DISTINCT currency FROM accounts"))]
    for currency in currencies:
        for kind in (AccountKind.SETTLEMENT, AccountKind.EQUITY):
            connection.execute(
                sa.text(
                    "INSERT INTO accounts (id, balance, currency, created_at, updated_at, version, kind) "
                    "VALUES (:id, 0, :currency, now(), now(), 0, :kind) ON CONFLICT (id) DO NOTHING"
                ),
                {"id": internal_account_id(kind, currency), "currency": currency, "kind": kind.value},
            )
    op.execute(
        """
        INSERT INTO entries (movement_id, movement_type, account_id, amount, currency, created_at)
        SELECT id, 'transfer', from_account_id, -amount, currency, created_at FROM transfers
        UNION ALL SELECT id, 'transfer', to_account_id, amount, currency, created_at FROM transfers
        UNION ALL SELECT id, 'deposit', account_id, amount, currency, created_at FROM deposits
        UNION ALL
        SELECT d.id, 'deposit', s.id, -d.amount, d.currency, d.created_at
        FROM deposits d JOIN accounts s ON s.kind = 'settlement' AND s.currency = d.currency
        """
    )
    # What a customer's balance holds beyond its movements was there before them: its opening balance.
    op.execute(
        """
        WITH moved AS (SELECT account_id, sum(amount) AS total FROM entries GROUP BY account_id),
        opening AS (
            SELECT gen_random_uuid() AS movement_id, a.id, a.currency, a.created_at,
                   a.balance - coalesce(m.total, 0) AS amount
            FROM accounts a LEFT JOIN moved m ON m.account_id = a.id
            WHERE a.kind = 'customer' AND a.balance <> coalesce(m.total, 0)
        )
        INSERT INTO entries (movement_id, movement_type, account_id, amount, currency, created_at)
        SELECT movement_id, 'opening', id, amount, currency, created_at FROM opening
        UNION ALL
        SELECT o.movement_id, 'opening', e.id, -o.amount, o.currency, o.created_at
        FROM opening o JOIN accounts e ON e.kind = 'equity' AND e.currency = o.currency
        """
    )
    op.execute(
        """
        UPDATE accounts a SET balance = t.total
        FROM (SELECT account_id, sum(amount) AS total FROM entries GROUP BY account_id) t
        WHERE a.id = t.account_id AND a.kind <> 'customer'
        """
    )


def downgrade() -> None:
    op.drop_index("ix_transfers_created_at", "transfers")
    op.drop_constraint("transfers_hold_captured_once", "transfers")
    op.drop_column("transfers", "hold_id")
    op.drop_constraint("transfers_reversed_once", "transfers")
    op.drop_column("transfers", "reverses_transfer_id")
    op.drop_constraint("transfers_kind_known", "transfers")
    op.drop_column("transfers", "kind")
    op.drop_table("holds")
    op.drop_table("entries")
    op.drop_index("ix_deposits_created_at", "deposits")
    op.execute("DELETE FROM accounts WHERE kind <> 'customer'")
    op.drop_constraint("users_role_known", "users")
    op.create_check_constraint("users_role_known", "users", "role IN ('customer', 'auditor')")
    op.drop_constraint("balance_not_negative", "accounts")
    op.create_check_constraint("balance_not_negative", "accounts", "balance >= 0")
    op.drop_constraint("held_not_negative", "accounts")
    op.drop_constraint("accounts_kind_known", "accounts")
    op.drop_column("accounts", "held")
    op.drop_column("accounts", "kind")
