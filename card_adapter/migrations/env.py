"""Alembic environment: runs the Card Adapter's migrations over asyncpg."""

from card_adapter.adapters.tables import metadata
from card_adapter.config import get_settings
from kernel import migrations

migrations.run(get_settings().database_url.get_secret_value(), metadata)
