"""The double-entry ledger on a real PostgreSQL: every movement's entries, the audit's invariants under concurrent
transfers and deposits, what the audit catches, and the migration's back-fill of data from before entries."""

import asyncio
import os
import random
import subprocess
import sys
import uuid
from decimal import Decimal

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bank.adapters.ledger_audit import audit, audit_on
from bank.bootstrap import Bank
from bank.domain import model
from bank.domain.ledger import AccountKind, internal_account_id
from bank.domain.users import Caller
from bank.service_layer import deposit_service, transfer_service
from stack import postgres, services
from stack.config import REPO_ROOT, StackConfig
from tests.accounts import balances, create_accounts
from tests.users import TESTER

TESTER_CALLER = Caller(TESTER.id, TESTER.role)


async def entries_of(engine: AsyncEngine, movement_id: uuid.UUID) -> dict[uuid.UUID, Decimal]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT account_id, amount FROM entries WHERE movement_id = :m"), {"m": movement_id}
        )
        return {row.account_id: row.amount for row in rows}


def transfer(a: uuid.UUID, b: uuid.UUID, amount: str) -> model.TransferRequest:
    return model.TransferRequest.parse(str(a), str(b), amount, "RUB", "ledger test")


def deposit(account: uuid.UUID, amount: str, currency: str = "RUB") -> model.DepositRequest:
    return model.DepositRequest.parse(str(account), amount, currency, f"pay-{uuid.uuid4()}", "", "4242", "visa")


