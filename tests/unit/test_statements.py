"""Point-in-time balances and statements without a database: the instants and periods accepted, the lines' running
balances and totals, the bound on a statement's size, and who may read them."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bank.domain.model import Account
from bank.domain.statement import (
    MAX_STATEMENT_LINES,
    BalanceAt,
    LineKind,
    Movement,
    Period,
    parse_instant,
    past_instant,
)
from bank.domain.users import Caller, Role
from bank.entrypoints.grpc_errors import status_code
from bank.service_layer import statement_service
from kernel.errors import AccountNotFound, InvalidTimeRange
from tests.unit.fake_unit_of_work import FakeStore, FakeUnitOfWork

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OWNER = uuid.uuid4()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T12:00:00Z", NOW),
        ("2026-03-01T15:00:00+03:00", NOW),
        ("2026-03-01T12:00:00.000001+00:00", NOW + timedelta(microseconds=1)),
    ],
)
def test_an_instant_is_rfc_3339_with_an_offset_in_utc(text: str, expected: datetime) -> None:
    instant = parse_instant(text, "at")
    assert instant == expected and instant.tzinfo is UTC


@pytest.mark.parametrize("text", ["", "yesterday", "2026-03-01T12:00:00", "2026-03-01", "2026-13-01T00:00:00Z"])
def test_a_malformed_or_offsetless_instant_is_refused(text: str) -> None:
    with pytest.raises(InvalidTimeRange):
        parse_instant(text, "at")


def test_the_future_is_refused_the_present_is_not() -> None:
    assert past_instant(NOW.isoformat(), "at", NOW) == NOW
    with pytest.raises(InvalidTimeRange, match="future"):
        past_instant((NOW + timedelta(microseconds=1)).isoformat(), "at", NOW)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (NOW, NOW),  # empty
        (NOW - timedelta(days=1), NOW - timedelta(days=2)),  # backwards
        (NOW - timedelta(days=367), NOW),  # too long
        (NOW - timedelta(days=1), NOW + timedelta(seconds=1)),  # ends in the future
    ],
)
def test_a_period_is_forwards_past_and_at_most_366_days(start: datetime, end: datetime) -> None:
    with pytest.raises(InvalidTimeRange):
        Period.parse(start.isoformat(), end.isoformat(), NOW)


def test_a_period_of_366_days_ending_now_is_accepted() -> None:
    period = Period.parse((NOW - timedelta(days=366)).isoformat(), NOW.isoformat(), NOW)
    assert period.end - period.start == timedelta(days=366)


class FakeReads:
    def __init__(self, opening: Decimal, movements: list[Movement]) -> None:
        self.opening, self.all = opening, movements
        self.limits: list[int] = []

    async def balance_at(self, account_id: uuid.UUID, at: datetime) -> BalanceAt:
        total = self.opening + sum((m.amount for m in self.all if m.occurred_at <= at), Decimal(0))
        return BalanceAt(account_id, "RUB", total, Decimal("1.00"), at, at)

    async def movements(self, account_id: uuid.UUID, period: Period, limit: int) -> tuple[Decimal, list[Movement]]:
        self.limits.append(limit)
        return self.opening, [m for m in self.all if period.start <= m.occurred_at < period.end][:limit]


def movement(amount: str, minutes: int, kind: LineKind = LineKind.TRANSFER) -> Movement:
    return Movement(uuid.uuid4(), kind, Decimal(amount), NOW - timedelta(minutes=minutes))


def uow_with(account_id: uuid.UUID) -> FakeStore:
    return FakeStore([Account(account_id, Decimal("0.00"), "RUB", NOW, owner_id=OWNER)])


async def test_a_statement_runs_the_balance_through_its_lines() -> None:
    account = uuid.uuid4()
    store = uow_with(account)
    reads = FakeReads(
        Decimal("100.00"), [movement("-30.00", 50), movement("12.50", 40, LineKind.TOPUP), movement("-0.01", 30)]
    )
    start, end = (NOW - timedelta(hours=1)).isoformat(), (NOW - timedelta(minutes=1)).isoformat()
    result = await statement_service.statement(
        lambda: FakeUnitOfWork(store), reads, account, start, end, Caller(OWNER, Role.CUSTOMER)
    )
    assert [line.balance_after for line in result.lines] == [Decimal("70.00"), Decimal("82.50"), Decimal("82.49")]
    assert (result.opening_balance, result.closing_balance) == (Decimal("100.00"), Decimal("82.49"))
    assert (result.total_in, result.total_out) == (Decimal("12.50"), Decimal("30.01"))
    assert result.opening_balance + result.total_in - result.total_out == result.closing_balance
    assert reads.limits == [MAX_STATEMENT_LINES + 1]  # one more than allowed: enough to know it is too many


async def test_an_empty_period_closes_where_it_opened() -> None:
    account = uuid.uuid4()
    result = await statement_service.statement(
        lambda: FakeUnitOfWork(uow_with(account)),
        FakeReads(Decimal("5.00"), []),
        account,
        (NOW - timedelta(days=2)).isoformat(),
        (NOW - timedelta(days=1)).isoformat(),
        Caller(OWNER, Role.CUSTOMER),
    )
    assert (result.opening_balance, result.closing_balance, result.total_in, result.total_out) == (
        Decimal("5.00"),
        Decimal("5.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )


async def test_a_statement_of_too_many_operations_asks_for_a_narrower_period() -> None:
    account = uuid.uuid4()
    reads = FakeReads(Decimal(0), [movement("1.00", 1) for _ in range(MAX_STATEMENT_LINES + 1)])
    with pytest.raises(InvalidTimeRange, match="narrower period") as refused:
        await statement_service.statement(
            lambda: FakeUnitOfWork(uow_with(account)),
            reads,
            account,
            (NOW - timedelta(hours=1)).isoformat(),
            datetime.now(UTC).isoformat(),
            Caller(OWNER, Role.CUSTOMER),
        )
    assert status_code(refused.value) == 3  # INVALID_ARGUMENT


async def test_only_the_owner_or_an_auditor_reads_a_past_balance() -> None:
    account = uuid.uuid4()
    store = uow_with(account)
    reads = FakeReads(Decimal("10.00"), [])
    at = (NOW - timedelta(days=1)).isoformat()
    with pytest.raises(AccountNotFound):
        await statement_service.balance_at(
            lambda: FakeUnitOfWork(store), reads, account, at, Caller(uuid.uuid4(), Role.CUSTOMER)
        )
    for caller in (Caller(OWNER, Role.CUSTOMER), Caller(uuid.uuid4(), Role.AUDITOR)):
        past = await statement_service.balance_at(lambda: FakeUnitOfWork(store), reads, account, at, caller)
        assert (past.balance, past.held, past.available) == (Decimal("10.00"), Decimal("1.00"), Decimal("9.00"))
