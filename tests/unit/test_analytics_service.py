"""The history use case over a fake store, the ClickHouse query it would run, and the gRPC mapping."""

import uuid
from decimal import Decimal

import pytest
from clickhouse_connect.driver.exceptions import DatabaseError, OperationalError, ProgrammingError
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import code_pb2

from analytics.adapters.clickhouse_operations import history_sql, translate
from analytics.adapters.history_windows import Newest, Since
from analytics.domain import errors
from analytics.domain.history import Direction, HistoryFilter, Operation, OperationType, Position
from analytics.domain.page_token import PageTokens
from analytics.entrypoints import grpc_server
from analytics.entrypoints.grpc_errors import to_grpc_status
from analytics.service_layer.history_service import get_operations
from generated import analytics_pb2
from kernel import errors as kernel_errors
from kernel.errors import ServiceError
from tests.unit.analytics_fakes import START_US, FakeOperations, operation

TOKENS = PageTokens(b"unit")


@pytest.fixture
def store() -> FakeOperations:
    return FakeOperations()


async def walk(store: FakeOperations, f: HistoryFilter, size: int, between=None) -> list[Operation]:
    seen, token = [], ""
    while True:
        page = await get_operations(store, TOKENS, f, size, token)
        seen.extend(page.operations)
        if not page.next_page_token:
            return seen
        token = page.next_page_token
        if between:
            between()


async def test_walk_is_newest_first_complete_and_without_duplicates(store: FakeOperations) -> None:
    account = uuid.uuid4()
    rows = [operation(account, START_US + i // 3) for i in range(120)]  # three events share each microsecond
    store.add(*rows, *rows[::7], operation(uuid.uuid4(), START_US))
    seen = await walk(store, HistoryFilter(account), 7)
    assert [o.event_id for o in seen] == [o.event_id for _, o in sorted(rows, key=_key, reverse=True)]


async def test_rows_arriving_between_pages_neither_shift_nor_repeat(store: FakeOperations) -> None:
    account = uuid.uuid4()
    rows = [operation(account, START_US + i) for i in range(50)]
    store.add(*rows)
    newer = iter(range(10_000, 20_000))
    seen = await walk(
        store, HistoryFilter(account), 6, lambda: store.add(operation(account, START_US + next(newer)), rows[0])
    )
    assert [o.event_id for o in seen] == [o.event_id for _, o in reversed(rows)]


async def test_the_last_page_has_no_token_even_when_full(store: FakeOperations) -> None:
    account = uuid.uuid4()
    store.add(*(operation(account, START_US + i) for i in range(10)))
    first = await get_operations(store, TOKENS, HistoryFilter(account), 5)
    last = await get_operations(store, TOKENS, HistoryFilter(account), 5, first.next_page_token)
    assert (len(first.operations), len(last.operations), last.next_page_token) == (5, 5, "")
    assert [call[2] for call in store.calls] == [6, 6]  # one extra row proves a next page, no count query


async def test_page_size_zero_means_fifty(store: FakeOperations) -> None:
    account = uuid.uuid4()
    store.add(*(operation(account, START_US + i) for i in range(60)))
    assert len((await get_operations(store, TOKENS, HistoryFilter(account), 0)).operations) == 50


async def test_filters_by_type_and_half_open_time_range(store: FakeOperations) -> None:
    account = uuid.uuid4()
    store.add(
        *(operation(account, START_US + i, OperationType.TOPUP if i % 2 else OperationType.TRANSFER) for i in range(20))
    )
    f = HistoryFilter.parse(str(account), [OperationType.TOPUP], START_US + 5, START_US + 15)
    seen = await walk(store, f, 2)
    assert [o.occurred_at_us - START_US for o in seen] == [13, 11, 9, 7, 5]


async def test_a_token_from_other_filters_is_refused_before_the_store_is_asked(store: FakeOperations) -> None:
    account = uuid.uuid4()
    store.add(*(operation(account, START_US + i) for i in range(5)))
    page = await get_operations(store, TOKENS, HistoryFilter(account), 2)
    with pytest.raises(errors.InvalidPageToken):
        await get_operations(
            store, TOKENS, HistoryFilter(account, frozenset([OperationType.TOPUP])), 2, page.next_page_token
        )
    assert len(store.calls) == 1


async def test_store_failures_pass_through_as_store_unavailable(store: FakeOperations) -> None:
    store.down = True
    with pytest.raises(errors.StoreUnavailable):
        await get_operations(store, TOKENS, HistoryFilter(uuid.uuid4()), 10)


def _key(row: tuple[uuid.UUID, Operation]) -> tuple[int, uuid.UUID]:
    return row[1].occurred_at_us, row[1].event_id


def test_the_query_is_keyset_with_one_row_per_event_and_no_offset() -> None:
    account, event = uuid.uuid4(), uuid.uuid4()
    f = HistoryFilter(account, frozenset([OperationType.TOPUP, OperationType.TRANSFER][:1]), 10, 20)
    sql, params = history_sql(f, Position(15, event), 51)
    assert "OFFSET" not in sql.upper()
    assert (
        "occurred_at_us < %(after_us)s OR (occurred_at_us = %(after_us)s AND event_id < toUUID(%(after_event)s))" in sql
    )
    assert sql.endswith("ORDER BY occurred_at_us DESC, event_id DESC LIMIT 1 BY event_id LIMIT %(limit)s")
    assert params == {
        "account_id": str(account),
        "limit": 51,
        "after_us": 15,
        "after_event": str(event),
        "types": ("topup",),
        "from_us": 10,
        "to_us": 20,
    }


def test_the_first_page_query_has_only_the_account_condition() -> None:
    sql, params = history_sql(HistoryFilter(uuid.uuid4()), None, 3)
    assert "WHERE account_id = toUUID(%(account_id)s) ORDER BY" in sql
    assert set(params) == {"account_id", "limit"}


def test_a_window_bounds_the_time_the_primary_key_reads() -> None:
    f = HistoryFilter(uuid.uuid4(), frozenset([OperationType.TOPUP]), to_us=500)
    sql, params = history_sql(f, None, 51, Since(400, 150))
    assert "AND occurred_at_us >= %(since_us)s ORDER BY" in sql
    assert params["since_us"] == 250


def test_the_exact_window_is_bounded_by_the_newest_rows_that_match_the_same_conditions() -> None:
    f = HistoryFilter(uuid.uuid4(), frozenset([OperationType.TOPUP]), 10, 20)
    sql, params = history_sql(f, Position(15, uuid.uuid4()), 51, Newest(102))
    where, subquery = sql.split(" AND occurred_at_us >= (SELECT ")
    conditions = where.split(" WHERE ")[1]
    assert f"FROM operations WHERE {conditions} ORDER BY occurred_at_us DESC LIMIT %(probe)s))" in subquery
    assert "uniqExact(event_id) < %(limit)s, 0, min(occurred_at_us)" in subquery
    assert (params["probe"], params["limit"]) == (102, 51)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (OperationalError("connection refused"), errors.StoreUnavailable),
        (DatabaseError("Code: 159, e.displayText() = DB::Exception: Timeout exceeded"), errors.StoreTimeout),
        (
            DatabaseError("Code: 60, e.displayText() = DB::Exception: Table wallet.operations doesn't exist"),
            errors.StoreUnavailable,
        ),
        (ProgrammingError("Code: 62, Syntax error"), type(None)),
    ],
)
def test_driver_failures_mean_store_errors_or_a_bug(exc: Exception, expected: type) -> None:
    assert type(translate(exc)) is expected  # type: ignore[arg-type]