async def test_a_transfer_debits_the_sender_and_credits_the_recipient(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    made = await transfer_service.transfer_money(bank.transfers, transfer(a, b, "12.34"), TESTER_CALLER)
    assert await entries_of(engine, made.transfer.id) == {a: Decimal("-12.34"), b: Decimal("12.34")}


async def test_a_top_up_credits_the_account_against_the_settlement_account(bank: Bank, engine: AsyncEngine) -> None:
    [a] = await create_accounts(engine, "0.00", currency="EUR")
    settlement = internal_account_id(AccountKind.SETTLEMENT, "EUR")
    before = (await balances(engine, [settlement])).get(settlement, Decimal(0))
    made = await deposit_service.deposit_money(bank.uow, deposit(a, "40.00", "EUR"))
    assert await entries_of(engine, made.deposit.id) == {settlement: Decimal("-40.00"), a: Decimal("40.00")}
    assert await balances(engine, [settlement]) == {settlement: before - Decimal("40.00")}


async def test_internal_accounts_take_no_transfers_or_deposits(bank: Bank, engine: AsyncEngine) -> None:
    [a] = await create_accounts(engine, "10.00")
    await deposit_service.deposit_money(bank.uow, deposit(a, "1.00"))  # the settlement account exists now
    settlement = internal_account_id(AccountKind.SETTLEMENT, "RUB")
    with pytest.raises(Exception, match="does not exist"):
        await transfer_service.transfer_money(bank.transfers, transfer(a, settlement, "1.00"), TESTER_CALLER)
    with pytest.raises(Exception, match="does not exist"):
        await deposit_service.deposit_money(bank.uow, deposit(settlement, "1.00"))


async def test_the_ledger_balances_after_concurrent_transfers_and_top_ups(bank: Bank, engine: AsyncEngine) -> None:
    accounts = await create_accounts(engine, *["100.00"] * 6)
    rng = random.Random(7)
    # As many in flight as the Bank has connections: more would only wait for the pool (and time out on a busy machine).
    in_flight = asyncio.Semaphore(8)

    async def one() -> None:
        async with in_flight:
            await move()

    async def move() -> None:
        if rng.random() < 0.25:
            await deposit_service.deposit_money(bank.uow, deposit(rng.choice(accounts), f"{rng.randint(1, 900)}.00"))
            return
        a, b = rng.sample(accounts, 2)
        request = transfer(a, b, f"{rng.randint(1, 4000) / 100:.2f}")
        try:
            await transfer_service.transfer_money(bank.transfers, request, TESTER_CALLER)
        except Exception as error:  # refusals (insufficient funds) are part of the mix
            assert type(error).__name__ == "InsufficientFunds", error

    await asyncio.gather(*(one() for _ in range(300)))
    report = await audit(engine)
    assert report.clean, report.findings
    async with engine.connect() as conn:
        sums = await conn.execute(
            text("SELECT account_id, sum(amount) AS total FROM entries WHERE account_id = ANY(:ids) GROUP BY 1"),
            {"ids": accounts},
        )
        assert {row.account_id: row.total for row in sums} == await balances(engine, accounts)


async def test_the_audit_catches_a_balance_changed_outside_the_ledger(engine: AsyncEngine) -> None:
    [a] = await create_accounts(engine, "5.00")
    async with engine.connect() as conn, conn.begin() as tx:
        await conn.execute(text("UPDATE accounts SET balance = balance + 1 WHERE id = :a"), {"a": a})
        report = await audit_on(conn)
        await tx.rollback()
    [finding] = [f for f in report.findings if f.check == "balance differs from its entries"]
    assert finding.count == 1 and str(a) in finding.sample[0]
    assert {f.check for f in report.findings} == {"balance differs from its entries"}


@pytest.mark.native
async def test_the_migration_back_fills_entries_for_existing_data(database: StackConfig) -> None:
    """A database at the revision before entries, with accounts, transfers and deposits written as they were then,
    is balanced after the upgrade: opening balances, transfers and top-ups all have their entries."""
    name = f"backfill_{uuid.uuid4().hex[:8]}"
    postgres.run_sql(database, [f'CREATE DATABASE "{name}" OWNER "{database.pg_user}"'])
    url = database.database_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate(database, url, "0004")
        a, b, usd = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        connection = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            await connection.execute(
                "INSERT INTO accounts (id, balance, currency, created_at, updated_at, version) VALUES "
                "($1, 70.00, 'RUB', now(), now(), 0), ($2, 55.00, 'RUB', now(), now(), 0), "
                "($3, 8.00, 'USD', now(), now(), 0)",
                a, b, usd,
            )  # fmt: skip
            # a: opened with 100, sent 30 to b; b: opened with 0, got 30 and a 25.00 top-up; usd: opened with 8.
            await connection.execute(
                "INSERT INTO transfers (id, from_account_id, to_account_id, amount, currency, status, "
                "request_fingerprint, created_at) VALUES ($1, $2, $3, 30.00, 'RUB', 'completed', 'f', now())",
                uuid.uuid4(), a, b,
            )  # fmt: skip
            await connection.execute(
                "INSERT INTO deposits (id, account_id, amount, currency, payment_id, topup_id, card_last4, card_brand,"
                " request_fingerprint, created_at) VALUES ($1, $2, 25.00, 'RUB', 'p', 't', '4242', 'visa', 'f', now())",
                uuid.uuid4(), b,
            )  # fmt: skip
        finally:
            await connection.close()
        migrate(database, url, "head")
        connection = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            opening = dict(
                await connection.fetch("SELECT account_id, amount FROM entries WHERE movement_type = 'opening'")
            )
            internal = dict(await connection.fetch("SELECT kind || ':' || currency, balance FROM accounts "
                                                   "WHERE kind <> 'customer'"))  # fmt: skip
        finally:
            await connection.close()
        assert opening == {
            a: Decimal("100.00"),
            usd: Decimal("8.00"),
            internal_account_id(AccountKind.EQUITY, "RUB"): Decimal("-100.00"),
            internal_account_id(AccountKind.EQUITY, "USD"): Decimal("-8.00"),
        }
        assert internal == {
            "settlement:RUB": Decimal("-25.00"),
            "settlement:USD": Decimal("0.00"),
            "equity:RUB": Decimal("-100.00"),
            "equity:USD": Decimal("-8.00"),
        }
        scratch = create_async_engine(url)
        try:
            report = await audit(scratch)
        finally:
            await scratch.dispose()
        assert report.clean, report.findings
        assert report.entries == 2 + 2 + 2 + 2  # two openings, the transfer, the top-up
    finally:
        postgres.run_sql(database, [f'DROP DATABASE "{name}" WITH (FORCE)'])


def migrate(cfg: StackConfig, url: str, revision: str) -> None:
    """The Bank's migrations up to `revision` on the database at `url`, with the stack's other settings."""
    environ = {k: v for k, v in {**os.environ, **services.service_env(cfg)}.items() if k != "BANK_DATABASE_URL_FILE"}
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", "bank/alembic.ini", "upgrade", revision],
        cwd=REPO_ROOT,
        env={**environ, "BANK_DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
