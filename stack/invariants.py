"""The product's invariants over a set of accounts that only trade among themselves, checked where the data lives:
money is conserved and never negative, each answered transfer is in PostgreSQL once, and ClickHouse ends up with every
committed transfer once (after deduplication). Each check returns what it found wrong, nothing when all holds."""

import asyncio
import time
import uuid
from collections.abc import Collection
from decimal import Decimal

import clickhouse_connect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from stack import clickhouse
from stack.config import StackConfig


async def check_postgres(
    cfg: StackConfig, accounts: list[uuid.UUID], opening_total: Decimal, answered: Collection[str]
) -> list[str]:
    """Balances sum to `opening_total`, none is negative, and every transfer `answered` 201 exists exactly once."""
    engine = create_async_engine(cfg.database_url)
    try:
        async with engine.connect() as conn:
            total, lowest = (
                await conn.execute(
                    text("SELECT sum(balance), min(balance) FROM accounts WHERE id = ANY(:ids)"), {"ids": accounts}
                )
            ).one()
            rows = await conn.execute(
                text("SELECT CAST(id AS text) AS id, count(*) AS n FROM transfers WHERE id = ANY(:ids) GROUP BY id"),
                {"ids": [uuid.UUID(i) for i in answered]},
            )
            stored = {row.id: row.n for row in rows}
    finally:
        await engine.dispose()
    problems = []
    if total != opening_total:
        problems.append(f"balances sum to {total}, not {opening_total}")
    if lowest < 0:
        problems.append(f"a balance is negative: {lowest}")
    if missing := set(answered) - stored.keys():
        problems.append(f"{len(missing)} transfers answered 201 are not in PostgreSQL, e.g. {min(missing)}")
    if twice := [i for i, n in stored.items() if n != 1]:
        problems.append(f"{len(twice)} transfers are in PostgreSQL more than once")
    return problems


async def committed_transfers(cfg: StackConfig, accounts: list[uuid.UUID]) -> set[str]:
    """Every transfer PostgreSQL committed from `accounts` (also those whose client gave up before the answer)."""
    engine = create_async_engine(cfg.database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT CAST(id AS text) AS id FROM transfers WHERE from_account_id = ANY(:ids)"),
                {"ids": accounts},
            )
            return {row.id for row in rows}
    finally:
        await engine.dispose()


def analytics_counts(cfg: StackConfig, accounts: list[uuid.UUID]) -> dict[str, int]:
    """Per transfer id, its rows in ClickHouse once redeliveries are skipped as queries skip them (a transfer has
    two: the sender's debit and the recipient's credit)."""
    client = clickhouse_connect.get_client(
        host=cfg.host, port=cfg.clickhouse_http_port, password=clickhouse.password(cfg)
    )
    try:
        rows = client.query(
            "SELECT operation_id, count() FROM (SELECT operation_id FROM wallet.operations "
            "WHERE has(%(accounts)s, toString(account_id)) LIMIT 1 BY account_id, event_id) GROUP BY operation_id",
            parameters={"accounts": [str(a) for a in accounts]},
        ).result_rows
    finally:
        client.close()
    return {operation: int(n) for operation, n in rows}


async def check_clickhouse(cfg: StackConfig, accounts: list[uuid.UUID], timeout: float = 120) -> list[str]:
    """Every transfer PostgreSQL committed from `accounts` reaches ClickHouse within `timeout`, exactly once, and
    nothing else does."""
    committed = await committed_transfers(cfg, accounts)
    deadline = time.monotonic() + timeout
    while True:
        counts = await asyncio.to_thread(analytics_counts, cfg, accounts)
        if counts.keys() == committed and all(n == 2 for n in counts.values()):
            return []
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    problems = []
    if missing := committed - counts.keys():
        problems.append(f"{len(missing)} of {len(committed)} committed transfers are not in ClickHouse")
    if extra := counts.keys() - committed:
        problems.append(f"{len(extra)} transfers in ClickHouse were never committed")
    if wrong := [i for i, n in counts.items() if n != 2]:
        problems.append(f"{len(wrong)} transfers show other than 2 rows (debit, credit) in ClickHouse")
    return problems
