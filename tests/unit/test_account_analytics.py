"""Account analytics: the rules of a query, the periods, the use cases over a fake store, the gRPC servicer."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from analytics.domain import account_summary
from analytics.domain.account_summary import CounterpartyQuery, Period, SummaryQuery, period_end, period_start
from analytics.domain.errors import InvalidTimeRange
from analytics.domain.history import Direction, OperationType
from analytics.entrypoints.grpc_server import AnalyticsServicer
from analytics.service_layer import account_analytics_service
from generated import analytics_pb2
from kernel.errors import InvalidRequest
from kernel.grpc_status import error_reason
from tests.unit.analytics_fakes import FakeAnalytics, operation
from tests.unit.fake_rpc_errors import FakeRpcError

ACCOUNT = uuid.uuid4()
DAY_US = account_summary.DAY_US


def us(*when: int) -> int:
    return int(datetime(*when, tzinfo=UTC).timestamp()) * 1_000_000  # type: ignore[arg-type, misc]


@pytest.mark.parametrize(
    ("day", "period", "start", "end"),
    [
        (date(2026, 3, 4), Period.DAY, date(2026, 3, 4), date(2026, 3, 5)),
        (date(2026, 3, 4), Period.WEEK, date(2026, 3, 2), date(2026, 3, 9)),  # a Wednesday: the Monday before
        (date(2026, 3, 2), Period.WEEK, date(2026, 3, 2), date(2026, 3, 9)),
        (date(2026, 3, 1), Period.WEEK, date(2026, 2, 23), date(2026, 3, 2)),  # a Sunday ends the ISO week
        (date(2026, 12, 31), Period.MONTH, date(2026, 12, 1), date(2027, 1, 1)),
        (date(2028, 2, 29), Period.MONTH, date(2028, 2, 1), date(2028, 3, 1)),
    ],
)
def test_calendar_periods(day: date, period: Period, start: date, end: date) -> None:
    assert (period_start(day, period), period_end(period_start(day, period), period)) == (start, end)


@pytest.mark.parametrize(
    ("period", "from_us", "to_us", "error"),
    [
        (None, us(2026, 1, 1), us(2026, 2, 1), InvalidRequest),  # unknown or missing period
        (Period.DAY, None, us(2026, 2, 1), InvalidTimeRange),
        (Period.DAY, us(2026, 1, 1), None, InvalidTimeRange),
        (Period.DAY, us(2026, 2, 1), us(2026, 1, 1), InvalidTimeRange),  # from > to
        (Period.DAY, us(2026, 2, 1), us(2026, 2, 1), InvalidTimeRange),  # empty
        (Period.DAY, -1, us(2026, 2, 1), InvalidTimeRange),
        (Period.DAY, us(2026, 1, 1), us(2027, 1, 2) + 1, InvalidTimeRange),  # 367 days
        (Period.WEEK, us(2019, 1, 1), us(2027, 1, 1), InvalidTimeRange),
        (Period.MONTH, us(1990, 1, 1), us(2026, 1, 1), InvalidTimeRange),
    ],
)
def test_bad_summary_queries_are_refused(
    period: Period | None, from_us: int | None, to_us: int | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        SummaryQuery.parse(str(ACCOUNT), period, from_us, to_us)


def test_the_range_may_touch_366_periods() -> None:
    assert SummaryQuery.parse(str(ACCOUNT), Period.DAY, us(2026, 1, 1), us(2027, 1, 2)).period is Period.DAY
    assert account_summary.periods_touched(us(2026, 1, 1, 12), us(2026, 1, 2, 1), Period.DAY) == 2
    assert account_summary.periods_touched(us(2026, 1, 31), us(2026, 3, 1), Period.MONTH) == 2
    assert SummaryQuery.parse(str(ACCOUNT), Period.MONTH, us(2000, 1, 1), us(2026, 1, 1)).period is Period.MONTH


@pytest.mark.parametrize(
    ("from_us", "to_us", "limit", "error"),
    [
        (us(2026, 1, 1), us(2027, 1, 3), 5, InvalidTimeRange),
        (us(2026, 1, 2), us(2026, 1, 1), 5, InvalidTimeRange),
        (us(2026, 1, 1), us(2026, 2, 1), 51, InvalidRequest),
        (us(2026, 1, 1), us(2026, 2, 1), -1, InvalidRequest),
    ],
)
def test_bad_counterparty_queries_are_refused(from_us: int, to_us: int, limit: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        CounterpartyQuery.parse(str(ACCOUNT), from_us, to_us, limit)


def test_limit_zero_means_five() -> None:
    assert CounterpartyQuery.parse(str(ACCOUNT), us(2026, 1, 1), us(2026, 2, 1), 0).limit == 5


def history(store: FakeAnalytics) -> None:
    """Mar 2 (Mon) and Mar 9 (the next Monday): transfers both ways and a top-up, some delivered twice."""
    bob, carol = str(uuid.uuid4()), str(uuid.uuid4())
    rows = [
        operation(ACCOUNT, us(2026, 3, 2, 10), amount=Decimal("100.00"), counterparty_id=bob),
        operation(
            ACCOUNT, us(2026, 3, 2, 11), direction=Direction.CREDIT, amount=Decimal("30.50"), counterparty_id=bob
        ),
        operation(ACCOUNT, us(2026, 3, 8, 23), OperationType.TOPUP, amount=Decimal("250.00")),
        operation(ACCOUNT, us(2026, 3, 9, 0), amount=Decimal("7.25"), counterparty_id=carol),
        operation(uuid.uuid4(), us(2026, 3, 2, 12), amount=Decimal("999.00")),  # another account's
    ]
    store.add(*rows, rows[0], rows[2], rows[2])  # redeliveries


async def test_a_summary_counts_each_event_once() -> None:
    store = FakeAnalytics()
    history(store)
    weeks = await account_analytics_service.summarize(
        store, SummaryQuery.parse(str(ACCOUNT), Period.WEEK, us(2026, 3, 1), us(2026, 3, 16))
    )
    assert [(w.start, w.end, w.total_in, w.total_out, w.count_in, w.count_out) for w in weeks] == [
        (date(2026, 3, 2), date(2026, 3, 9), Decimal("280.50"), Decimal("100.00"), 2, 1),
        (date(2026, 3, 9), date(2026, 3, 16), Decimal("0.00"), Decimal("7.25"), 0, 1),
    ]
    assert weeks[0].largest.amount == Decimal("250.00") and weeks[0].count == 3


async def test_top_counterparties_are_transfers_by_total() -> None:
    store = FakeAnalytics()
    history(store)
    found = await account_analytics_service.top_counterparties(
        store, CounterpartyQuery.parse(str(ACCOUNT), us(2026, 3, 1), us(2026, 4, 1), 5)
    )
    assert [(c.total_in, c.total_out, c.count) for c in found] == [
        (Decimal("30.50"), Decimal("100.00"), 2),
        (Decimal("0.00"), Decimal("7.25"), 1),
    ]


class AbortedError(Exception):
    pass


class FakeContext:
    def __init__(self) -> None:
        self.status: grpc.Status | None = None

    def time_remaining(self) -> float:
        return 5.0

    async def abort_with_status(self, status: grpc.Status) -> None:
        self.status = status
        raise AbortedError

    async def abort(self, code: grpc.StatusCode, details: str) -> None:
        raise AbortedError(code, details)


class FakeWiring:
    def __init__(self, store: FakeAnalytics) -> None:
        self.operations = store


def timestamp(when_us: int) -> Timestamp:
    return Timestamp(seconds=when_us // 1_000_000)


def servicer(store: FakeAnalytics) -> AnalyticsServicer:
    return AnalyticsServicer(FakeWiring(store))  # type: ignore[arg-type]


async def test_the_servicer_answers_a_summary_in_proto_form() -> None:
    store = FakeAnalytics()
    history(store)
    request = analytics_pb2.GetAccountSummaryRequest(
        account_id=str(ACCOUNT),
        period=analytics_pb2.PERIOD_MONTH,
        from_time=timestamp(us(2026, 3, 1)),
        to_time=timestamp(us(2026, 4, 1)),
    )
    reply = await servicer(store).GetAccountSummary(request, FakeContext())  # type: ignore[arg-type]
    (month,) = reply.periods
    assert (month.period_start, month.period_end, month.currency) == ("2026-03-01", "2026-04-01", "RUB")
    assert (month.total_in, month.total_out, month.count, month.count_in, month.count_out) == (
        "280.50",
        "107.25",
        4,
        2,
        2,
    )
    assert (month.largest_operation.amount, month.largest_operation.type) == (
        "250.00",
        analytics_pb2.OPERATION_TYPE_TOPUP,
    )


@pytest.mark.parametrize(
    ("period", "from_us", "to_us", "down", "reason"),
    [
        (analytics_pb2.PERIOD_UNSPECIFIED, us(2026, 3, 1), us(2026, 4, 1), False, "INVALID_REQUEST"),
        (7, us(2026, 3, 1), us(2026, 4, 1), False, "INVALID_REQUEST"),  # a value this server does not know
        (analytics_pb2.PERIOD_DAY, us(2026, 4, 1), us(2026, 3, 1), False, "INVALID_TIME_RANGE"),
        (analytics_pb2.PERIOD_DAY, us(2025, 1, 1), us(2026, 3, 1), False, "INVALID_TIME_RANGE"),
        (analytics_pb2.PERIOD_DAY, us(2026, 3, 1), us(2026, 4, 1), True, "ANALYTICS_STORE_UNAVAILABLE"),
    ],
)
async def test_the_servicer_refuses_bad_requests_without_asking_the_store(
    period: "analytics_pb2.Period.ValueType", from_us: int, to_us: int, down: bool, reason: str
) -> None:
    store = FakeAnalytics()
    store.down = down
    context = FakeContext()
    request = analytics_pb2.GetAccountSummaryRequest(
        account_id=str(ACCOUNT), period=period, from_time=timestamp(from_us), to_time=timestamp(to_us)
    )
    with pytest.raises(AbortedError):
        await servicer(store).GetAccountSummary(request, context)  # type: ignore[arg-type]
    assert context.status is not None
    assert error_reason(_as_error(context.status)) == reason


async def test_the_servicer_answers_counterparties() -> None:
    store = FakeAnalytics()
    history(store)
    request = analytics_pb2.GetTopCounterpartiesRequest(
        account_id=str(ACCOUNT), from_time=timestamp(us(2026, 3, 1)), to_time=timestamp(us(2026, 4, 1)), limit=1
    )
    reply = await servicer(store).GetTopCounterparties(request, FakeContext())  # type: ignore[arg-type]
    assert [(c.total_in, c.total_out, c.count, c.currency) for c in reply.counterparties] == [
        ("30.50", "100.00", 2, "RUB")
    ]


def _as_error(status: grpc.Status) -> grpc.aio.AioRpcError:
    return FakeRpcError(status.code, status.details, tuple(status.trailing_metadata))
