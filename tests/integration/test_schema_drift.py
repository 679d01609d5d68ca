"""Each service's tables (SQLModel, in its adapters) and its Alembic migrations cannot drift: the database the
migrations built is compared with the tables, as `alembic check` does (autogenerate finds nothing to write)."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from bank.adapters import tables as bank_tables
from card_adapter.adapters import tables as card_adapter_tables


def differences(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_bank_migrations_build_exactly_its_tables(engine: AsyncEngine) -> None:
    await assert_no_drift(engine, bank_tables.metadata)


async def test_card_adapter_migrations_build_exactly_its_tables(card_adapter_engine: AsyncEngine) -> None:
    await assert_no_drift(card_adapter_engine, card_adapter_tables.metadata)


async def assert_no_drift(engine: AsyncEngine, metadata: MetaData) -> None:
    async with engine.connect() as conn:
        found = await conn.run_sync(differences, metadata)
    assert found == [], "the tables and the migrations differ (write a migration, or fix the table):\n" + "\n".join(
        map(str, found)
    )
