"""Point-in-time balances and statements on a real PostgreSQL: a past balance equals a replay of the account's
history at random instants (exactly at a movement's time too), a statement's totals equal PostgreSQL's sums over
transfers and deposits, and its closing balance agrees with the balance endpoint's rule to the cent."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bank.bootstrap import Bank
from bank.domain import model
from bank.domain.statement import LineKind
from bank.domain.users import Caller, Role
from bank.service_layer import deposit_service, statement_service, transfer_service
from kernel.errors import AccountNotFound, InvalidTimeRange
from tests.accounts import create_accounts
from tests.users import TESTER

TESTER_CALLER = Caller(TESTER.id, TESTER.role)
US = timedelta(microseconds=1)
# A movement of the account under test: when, by how much its balance changed, and its id.
Change = tuple[datetime, Decimal, uuid.UUID]


async def history(bank: Bank, engine: AsyncEngine, moves: int, seed: int) -> tuple[uuid.UUID, uuid.UUID, list[Change]]:
    """An account with an opening balance and `moves` random transfers both ways and top-ups, made through the use
    cases; its changes as the caller saw them (their created_at, amounts), oldest first."""
    rng = random.Random(seed)
    account, other = await create_accounts(engine, "500.00", "500.00")
    async with engine.connect() as conn:
        opened = await conn.scalar(text("SELECT created_at FROM accounts WHERE id = :a"), {"a": account})
    changes: list[Change] = [(opened, Decimal("500.00"), uuid.uuid4())]
    for _ in range(moves):
        amount = Decimal(rng.randint(1, 2000)) / 100
        match rng.choice(["out", "in", "topup"]):
            case "out":
                request = model.TransferRequest.parse(str(account), str(other), str(amount), "RUB", "rent")
                made = (await transfer_service.transfer_money(bank.transfers, request, TESTER_CALLER)).transfer
                changes.append((made.created_at, -amount, made.id))
            case "in":
                request = model.TransferRequest.parse(str(other), str(account), str(amount), "RUB", "refund")
                made = (await transfer_service.transfer_money(bank.transfers, request, TESTER_CALLER)).transfer
                changes.append((made.created_at, amount, made.id))
            case _:
                payment = model.DepositRequest.parse(
                    str(account), str(amount), "RUB", f"pay-{uuid.uuid4()}", "", "4242", "visa"
                )
                deposit = (await deposit_service.deposit_money(bank.uow, payment)).deposit
                changes.append((deposit.created_at, amount, deposit.id))
    return account, other, sorted(changes, key=lambda change: change[0])


def replay(changes: list[Change], at: datetime) -> Decimal:
    return sum((amount for when, amount, _ in changes if when <= at), Decimal("0.00"))


async def balance_at(bank: Bank, account: uuid.UUID, at: datetime, caller: Caller = TESTER_CALLER) -> Decimal:
    past = await statement_service.balance_at(bank.uow, bank.ledger_reads, account, at.isoformat(), caller)
    return past.balance


async def test_a_past_balance_equals_a_replay_of_the_history_at_random_instants(
    bank: Bank, engine: AsyncEngine
) -> None:
    account, _, changes = await history(bank, engine, moves=25, seed=13)
    rng = random.Random(4)
    first, last = changes[0][0], changes[-1][0]
    instants = [when for when, _, _ in changes]  # exactly at a movement: it counts
    instants += [when - US for when, _, _ in changes]  # just before it: it does not
    instants += [first + (last - first) * rng.random() for _ in range(30)]
    instants += [first - timedelta(days=1), first - US, datetime.now(UTC)]  # before the account existed: 0.00
    for at in instants:
        assert await balance_at(bank, account, at) == replay(changes, at), at
    before = await statement_service.balance_at(
        bank.uow, bank.ledger_reads, account, (first - US).isoformat(), TESTER_CALLER
    )
    assert (before.balance, before.held, before.updated_at) == (Decimal("0.00"), Decimal("0.00"), first - US)
    latest = await statement_service.balance_at(bank.uow, bank.ledger_reads, account, last.isoformat(), TESTER_CALLER)
    assert latest.updated_at == last  # its last change at or before the instant


async def test_a_past_balance_shows_the_holds_open_at_that_instant(bank: Bank, engine: AsyncEngine) -> None:
    account, other = await create_accounts(engine, "100.00", "0.00")
    placed = datetime.now(UTC) - timedelta(hours=2)
    closed = placed + timedelta(hours=1)
    async with engine.begin() as conn:  # opened three hours ago; a hold voided an hour after it was placed
        await conn.execute(
            text(
                "UPDATE entries SET created_at = created_at - interval '3 hours'"
                " WHERE movement_id IN (SELECT movement_id FROM entries WHERE account_id = :a)"
            ),
            {"a": account},
        )
        await conn.execute(
            text(
                "INSERT INTO holds (id, account_id, to_account_id, amount, currency, status, expires_at,"
                " request_fingerprint, created_at, closed_at)"
                " VALUES (:id, :a, :b, 30.00, 'RUB', 'voided', :expires, 'test', :placed, :closed)"
            ),
            {"id": uuid.uuid4(), "a": account, "b": other, "expires": closed, "placed": placed, "closed": closed},
        )
    for at, held in [(placed - US, "0.00"), (placed, "30.00"), (closed - US, "30.00"), (closed, "0.00")]:
        past = await statement_service.balance_at(bank.uow, bank.ledger_reads, account, at.isoformat(), TESTER_CALLER)
        assert (past.balance, past.held, past.available) == (
            Decimal("100.00"),
            Decimal(held),
            Decimal("100.00") - Decimal(held),
        ), at
        assert past.at == at


async def sums(engine: AsyncEngine, account: uuid.UUID, start: datetime, end: datetime) -> tuple[Decimal, Decimal, int]:
    """What came in, what went out and how many operations, by PostgreSQL over transfers and deposits."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT coalesce(sum(amount) FILTER (WHERE credit), 0), coalesce(sum(amount) FILTER (WHERE NOT"
                    " credit), 0), count(*) FROM ("
                    " SELECT amount, to_account_id = :a AS credit FROM transfers"
                    "  WHERE :a IN (from_account_id, to_account_id) AND created_at >= :start AND created_at < :end"
                    " UNION ALL SELECT amount, true FROM deposits"
                    "  WHERE account_id = :a AND created_at >= :start AND created_at < :end) AS moves"
                ),
                {"a": account, "start": start, "end": end},
            )
        ).one()
    return Decimal(row[0]), Decimal(row[1]), row[2]


