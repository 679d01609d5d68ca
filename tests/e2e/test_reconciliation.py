"""Reconciliation for real (PostgreSQL, Debezium, Kafka, ClickHouse): a row deleted from ClickHouse by hand is found
and delivered again through the outbox under its own event id; and account analytics equal PostgreSQL's sums after
redeliveries."""

import random
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from clickhouse_connect.driver.client import Client
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics.adapters.consumer_lag import measure
from bank.adapters.clickhouse_operations import ClickHouseOperations
from bank.adapters.reconciliation_ledger import PostgresLedger
from bank.config import Settings
from bank.service_layer.reconciliation_service import reconcile
from stack import clickhouse as clickhouse_server
from stack.config import StackConfig
from tests.accounts import create_accounts
from tests.e2e.pipeline_helpers import stored_operations
from tests.polling import eventually

ARRIVAL_TIMEOUT = 120
GROUP = "clickhouse-wallet"  # ClickHouse's consumer group (ANALYTICS_CONSUMER_GROUP's default)


def store_of(cfg: StackConfig) -> ClickHouseOperations:
    return ClickHouseOperations(
        Settings(
            environment="development",
            clickhouse_host=cfg.host,
            clickhouse_http_port=cfg.clickhouse_http_port,
            clickhouse_password=clickhouse_server.password(cfg),
        )
    )


async def transfers(api: httpx.AsyncClient, pairs: list[tuple[uuid.UUID, uuid.UUID, str]]) -> list[str]:
    made = []
    for sender, recipient, amount in pairs:
        body = {"to_account_id": str(recipient), "amount": amount, "currency": "RUB"}
        reply = await api.post(f"/accounts/{sender}/transfers", json=body)
        assert reply.status_code == 201, reply.text
        made.append(reply.json()["transfer_id"])
    return made


async def arrived(client: Client, accounts: list[uuid.UUID], rows: int) -> None:
    await eventually(
        lambda: stored_operations(client, accounts)[2] >= rows, ARRIVAL_TIMEOUT, f"{rows} rows in ClickHouse"
    )


async def test_a_row_deleted_from_clickhouse_is_found_and_delivered_again(
    api: httpx.AsyncClient, engine: AsyncEngine, pipeline: StackConfig, clickhouse_client: Client
) -> None:
    alice, bob = await create_accounts(engine, "100.00", "0.00")
    (lost, kept) = await transfers(api, [(alice, bob, "12.34"), (alice, bob, "1.00")])
    await arrived(clickhouse_client, [alice, bob], 4)
    original = clickhouse_client.query(
        f"SELECT event_id FROM wallet.operations WHERE account_id = toUUID('{alice}') "
        f"AND operation_id = '{lost}' LIMIT 1"
    ).result_rows[0][0]
    clickhouse_client.command(
        f"ALTER TABLE wallet.operations DELETE WHERE account_id = toUUID('{alice}') AND operation_id = '{lost}'"
    )
    await eventually(lambda: stored_operations(clickhouse_client, [alice])[2] == 1, 30, "the mutation applied")

    ledger, store = PostgresLedger(engine), store_of(pipeline)
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=1), now + timedelta(minutes=1)
    report = await reconcile(ledger, store, start, end, repair=True)
    ours = [m for m in report.mismatches if m.account_id in (alice, bob)]
    assert [(m.account_id, m.expected.count, m.expected.total, m.stored.count, m.stored.total) for m in ours] == [
        (alice, 2, Decimal("13.34"), 1, Decimal("1.00"))
    ]
    assert [m.operation_id for m in report.missing if alice in m.accounts] == [lost]
    assert original in report.redelivered  # the same event id: ClickHouse deduplicates bob's copy

    await arrived(clickhouse_client, [alice], 2)
    after = await reconcile(ledger, store, start, end, repair=False)
    assert not [m for m in after.mismatches if m.account_id in (alice, bob)]
    _, raw, deduplicated = stored_operations(clickhouse_client, [alice, bob])
    # Bob's credit arrived twice and counts once (a merge may have collapsed the copies already).
    assert deduplicated == 4 and raw in (4, 5)
    store.close()
    assert kept


async def test_analytics_totals_equal_postgresql_sums_after_redeliveries(
    api: httpx.AsyncClient,
    engine: AsyncEngine,
    pipeline: StackConfig,
    clickhouse_client: Client,
    analytics_service: StackConfig,
) -> None:
    rng = random.Random(13)
    accounts = await create_accounts(engine, "500.00", "500.00", "500.00")
    pairs = []
    for _ in range(12):
        sender, recipient = rng.sample(accounts, 2)
        pairs.append((sender, recipient, f"{rng.randint(1, 2000) / 100:.2f}"))
    await transfers(api, pairs)
    await arrived(clickhouse_client, accounts, 24)
    # Redeliveries of every event, through the outbox again (the reconciliation's repair path).
    published = sum(measure(pipeline.kafka_bootstrap, GROUP, pipeline.topic).end.values())
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "WITH old AS (DELETE FROM outbox WHERE aggregateid = ANY(:ids) RETURNING *) "
                "INSERT INTO outbox SELECT * FROM old"
            ),
            {"ids": [str(a) for a in accounts]},
        )
    # Every event delivered twice reached ClickHouse: a message more per transfer on the topic, all consumed. (Counting
    # the raw rows instead raced with background merges, which may already have collapsed the duplicates.)

    def all_consumed_again() -> bool:
        lag = measure(pipeline.kafka_bootstrap, GROUP, pipeline.topic)
        return sum(lag.end.values()) >= published + len(pairs) and lag.total == 0

    await eventually(all_consumed_again, ARRIVAL_TIMEOUT, "every event delivered again, and consumed")
    day = datetime.now(UTC).date()
    window = {"from": f"{day - timedelta(days=1)}T00:00:00Z", "to": f"{day + timedelta(days=1)}T00:00:00Z"}

    async def summary(account: uuid.UUID) -> httpx.Response:
        reply = await api.get(f"/accounts/{account}/analytics/summary", params={"period": "month", **window})
        # 503 while the gateway's channel to a just-started Analytics is still backing off
        assert reply.status_code in (200, 503), reply.text
        return reply

    await eventually(lambda: _ok(summary(accounts[0])), 30, "Analytics answering")
    for account in accounts:
        reply = await summary(account)
        assert reply.status_code == 200, reply.text
        total_in = sum(Decimal(p["total_in"]) for p in reply.json()["periods"])
        total_out = sum(Decimal(p["total_out"]) for p in reply.json()["periods"])
        count = sum(p["count"] for p in reply.json()["periods"])
        expected_in = sum(Decimal(a) for _, r, a in pairs if r == account)
        expected_out = sum(Decimal(a) for s, _, a in pairs if s == account)
        assert (total_in, total_out, count) == (
            expected_in,
            expected_out,
            sum(account in (s, r) for s, r, _ in pairs),
        )


async def _ok(reply: Awaitable[httpx.Response]) -> bool:
    return (await reply).status_code == 200
