"""The body of every service's Alembic env.py: run its migrations over asyncpg against its own database."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine


def run(database_url: str, metadata: MetaData | None) -> None:
    if context.config.config_file_name:
        fileConfig(context.config.config_file_name, disable_existing_loggers=False)

    def migrate(connection) -> None:  # type: ignore[no-untyped-def]
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()

    async def connect_and_migrate() -> None:
        engine = create_async_engine(database_url)
        async with engine.connect() as conn:
            await conn.run_sync(migrate)
        await engine.dispose()

    asyncio.run(connect_and_migrate())
