"""Account analytics against a real ClickHouse 18.16: totals equal plain sums over each event once, duplicate
deliveries in unmerged parts included; ClickHouse down answers UNAVAILABLE."""

import random
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import grpc
import pytest
from clickhouse_connect.driver.client import Client
from google.protobuf.timestamp_pb2 import Timestamp

from analytics.config import Settings
from analytics.domain.account_summary import Period, day_of, period_start
from generated import analytics_pb2, analytics_pb2_grpc
from kernel.grpc_status import error_reason
from stack import certificates
from stack.config import StackConfig
from stack.processes import free_port
from tests.integration import operations_rows as rows
from tests.integration.analytics_servers import analytics_server

START = datetime(2026, 2, 1, tzinfo=UTC)
START_US = int(START.timestamp()) * 1_000_000
HOUR_US = 3_600_000_000
PERIODS = {
    Period.DAY: analytics_pb2.PERIOD_DAY,
    Period.WEEK: analytics_pb2.PERIOD_WEEK,
    Period.MONTH: analytics_pb2.PERIOD_MONTH,
}


@pytest.fixture(scope="module")
def store(clickhouse: StackConfig) -> Iterator[Client]:
    client = rows.connect(clickhouse)
    yield client
    client.close()


@pytest.fixture(scope="module")
async def stub(analytics_service: StackConfig) -> AsyncIterator[analytics_pb2_grpc.AnalyticsServiceStub]:
    target = f"{analytics_service.host}:{analytics_service.analytics_port}"
    async with grpc.aio.secure_channel(target, certificates.client_credentials(analytics_service)) as channel:
        yield analytics_pb2_grpc.AnalyticsServiceStub(channel)


def timestamp(us: int) -> Timestamp:
    return Timestamp(seconds=us // 1_000_000, nanos=us % 1_000_000 * 1000)


def history(account: uuid.UUID, peers: list[uuid.UUID], rng: random.Random) -> list[rows.Row]:
    """Two months of transfers both ways and top-ups, amounts with cents, several per hour at times."""
    made, at = [], START_US
    for _ in range(400):
        at += rng.randrange(1, 8 * HOUR_US)
        amount = Decimal(rng.randrange(1, 100_000)) / 100
        if rng.random() < 0.2:
            made.append(rows.topup(account, at, amount=amount))
        else:
            direction = rng.choice(["debit", "credit"])
            made.append(rows.transfer(account, at, direction, rng.choice(peers), amount=amount))
    return made


def expected(made: list[rows.Row], period: Period, from_us: int, to_us: int) -> list[tuple]:
    """Per period: (start, total in, total out, count in, count out, largest amount), in plain Python."""
    names = list(rows.COLUMNS)
    sums: dict[date, list] = {}
    for row in made:
        r: dict[str, Any] = dict(zip(names, row, strict=True))
        if not from_us <= r["occurred_at_us"] < to_us:
            continue
        totals = sums.setdefault(period_start(day_of(r["occurred_at_us"]), period), [Decimal(0), Decimal(0), 0, 0, 0])
        credit = r["direction"] == "credit"
        totals[0 if credit else 1] += r["amount"]
        totals[2 if credit else 3] += 1
        totals[4] = max(totals[4], r["amount"])
    return [(start.isoformat(), *t) for start, t in sorted(sums.items())]


def as_tuples(reply: analytics_pb2.GetAccountSummaryResponse) -> list[tuple]:
    return [
        (
            p.period_start,
            Decimal(p.total_in),
            Decimal(p.total_out),
            p.count_in,
            p.count_out,
            Decimal(p.largest_operation.amount),
        )
        for p in reply.periods
    ]


@pytest.mark.parametrize("period", list(Period))
async def test_totals_equal_plain_sums_with_redeliveries_unmerged(store: Client, stub, period: Period) -> None:
    rng = random.Random(period.value)
    account, peers = uuid.uuid4(), [uuid.uuid4() for _ in range(6)]
    made = history(account, peers, rng)
    store.command("SYSTEM STOP MERGES operations")  # the duplicates stay in their own parts
    try:
        rows.insert(store, made)
        rows.insert(store, rng.sample(made, 80))  # redeliveries: identical rows
        rows.insert(store, rng.sample(made, 40))
        from_us, to_us = START_US + 3 * HOUR_US, START_US + 50 * 24 * HOUR_US  # cuts periods at both ends
        request = analytics_pb2.GetAccountSummaryRequest(
            account_id=str(account), period=PERIODS[period], from_time=timestamp(from_us), to_time=timestamp(to_us)
        )
        assert as_tuples(await stub.GetAccountSummary(request)) == expected(made, period, from_us, to_us)
    finally:
        store.command("SYSTEM START MERGES operations")
    store.command("OPTIMIZE TABLE operations FINAL")
    assert as_tuples(await stub.GetAccountSummary(request)) == expected(made, period, from_us, to_us)


async def test_top_counterparties_equal_plain_sums(store: Client, stub) -> None:
    rng = random.Random(3)
    account, peers = uuid.uuid4(), [uuid.uuid4() for _ in range(12)]
    made = history(account, peers, rng)
    rows.insert(store, made)
    rows.insert(store, rng.sample(made, 100))
    totals: dict[str, list] = {}
    for row in made:
        r: dict[str, Any] = dict(zip(rows.COLUMNS, row, strict=True))
        if r["operation_type"] == "transfer":
            t = totals.setdefault(r["counterparty_id"], [Decimal(0), Decimal(0), 0])
            t[0 if r["direction"] == "credit" else 1] += r["amount"]
            t[2] += 1
    top = sorted(totals.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0]))[:4]
    request = analytics_pb2.GetTopCounterpartiesRequest(
        account_id=str(account),
        from_time=timestamp(START_US),
        to_time=timestamp(START_US + 300 * 24 * HOUR_US),
        limit=4,
    )
    reply = await stub.GetTopCounterparties(request)
    assert [(c.account_id, Decimal(c.total_in), Decimal(c.total_out), c.count) for c in reply.counterparties] == [
        (peer, *t) for peer, t in top
    ]


