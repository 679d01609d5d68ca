"""GET /accounts/{id}/operations through an in-process gateway, the real Bank, Analytics and ClickHouse."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from clickhouse_connect.driver.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics.config import Settings as AnalyticsSettings
from gateway.config import Settings
from stack import certificates
from stack.config import StackConfig
from stack.processes import free_port
from tests.accounts import create_accounts
from tests.integration import operations_rows as rows
from tests.integration.analytics_servers import analytics_server
from tests.integration.in_process import gateway

START_US = int(datetime(2026, 4, 1, tzinfo=UTC).timestamp()) * 1_000_000


def targets(cfg: StackConfig, analytics_target: str | None = None) -> Settings:
    analytics = analytics_target or f"{cfg.host}:{cfg.analytics_port}"
    tls = certificates.identity(cfg, "gateway").tls_settings()
    return Settings(
        environment="development", bank_target=f"{cfg.host}:{cfg.bank_port}", analytics_target=analytics, **tls
    )


@pytest.fixture(scope="module")
def stack(bank_service: StackConfig, analytics_service: StackConfig) -> StackConfig:
    return analytics_service


@pytest.fixture(scope="module")
def store(clickhouse: StackConfig) -> Client:
    return rows.connect(clickhouse)


@pytest.fixture
async def api(stack: StackConfig) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(targets(stack)) as client:
        yield client


async def walk(api: httpx.AsyncClient, path: str, **params: Any) -> list[dict]:
    items, cursor = [], None
    while True:
        reply = await api.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert reply.status_code == 200, reply.text
        items.extend(reply.json()["items"])
        if not (cursor := reply.json()["next_cursor"]):
            return items


async def test_history_pages_through_the_gateway(api: httpx.AsyncClient, engine: AsyncEngine, store: Client) -> None:
    (account,) = await create_accounts(engine, "0")
    other = uuid.uuid4()
    history = [rows.transfer(account, START_US + i, "credit", other, description="salary") for i in range(110)]
    rows.insert(store, [*history, *history[:20]])

    items = await walk(api, f"/accounts/{account}/operations", limit=50)
    assert [item["event_id"] for item in items] == [str(rows.event_id(r)) for r in reversed(history)]
    assert items[0] == {
        "event_id": str(rows.event_id(history[-1])),
        "type": "transfer",
        "direction": "credit",
        "amount": "10.00",
        "currency": "RUB",
        "occurred_at": "2026-04-01T00:00:00.000109+00:00",
        "counterparty_account_id": str(other),
        "operation_id": history[-1][5],
        "description": "salary",
        "kind": "transfer",
        "reverses_operation_id": None,
        "hold_id": None,
    }


async def test_filters_and_cursor_binding(api: httpx.AsyncClient, engine: AsyncEngine, store: Client) -> None:
    (account,) = await create_accounts(engine, "0")
    rows.insert(store, [(rows.topup if i % 2 else rows.transfer)(account, START_US + i) for i in range(20)])
    path = f"/accounts/{account}/operations"
    window = {"type": "topup", "from": "2026-04-01T03:00:00.000005+03:00", "to": "2026-04-01T00:00:00.000015Z"}
    items = await walk(api, path, limit=2, **window)
    assert [item["occurred_at"][20:26] for item in items] == ["000013", "000011", "000009", "000007", "000005"]
    assert all(item["counterparty_account_id"] is None and item["type"] == "topup" for item in items)

    first = (await api.get(path, params={"limit": 2, **window})).json()
    reused = await api.get(path, params={"limit": 2, "cursor": first["next_cursor"]})  # filters dropped
    assert (reused.status_code, reused.json()["code"]) == (400, "invalid_page_token")
    backwards = await api.get(path, params={"from": "2026-04-02T00:00:00Z", "to": "2026-04-01T00:00:00Z"})
    assert (backwards.status_code, backwards.json()["code"]) == (400, "invalid_time_range")


async def test_an_unknown_account_is_404(api: httpx.AsyncClient) -> None:
    reply = await api.get(f"/accounts/{uuid.uuid4()}/operations")
    assert (reply.status_code, reply.headers["content-type"]) == (404, "application/problem+json")
    assert reply.json()["code"] == "account_not_found"


async def test_an_empty_history_of_a_known_account_is_200(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    (account,) = await create_accounts(engine, "5.00")
    assert (await api.get(f"/accounts/{account}/operations")).json() == {"items": [], "next_cursor": None}


async def test_analytics_down_is_503_while_transfers_and_readiness_hold(
    stack: StackConfig, engine: AsyncEngine
) -> None:
    sender, recipient = await create_accounts(engine, "10.00", "0")
    async with gateway(targets(stack, f"127.0.0.1:{free_port()}")) as api:
        history = await api.get(f"/accounts/{sender}/operations")
        transfer = await api.post(
            f"/accounts/{sender}/transfers",
            json={"to_account_id": str(recipient), "amount": "1.00", "currency": "RUB"},
        )
        ready = await api.get("/health/ready")
    assert (history.status_code, history.headers["content-type"]) == (503, "application/problem+json")
    assert (history.json()["code"], history.headers["retry-after"]) == ("analytics_unavailable", "1")
    assert transfer.status_code == 201
    assert ready.status_code == 200
    assert (ready.json()["status"], ready.json()["checks"]["analytics"]) == ("degraded", "unavailable")


async def test_clickhouse_down_is_503_analytics_store_unavailable(stack: StackConfig, engine: AsyncEngine) -> None:
    (account,) = await create_accounts(engine, "0")
    tls = certificates.identity(stack, "analytics").tls_settings()
    dead_clickhouse = AnalyticsSettings(environment="development", clickhouse_http_port=free_port(), **tls)
    async with analytics_server(dead_clickhouse) as target, gateway(targets(stack, target)) as api:
        reply = await api.get(f"/accounts/{account}/operations")
    assert (reply.status_code, reply.headers["content-type"]) == (503, "application/problem+json")
    assert reply.json()["code"] == "analytics_store_unavailable"
    assert reply.json()["title"] == "Operation history store unavailable"
