"""Alembic environment: runs the Bank's migrations over asyncpg."""

from sqlmodel import SQLModel

from bank.adapters import tables  # noqa: F401 - registers the tables on the metadata
from bank.config import get_settings
from kernel import migrations

migrations.run(get_settings().database_url.get_secret_value(), SQLModel.metadata)
