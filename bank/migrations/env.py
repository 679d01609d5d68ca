"""Alembic environment: runs the Bank's migrations over asyncpg."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from bank.adapters import tables  # noqa: F401 - registers the tables on the metadata
from bank.config import get_settings

if context.config.config_file_name:
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=SQLModel.metadata)
    with context.begin_transaction():
        context.run_migrations()


async def _migrate() -> None:
    engine = create_async_engine(get_settings().database_url)
    async with engine.connect() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


asyncio.run(_migrate())