def test_a_read_timeout_is_a_store_timeout() -> None:
    exc = OperationalError("read timed out")
    exc.__cause__ = TimeoutError("timed out")
    assert isinstance(translate(exc), errors.StoreTimeout)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.InvalidPageToken("x"), code_pb2.INVALID_ARGUMENT),
        (errors.InvalidPageSize("x"), code_pb2.INVALID_ARGUMENT),
        (errors.InvalidTimeRange("x"), code_pb2.INVALID_ARGUMENT),
        (kernel_errors.InvalidRequest("x"), code_pb2.INVALID_ARGUMENT),
        (errors.StoreUnavailable("x"), code_pb2.UNAVAILABLE),
        (errors.StoreTimeout("x"), code_pb2.DEADLINE_EXCEEDED),
        (errors.AnalyticsError("x"), code_pb2.INTERNAL),
    ],
)
def test_error_statuses(error: ServiceError, code: int) -> None:
    assert to_grpc_status(error).code.value[0] == code


def test_an_operation_in_proto_form() -> None:
    event, counterparty = uuid.uuid4(), str(uuid.uuid4())
    o = Operation(
        event, START_US + 7, OperationType.TRANSFER, Direction.DEBIT, Decimal("5.5"), "RUB", "t-1", counterparty, "rent"
    )
    assert grpc_server.to_proto(o) == analytics_pb2.Operation(
        event_id=str(event),
        type=analytics_pb2.OPERATION_TYPE_TRANSFER,
        direction=analytics_pb2.DIRECTION_DEBIT,
        amount="5.50",
        currency="RUB",
        occurred_at="2026-01-01T00:00:00.000007+00:00",
        counterparty_account_id=counterparty,
        operation_id="t-1",
        description="rent",
        kind="transfer",  # a row from before kinds: its type
    )
    topup = Operation(event, START_US, OperationType.TOPUP, Direction.CREDIT, Decimal("1"), "RUB", "p-1")
    reply = grpc_server.to_proto(topup)
    assert (reply.counterparty_account_id, reply.description, reply.direction, reply.kind) == (
        "",
        "",
        analytics_pb2.DIRECTION_CREDIT,
        "topup",
    )
    reversal = Operation(event, START_US, OperationType.TRANSFER, Direction.CREDIT, Decimal("1"), "RUB", "t-2",
                         counterparty, kind="reversal", reverses_operation_id="t-1")  # fmt: skip
    reply = grpc_server.to_proto(reversal)
    assert (reply.kind, reply.reverses_operation_id, reply.hold_id) == ("reversal", "t-1", "")


def test_request_types_and_bounds() -> None:
    assert grpc_server._type(analytics_pb2.OPERATION_TYPE_TOPUP) is OperationType.TOPUP
    with pytest.raises(kernel_errors.InvalidRequest):
        grpc_server._type(analytics_pb2.OPERATION_TYPE_UNSPECIFIED)
    request = analytics_pb2.GetOperationsRequest(from_time=Timestamp(seconds=2, nanos=1))
    assert (grpc_server._bound(request, "from_time"), grpc_server._bound(request, "to_time")) == (2_000_001, None)
    assert grpc_server._bound(analytics_pb2.GetOperationsRequest(to_time=Timestamp()), "to_time") == 0