async def test_statement_totals_equal_postgres_sums_and_agree_with_the_balance(bank: Bank, engine: AsyncEngine) -> None:
    account, other, changes = await history(bank, engine, moves=20, seed=7)
    start, end = changes[3][0], changes[15][0]  # both exactly at a movement: [start, end) has the first, not the last
    result = await statement_service.statement(
        bank.uow, bank.ledger_reads, account, start.isoformat(), end.isoformat(), TESTER_CALLER
    )
    total_in, total_out, count = await sums(engine, account, start, end)
    assert (result.total_in, result.total_out, len(result.lines)) == (total_in, total_out, count)
    assert [line.movement.movement_id for line in result.lines] == [m for _, _, m in changes[3:15]]
    assert result.opening_balance == await balance_at(bank, account, start) - changes[3][1]
    assert result.opening_balance == await balance_at(bank, account, start - US)
    assert result.closing_balance == await balance_at(bank, account, end) - changes[15][1]
    assert result.closing_balance == await balance_at(bank, account, end - US)
    assert result.closing_balance == result.opening_balance + result.total_in - result.total_out
    running = result.opening_balance
    for line in result.lines:
        running += line.movement.amount
        assert line.balance_after == running
        if line.movement.kind is LineKind.TRANSFER:
            assert line.movement.counterparty_account_id == other
        else:
            assert line.movement.kind is LineKind.TOPUP and line.movement.counterparty_account_id is None
    # The next statement starts where this one closed.
    after = await statement_service.statement(
        bank.uow, bank.ledger_reads, account, end.isoformat(), datetime.now(UTC).isoformat(), TESTER_CALLER
    )
    assert after.opening_balance == result.closing_balance
    assert after.closing_balance == replay(changes, datetime.now(UTC))


async def test_a_statement_from_before_the_account_opens_at_zero(bank: Bank, engine: AsyncEngine) -> None:
    account, _, changes = await history(bank, engine, moves=3, seed=1)
    start = changes[0][0] - timedelta(days=1)
    result = await statement_service.statement(
        bank.uow, bank.ledger_reads, account, start.isoformat(), datetime.now(UTC).isoformat(), TESTER_CALLER
    )
    assert result.opening_balance == Decimal("0.00") and result.lines[0].movement.kind is LineKind.OPENING
    assert result.closing_balance == replay(changes, datetime.now(UTC)) and len(result.lines) == 4


async def test_readers_and_refusals(bank: Bank, engine: AsyncEngine) -> None:
    [account] = await create_accounts(engine, "10.00")
    yesterday, now = datetime.now(UTC) - timedelta(days=1), datetime.now(UTC)
    with pytest.raises(AccountNotFound):  # another customer's account: as if absent
        await balance_at(bank, account, yesterday, Caller(uuid.uuid4(), Role.CUSTOMER))
    with pytest.raises(AccountNotFound):
        await statement_service.statement(
            bank.uow,
            bank.ledger_reads,
            account,
            yesterday.isoformat(),
            now.isoformat(),
            Caller(uuid.uuid4(), Role.CUSTOMER),
        )
    assert await balance_at(bank, account, now, Caller(uuid.uuid4(), Role.AUDITOR)) == Decimal("10.00")
    with pytest.raises(InvalidTimeRange):
        await balance_at(bank, account, now + timedelta(minutes=1))
    with pytest.raises(InvalidTimeRange):
        await statement_service.statement(
            bank.uow, bank.ledger_reads, account, (now - timedelta(days=400)).isoformat(), now.isoformat(), None
        )
