"""Outbox -> Debezium -> Kafka -> ClickHouse, for real: every committed transfer arrives, once as queried,
through restarts of Kafka Connect, ClickHouse, the Bank and PostgreSQL."""

import asyncio
import json
import re
import signal
import uuid
from pathlib import Path

import httpx
import jsonschema
import pytest
from clickhouse_connect.driver.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from stack import clickhouse, compose, connect, outbox_connector, postgres, processes, services
from stack.config import StackConfig
from stack.kafka import event_of, headers_of
from tests.accounts import create_accounts
from tests.e2e.pipeline_helpers import (
    committed_transfers,
    messages_about,
    random_traffic,
    stored_operations,
)
from tests.polling import eventually, wait_ready
from tests.service_processes import start_bank

SCHEMAS = Path(__file__).parents[2] / "contracts" / "schemas"
ARRIVAL_TIMEOUT = 120
TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


async def transfer(api: httpx.AsyncClient, sender: uuid.UUID, recipient: uuid.UUID, amount: str = "1.00") -> dict:
    body = {"to_account_id": str(recipient), "amount": amount, "currency": "RUB", "description": "pipeline"}
    reply = await api.post(f"/accounts/{sender}/transfers", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


async def assert_all_arrive_once(engine: AsyncEngine, client: Client, accounts: list[uuid.UUID]) -> tuple[int, int]:
    """Every committed transfer of `accounts` reaches ClickHouse as a debit and a credit row, none twice
    once deduplicated. Returns (committed transfers, raw rows) so a test can report redeliveries."""
    committed = await committed_transfers(engine, accounts)

    def arrived() -> bool:
        # Each view inserts on its own, so a transfer's debit row can be visible before its credit row.
        seen, _, deduplicated = stored_operations(client, accounts)
        return seen >= committed and deduplicated >= 2 * len(committed)

    await eventually(arrived, ARRIVAL_TIMEOUT, f"{len(committed)} transfers in ClickHouse")
    seen, raw, deduplicated = stored_operations(client, accounts)
    assert seen == committed, "ClickHouse holds an operation PostgreSQL never committed"
    assert deduplicated == 2 * len(committed), "a deduplicated history must hold one debit and one credit each"
    return len(committed), raw


async def test_transfer_reaches_clickhouse_as_debit_and_credit(
    api: httpx.AsyncClient, engine: AsyncEngine, clickhouse_client: Client
) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    made = await transfer(api, a, b, "12.34")
    await assert_all_arrive_once(engine, clickhouse_client, [a, b])
    rows = clickhouse_client.query(
        "SELECT toString(account_id), direction, toString(amount), counterparty_id, description "
        f"FROM wallet.operations WHERE operation_id = '{made['transfer_id']}' LIMIT 1 BY account_id"
    ).result_rows
    assert sorted(map(tuple, rows)) == sorted(
        [(str(a), "debit", "12.34", str(b), "pipeline"), (str(b), "credit", "12.34", str(a), "pipeline")]
    )


async def test_kafka_messages_follow_the_asyncapi_contract(
    api: httpx.AsyncClient, engine: AsyncEngine, pipeline: StackConfig
) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    made = {(await transfer(api, a, b))["transfer_id"] for _ in range(3)}
    schema = json.loads((SCHEMAS / "transfer_event.json").read_text())
    found = await messages_about(pipeline, "transfer_id", made, ARRIVAL_TIMEOUT)
    for message in found.values():
        payload = event_of(message)
        jsonschema.validate(payload, schema, format_checker=jsonschema.FormatChecker())
        headers = headers_of(message)
        assert message.key() == str(a).encode()
        assert headers["id"].decode() == payload["event_id"] and headers["eventType"] == b"TransferCompleted"
        assert TRACEPARENT.fullmatch(headers["traceparent"].decode()), headers  # the request's trace, to join it


async def _traffic_around(api: httpx.AsyncClient, accounts: list[uuid.UUID], disruption) -> int:
    stop = asyncio.Event()
    clients = [asyncio.create_task(random_traffic(api, accounts, stop, seed)) for seed in range(4)]
    await asyncio.sleep(1.5)
    await asyncio.to_thread(disruption)
    await asyncio.sleep(1.5)
    stop.set()
    return sum(await asyncio.gather(*clients))


@pytest.mark.native
async def test_kafka_connect_crash_loses_nothing(
    api: httpx.AsyncClient, engine: AsyncEngine, clickhouse_client: Client, pipeline: StackConfig
) -> None:
    accounts = await create_accounts(engine, *["1000.00"] * 6)

    def crash_and_restart_connect() -> None:
        # SIGKILL: Debezium's last offsets are not flushed, so it re-sends what it had already sent.
        processes.stop(pipeline, connect.NAME, sig=signal.SIGKILL)
        connect.start(pipeline)
        connect.wait_connector_running(pipeline, outbox_connector.definition()[0])

    created = await _traffic_around(api, accounts, crash_and_restart_connect)
    committed, raw = await assert_all_arrive_once(engine, clickhouse_client, accounts)
    assert committed == created > 0
    print(f"Connect crash: {committed} transfers, {raw} raw rows for {2 * committed} operations")


@pytest.mark.compose
async def test_connect_container_killed_under_load_loses_nothing(
    api: httpx.AsyncClient, engine: AsyncEngine, clickhouse_client: Client, pipeline: StackConfig
) -> None:
    accounts = await create_accounts(engine, *["1000.00"] * 6)

    def kill_and_start_connect() -> None:
        # SIGKILL to the container: Debezium's last offsets are not flushed, so it re-sends what it had already sent.
        compose.in_session_project("kill", "-s", "SIGKILL", "connect")
        compose.in_session_project("start", "connect")
        processes.wait_until(lambda: connect.is_ready(pipeline), 180, "Kafka Connect's REST API")
        connect.wait_connector_running(pipeline, outbox_connector.definition()[0], 120)

    created = await _traffic_around(api, accounts, kill_and_start_connect)
    committed, raw = await assert_all_arrive_once(engine, clickhouse_client, accounts)
    assert committed == created > 0
    print(f"Connect container killed: {committed} transfers, {raw} raw rows for {2 * committed} operations")


@pytest.mark.native
async def test_clickhouse_restart_loses_nothing(
    api: httpx.AsyncClient, engine: AsyncEngine, clickhouse_client: Client, pipeline: StackConfig
) -> None:
    accounts = await create_accounts(engine, *["1000.00"] * 6)

    def restart_clickhouse() -> None:
        clickhouse.stop(pipeline)
        clickhouse.start(pipeline)

    created = await _traffic_around(api, accounts, restart_clickhouse)
    committed, raw = await assert_all_arrive_once(engine, clickhouse_client, accounts)
    assert committed == created > 0
    print(f"ClickHouse restart: {committed} transfers, {raw} raw rows for {2 * committed} operations")


@pytest.mark.native
async def test_connector_survives_bank_and_postgres_restarts(
    api: httpx.AsyncClient,
    engine: AsyncEngine,
    clickhouse_client: Client,
    pipeline: StackConfig,
    bank_service: StackConfig,
) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    await transfer(api, a, b)
    services.stop_replicas(bank_service, "bank")
    start_bank(bank_service)
    await wait_ready(api)
    await transfer(api, a, b)
    await asyncio.to_thread(postgres.stop, pipeline)
    await asyncio.to_thread(postgres.start, pipeline)
    await engine.dispose()
    await _wait_transfer_accepted(api, a, b)
    await assert_all_arrive_once(engine, clickhouse_client, [a, b])
    status = connect.connector_status(pipeline, outbox_connector.definition()[0])
    assert status and status["connector"]["state"] == "RUNNING"
    assert all(task["state"] == "RUNNING" for task in status["tasks"])


async def _wait_transfer_accepted(api: httpx.AsyncClient, a: uuid.UUID, b: uuid.UUID) -> None:
    """The Bank's pool reconnects after PostgreSQL returns; the first call may still see the outage."""

    async def accepted() -> bool:
        body = {"to_account_id": str(b), "amount": "1.00", "currency": "RUB"}
        return (await api.post(f"/accounts/{a}/transfers", json=body)).status_code == 201

    await eventually(accepted, 15, "a transfer after PostgreSQL's restart")


async def test_transfer_shows_in_both_accounts_history(
    api: httpx.AsyncClient, engine: AsyncEngine, pipeline: StackConfig, analytics_service: StackConfig
) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    made = await transfer(api, a, b, "7.50")

    async def history(account: uuid.UUID) -> list[dict]:
        reply = await api.get(f"/accounts/{account}/operations")
        # 503 while the gateway's channel to a just-started Analytics is still backing off
        assert reply.status_code in (200, 503), reply.text
        return reply.json()["items"] if reply.status_code == 200 else []

    async def both_see_it() -> bool:
        return all([await history(a), await history(b)])

    await eventually(both_see_it, ARRIVAL_TIMEOUT, "the transfer in both histories")
    [debit], [credit] = await history(a), await history(b)
    assert (debit["direction"], debit["counterparty_account_id"]) == ("debit", str(b))
    assert (credit["direction"], credit["counterparty_account_id"]) == ("credit", str(a))
    ready = (await api.get("/health/ready")).json()
    assert ready["checks"]["analytics"] == ready["checks"]["ingestion"] == "serving"
    for item in (debit, credit):
        assert (item["type"], item["operation_id"], item["amount"], item["currency"]) == (
            "transfer",
            made["transfer_id"],
            "7.50",
            "RUB",
        )
