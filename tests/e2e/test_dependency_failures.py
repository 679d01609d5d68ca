"""Bank or PostgreSQL down: the gateway answers 503 problem+json, and recovers when they return."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from stack import postgres, services
from stack.config import StackConfig
from tests.accounts import create_accounts
from tests.e2e.transfer_helpers import assert_problem, balance, transfer
from tests.polling import wait_ready
from tests.service_processes import start_bank

pytestmark = pytest.mark.native  # stops the Bank's processes and PostgreSQL


async def test_bank_down_gives_503_then_recovers(
    api: httpx.AsyncClient, engine: AsyncEngine, bank_service: StackConfig
) -> None:
    a, b = await create_accounts(engine, "10.00", "0.00")
    services.stop_replicas(bank_service, "bank")
    try:
        assert_problem(await transfer(api, a, b, "1.00"), 503, "bank_unavailable")
        assert_problem(await api.get(f"/accounts/{a}/balance"), 503, "bank_unavailable")
        ready = await api.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["checks"]["bank"] != "serving"
    finally:
        start_bank(bank_service)
    await wait_ready(api)
    assert (await transfer(api, a, b, "1.00")).status_code == 201
    assert await balance(api, a) == "9.00"


async def test_database_down_gives_503_then_recovers(
    api: httpx.AsyncClient, engine: AsyncEngine, bank_service: StackConfig
) -> None:
    a, b = await create_accounts(engine, "10.00", "0.00")
    assert (await transfer(api, a, b, "1.00")).status_code == 201  # the Bank's pool holds live connections
    postgres.stop(bank_service)
    try:
        assert_problem(await transfer(api, a, b, "1.00"), 503, "database_unavailable")
        assert_problem(await api.get(f"/accounts/{a}/balance"), 503, "database_unavailable")
    finally:
        postgres.start(bank_service)
    await engine.dispose()
    assert (await transfer(api, a, b, "1.00")).status_code == 201
    assert await balance(api, a) == "8.00"
