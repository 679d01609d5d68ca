"""Reading both ends of the pipeline: what PostgreSQL committed and what ClickHouse holds."""

import asyncio
import random
import uuid
from collections.abc import Callable

import httpx
from clickhouse_connect.driver.client import Client
from confluent_kafka import Consumer, Message
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from stack.config import StackConfig
from stack.kafka import event_of
from tests.polling import eventually


async def committed_transfers(engine: AsyncEngine, accounts: list[uuid.UUID]) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT id FROM transfers WHERE from_account_id = ANY(:ids)"), {"ids": accounts})
        return {str(row.id) for row in rows}


def stored_operations(client: Client, accounts: list[uuid.UUID]) -> tuple[set[str], int, int]:
    """(transfer ids seen in ClickHouse, raw rows, rows once duplicates are skipped as queries skip them)."""
    ids = ", ".join(f"toUUID('{a}')" for a in accounts)
    raw = client.query(
        f"SELECT operation_id, event_id, account_id FROM wallet.operations WHERE account_id IN ({ids})"
    ).result_rows
    deduplicated = client.query(
        f"SELECT operation_id FROM wallet.operations WHERE account_id IN ({ids}) "
        "ORDER BY account_id, occurred_at_us DESC, event_id LIMIT 1 BY account_id, event_id"
    ).result_rows
    return {row[0] for row in raw}, len(raw), len(deduplicated)


async def random_traffic(api: httpx.AsyncClient, accounts: list[uuid.UUID], stop: asyncio.Event, seed: int) -> int:
    """Small random transfers among `accounts` until `stop`; returns how many were committed (201)."""
    rng = random.Random(seed)
    created = 0
    while not stop.is_set():
        sender, recipient = rng.sample(accounts, 2)
        body = {"to_account_id": str(recipient), "amount": f"{rng.randint(1, 500) / 100:.2f}", "currency": "RUB"}
        reply = await api.post(f"/accounts/{sender}/transfers", json=body)
        created += reply.status_code == 201
        await asyncio.sleep(0.05)  # a steady trickle, not a load test
    return created


async def messages_about(cfg: StackConfig, field: str, wanted: set[str], timeout: float) -> dict[str, Message]:
    """The topic's messages whose payload `field` is one of `wanted` (the last of each), read from the start."""
    found: dict[str, Message] = {}

    def keep(message: Message, value: dict) -> None:
        found[value[field]] = message

    await _read_until(cfg, field, wanted, keep, lambda: found.keys() == wanted, timeout, f"{len(wanted)} messages")
    return found


async def every_message_about(
    cfg: StackConfig, field: str, wanted: set[str], count: int, timeout: float
) -> list[Message]:
    """Every message whose payload `field` is one of `wanted` (several events of one hold, say), once `count` came."""
    found: list[Message] = []
    await _read_until(
        cfg, field, wanted, lambda m, _: found.append(m), lambda: len(found) >= count, timeout, f"{count} messages"
    )
    return found


async def _read_until(
    cfg: StackConfig,
    field: str,
    wanted: set[str],
    keep: Callable[[Message, dict], None],
    done: Callable[[], bool],
    timeout: float,
    what: str,
) -> None:
    """Read the topic from the start in batches, keeping the messages whose payload `field` is in `wanted`."""
    consumer = Consumer(
        {"bootstrap.servers": cfg.kafka_bootstrap, "group.id": f"test-{uuid.uuid4()}", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([cfg.topic])

    def read() -> bool:
        for message in consumer.consume(num_messages=1000, timeout=1):
            if not message.error():
                value = event_of(message)
                if value.get(field) in wanted:
                    keep(message, value)
        return done()

    try:
        await eventually(read, timeout, f"{what} on {cfg.topic}")
    finally:
        consumer.close()