async def test_the_largest_operation_is_a_whole_operation(store: Client, stub) -> None:
    account, bob = uuid.uuid4(), uuid.uuid4()
    big = rows.transfer(
        account, START_US + 5, "debit", bob, amount=Decimal("500.00"), description="rent", operation_id="tr-9"
    )
    rows.insert(store, [rows.topup(account, START_US + 1, amount=Decimal("20.00")), big, big])
    request = analytics_pb2.GetAccountSummaryRequest(
        account_id=str(account),
        period=analytics_pb2.PERIOD_MONTH,
        from_time=timestamp(START_US),
        to_time=timestamp(START_US + HOUR_US),
    )
    (month,) = (await stub.GetAccountSummary(request)).periods
    assert (month.period_start, month.period_end, month.count, month.total_out) == (
        "2026-02-01",
        "2026-03-01",
        2,
        "500.00",
    )
    largest = month.largest_operation
    assert (
        largest.event_id,
        largest.direction,
        largest.counterparty_account_id,
        largest.operation_id,
        largest.description,
    ) == (str(rows.event_id(big)), analytics_pb2.DIRECTION_DEBIT, str(bob), "tr-9", "rent")


async def test_bad_requests(stub) -> None:
    account = str(uuid.uuid4())
    day = analytics_pb2.PERIOD_DAY
    for request, reason in [
        (
            analytics_pb2.GetAccountSummaryRequest(
                account_id=account, from_time=timestamp(START_US), to_time=timestamp(START_US + 1)
            ),
            "INVALID_REQUEST",
        ),
        (
            analytics_pb2.GetAccountSummaryRequest(
                account_id=account, period=day, from_time=timestamp(START_US + 1), to_time=timestamp(START_US)
            ),
            "INVALID_TIME_RANGE",
        ),
        (
            analytics_pb2.GetAccountSummaryRequest(
                account_id=account, period=day, from_time=timestamp(0), to_time=timestamp(START_US)
            ),
            "INVALID_TIME_RANGE",
        ),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.GetAccountSummary(request)
        assert (caught.value.code(), error_reason(caught.value)) == (grpc.StatusCode.INVALID_ARGUMENT, reason)


async def test_clickhouse_down_is_unavailable() -> None:
    settings = Settings(environment="development", grpc_plaintext=True, clickhouse_http_port=free_port())
    request = analytics_pb2.GetAccountSummaryRequest(
        account_id=str(uuid.uuid4()),
        period=analytics_pb2.PERIOD_DAY,
        from_time=timestamp(START_US),
        to_time=timestamp(START_US + 1),
    )
    async with analytics_server(settings) as target, grpc.aio.insecure_channel(target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await analytics_pb2_grpc.AnalyticsServiceStub(channel).GetAccountSummary(request, timeout=10)
    assert (caught.value.code(), error_reason(caught.value)) == (
        grpc.StatusCode.UNAVAILABLE,
        "ANALYTICS_STORE_UNAVAILABLE",
    )
