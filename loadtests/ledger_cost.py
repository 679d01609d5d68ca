"""The cost of the ledger's entries on the transfer statement: the Bank's one-statement transfer as it is (two entries
written with the balances, the transfer and its outbox row) against the same statement without its entries, run in
turns on one PostgreSQL by one process, many senders (no hot row). `make bench` runs it; alone:
`uv run python -m loadtests.ledger_cost` (its own PostgreSQL on free ports)."""

import argparse
import asyncio
import random
import shutil
import time
import uuid
from decimal import Decimal

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bank.adapters.opening_balances import open_accounts
from bank.adapters.transfer_statement import TRANSFER, statement_arguments
from bank.domain import events, model
from loadtests.load_generators import Result
from stack import postgres, services
from stack.config import StackConfig, ephemeral_config

ENTERED = """), entered AS (
    INSERT INTO entries (movement_id, movement_type, account_id, amount, currency, created_at)
    SELECT $1::uuid, 'transfer', d.id, d.delta, $5::text, $9::timestamptz
    FROM (VALUES ($2::uuid, -$4::numeric), ($3::uuid, $4::numeric)) AS d(id, delta)
    WHERE EXISTS (SELECT 1 FROM made)
    RETURNING id
"""
ENTERED_CHECK = "\n           AND (SELECT count(*) FROM entered) = 2"
assert ENTERED in TRANSFER and ENTERED_CHECK in TRANSFER, "the transfer statement changed: update ledger_cost"
# The statement as it was before the ledger: everything but the entries.
WITHOUT_ENTRIES = TRANSFER.replace(ENTERED, "").replace(ENTERED_CHECK, "")
ACCOUNTS = 400
OWNER = uuid.UUID("6f1d6c52-64a0-4c57-bd1e-5a4b3c2d1e0f")


async def setup(database_url: str) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(ACCOUNTS)]
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO users (id, username, role, created_at) VALUES (:id, :name, 'customer', now()) "
                 "ON CONFLICT DO NOTHING"),
            {"id": OWNER, "name": "ledger-cost-bench"},
        )  # fmt: skip
        await open_accounts(conn, [(i, Decimal("1000000000.00"), "RUB") for i in ids], OWNER)
    await engine.dispose()
    return ids


async def run(pool: asyncpg.Pool, statement: str, name: str, accounts: list[uuid.UUID], c: int, s: float) -> Result:
    latencies: list[float] = []
    deadline = time.monotonic() + s

    async def worker(rng: random.Random) -> None:
        while time.monotonic() < deadline:
            sender, recipient = rng.sample(accounts, 2)
            request = model.TransferRequest(sender, recipient, Decimal("1.00"), "RUB", "bench")
            transfer = model.new_transfer(request)
            started = time.perf_counter()
            row = await pool.fetchrow(
                statement, *statement_arguments(transfer, events.transfer_completed(transfer), OWNER)
            )
            latencies.append(time.perf_counter() - started)
            assert row is not None and row["done"], "a benchmark transfer was refused"

    started = time.monotonic()
    await asyncio.gather(*(worker(random.Random(i)) for i in range(c)))
    elapsed = time.monotonic() - started
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return Result(name, len(latencies) / elapsed, p(0.50), p(0.99), len(latencies), 0)


async def measure(cfg: StackConfig, concurrency: int, seconds: float, rounds: int = 2) -> dict[str, Result]:
    """Alternating runs, `rounds` of each, summed: drift of a shared machine falls on both sides alike."""
    accounts = await setup(cfg.database_url)
    pool = await asyncpg.create_pool(
        cfg.database_url.replace("+asyncpg", ""), min_size=concurrency, max_size=concurrency
    )
    runs: dict[str, list[Result]] = {"with": [], "without": []}
    try:
        for _ in range(rounds):
            runs["without"].append(await run(pool, WITHOUT_ENTRIES, "without entries", accounts, concurrency, seconds))
            runs["with"].append(await run(pool, TRANSFER, "with entries", accounts, concurrency, seconds))
    finally:
        await pool.close()
    return {
        key: _total(results, f"transfer statement {key} entries (c={concurrency})") for key, results in runs.items()
    }


def _total(results: list[Result], name: str) -> Result:
    count = sum(r.count for r in results)
    seconds = sum(r.count / r.rate for r in results)
    return Result(name, count / seconds, max(r.p50_ms for r in results), max(r.p99_ms for r in results), count, 0)


def report(runs: dict[str, Result]) -> float:
    ratio = runs["with"].rate / runs["without"].rate
    print(runs["without"].line())
    print(runs["with"].line())
    print(f"{'statement with entries / without':40} {ratio:9.3f}   (throughput kept with the ledger's entries)")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.ledger_cost")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    cfg = ephemeral_config()
    try:
        postgres.start(cfg)
        services.migrate_bank(cfg)
        report(asyncio.run(measure(cfg, args.concurrency, args.seconds)))
    finally:
        postgres.stop(cfg)
        shutil.rmtree(cfg.state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
