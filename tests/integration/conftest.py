"""Integration fixtures: the Bank wired to the real PostgreSQL of the session."""

from collections.abc import AsyncIterator

import pytest

from bank.bootstrap import Bank, bootstrap
from stack.config import StackConfig
from tests.service_processes import bank_settings


@pytest.fixture(scope="session")
async def bank(database: StackConfig) -> AsyncIterator[Bank]:
    wired = bootstrap(bank_settings(database.database_url, idempotency_wait_ms=2000))
    yield wired
    await wired.close()
