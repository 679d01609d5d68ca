"""Users (credentials and role) and the owner of each account."""

import sqlalchemy as sa
from alembic import op

from kernel.postgres import TIMESTAMP

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("username", sa.String(255), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("role IN ('customer', 'auditor')", name="users_role_known"),
    )
    # Existing accounts keep no owner: nobody can move their money until an operator assigns one.
    op.add_column("accounts", sa.Column("owner_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=True))
    op.create_index("ix_accounts_owner_id", "accounts", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_accounts_owner_id", "accounts")
    op.drop_column("accounts", "owner_id")
    op.drop_table("users")
