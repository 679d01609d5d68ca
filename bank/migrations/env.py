"""Alembic environment: runs the Bank's migrations over asyncpg."""

from bank.adapters.tables import metadata
from bank.config import get_settings
from kernel import migrations

migrations.run(get_settings().database_url.get_secret_value(), metadata)
