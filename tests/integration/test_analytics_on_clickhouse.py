"""The Analytics service against a real ClickHouse 18.16: order, pagination, duplicates, filters, failures."""

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import cast

import grpc
import pytest
from clickhouse_connect.driver.client import Client
from google.protobuf.timestamp_pb2 import Timestamp

from analytics.config import Settings
from generated import analytics_pb2, analytics_pb2_grpc
from kernel.grpc_status import error_reason
from stack import certificates
from stack.config import StackConfig
from stack.processes import free_port
from tests.integration import operations_rows as rows
from tests.integration.analytics_servers import analytics_server, silent_port

START_US = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp()) * 1_000_000
DAY_US = 86_400_000_000
Request = analytics_pb2.GetOperationsRequest


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


async def walk(stub, request: analytics_pb2.GetOperationsRequest, between=None) -> list[analytics_pb2.Operation]:
    """Every page from the first, following next_page_token; `between` runs after each page."""
    seen: list[analytics_pb2.Operation] = []
    while True:
        reply = await stub.GetOperations(request)
        seen.extend(reply.operations)
        if not reply.next_page_token:
            return seen
        request.page_token = reply.next_page_token
        if between:
            between()


def distinct_newest_first(store: Client, account: uuid.UUID) -> list[str]:
    """The expected order, by another formulation than the service's (DISTINCT, not LIMIT BY)."""
    query = (
        "SELECT DISTINCT occurred_at_us, event_id FROM operations WHERE account_id = toUUID(%(a)s) "
        "ORDER BY occurred_at_us DESC, event_id DESC"
    )
    return [str(event) for _, event in store.query(query, parameters={"a": str(account)}).result_rows]


async def test_an_operation_carries_every_field(store: Client, stub) -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    sent = rows.transfer(
        alice, START_US + 123_456, "debit", bob, amount="12.3", description="rent", operation_id="tr-1"
    )
    received = rows.transfer(
        bob, START_US + 123_456, "credit", alice, event_id=rows.event_id(sent), operation_id="tr-1"
    )
    top = rows.topup(alice, START_US + 999_999, operation_id="top-1", description="Card top-up, visa ending 4242")
    hold = str(uuid.uuid4())
    back = rows.transfer(alice, START_US + 1_000_000, "credit", bob, kind="reversal", reverses_operation_id="tr-1")
    captured = rows.transfer(alice, START_US + 1_000_001, "debit", bob, kind="capture", hold_id=hold)
    rows.insert(store, [sent, received, top, back, captured])

    reply = await stub.GetOperations(Request(account_id=str(alice)))
    assert reply.next_page_token == ""
    capture, reversal, *others = reply.operations
    assert (capture.kind, capture.hold_id, capture.reverses_operation_id) == ("capture", hold, "")
    assert (reversal.kind, reversal.hold_id, reversal.reverses_operation_id) == ("reversal", "", "tr-1")
    assert others == [
        analytics_pb2.Operation(
            event_id=str(rows.event_id(top)),
            type=analytics_pb2.OPERATION_TYPE_TOPUP,
            direction=analytics_pb2.DIRECTION_CREDIT,
            amount="10.00",
            currency="RUB",
            occurred_at="2026-03-01T00:00:00.999999+00:00",
            operation_id="top-1",
            description="Card top-up, visa ending 4242",
            kind="topup",
        ),
        analytics_pb2.Operation(
            event_id=str(rows.event_id(sent)),
            type=analytics_pb2.OPERATION_TYPE_TRANSFER,
            direction=analytics_pb2.DIRECTION_DEBIT,
            amount="12.30",
            currency="RUB",
            occurred_at="2026-03-01T00:00:00.123456+00:00",
            counterparty_account_id=str(bob),
            operation_id="tr-1",
            description="rent",
            kind="transfer",
        ),
    ]
    (credit,) = (await stub.GetOperations(Request(account_id=str(bob)))).operations
    assert (credit.direction, credit.counterparty_account_id) == (analytics_pb2.DIRECTION_CREDIT, str(alice))


async def test_a_walk_of_600_has_no_gap_and_no_duplicate_while_rows_and_redeliveries_arrive(
    store: Client,
    stub,
) -> None:
    account, rng = uuid.uuid4(), random.Random(7)
    # Three events per microsecond, so that page boundaries fall inside ties broken by event_id.
    history = [rows.transfer(account, START_US + i // 3) for i in range(600)]
    store.command("SYSTEM STOP MERGES operations")  # the duplicates stay until we merge
    rows.insert(store, history)
    rows.insert(store, rng.sample(history, 150))  # redeliveries: identical rows in another part
    rows.insert(store, history[-40:])  # the newest ones twice over, on the first page
    expected = distinct_newest_first(store, account)
    assert len(expected) == 600
    assert count_rows(store, account) == 790
    newer = iter(range(1, 10_000))

    def meanwhile() -> None:
        rows.insert(store, [rows.topup(account, START_US + 1_000_000 + next(newer)), *rng.sample(history, 5)])

    seen = await walk(stub, Request(account_id=str(account), page_size=37), meanwhile)
    assert [o.event_id for o in seen] == expected
    times = [o.occurred_at for o in seen]
    assert times == sorted(times, reverse=True)

    assert count_rows(store, account) > 790
    store.command("SYSTEM START MERGES operations")
    store.command("OPTIMIZE TABLE operations FINAL")  # after merges the answer is the same
    assert count_rows(store, account) == 600 + next(newer) - 1
    merged = await walk(stub, Request(account_id=str(account), page_size=200))
    assert [o.event_id for o in merged][-600:] == expected
    assert len(merged) == count_rows(store, account)


async def test_walks_of_a_long_uneven_history_match_the_plain_query_for_every_filter(store: Client, stub) -> None:
    """Pages are read by time windows (analytics/adapters/history_windows.py) learned from earlier pages: bursts,
    ties, gaps of weeks and redeliveries over years of history change no page, whatever the filter or page size."""
    account, rng, at = uuid.uuid4(), random.Random(11), START_US
    history = []
    for i in range(1500):
        at += rng.choices(
            [rng.choice([0, 1, 1000]), rng.randrange(1, 600_000_000), DAY_US, 30 * DAY_US], [45, 45, 8, 2]
        )[0]
        history.append((rows.topup if i % 5 == 0 else rows.transfer)(account, at))
    rows.insert(store, history)
    rows.insert(store, rng.sample(history, 60))
    times = sorted(cast(int, row[1]) for row in history)
    query = (  # ClickHouse's own order of event ids within a microsecond
        "SELECT DISTINCT occurred_at_us, event_id, toString(operation_type) FROM operations "
        "WHERE account_id = toUUID(%(a)s) ORDER BY occurred_at_us DESC, event_id DESC"
    )
    newest_first = store.query(query, parameters={"a": str(account)}).result_rows
    assert len(newest_first) == 1500
    month = Timestamp()
    month.FromMicroseconds(times[700])
    month_end = Timestamp()
    month_end.FromMicroseconds(times[700] + 30 * DAY_US)
    cases = [
        (Request(account_id=str(account)), lambda t, kind: True),
        (Request(account_id=str(account), types=[analytics_pb2.OPERATION_TYPE_TOPUP]), lambda t, kind: kind == "topup"),
        (Request(account_id=str(account), from_time=month), lambda t, kind: t >= times[700]),
        (Request(account_id=str(account), to_time=month), lambda t, kind: t < times[700]),
        (
            Request(account_id=str(account), from_time=month, to_time=month_end),
            lambda t, kind: times[700] <= t < times[700] + 30 * DAY_US,
        ),
    ]
    for size in (200, 7, 50):  # the first round reads an account it knows nothing of, the others what it learned
        for request, admits in cases:
            request.page_size = size
            seen = await walk(stub, analytics_pb2.GetOperationsRequest.FromString(request.SerializeToString()))
            assert [o.event_id for o in seen] == [str(e) for t, e, kind in newest_first if admits(t, kind)]


def count_rows(store: Client, account: uuid.UUID) -> int:
    query = "SELECT count() FROM operations WHERE account_id = toUUID(%(a)s)"
    return int(store.query(query, parameters={"a": str(account)}).result_rows[0][0])


async def test_filters_by_type_and_half_open_time_range(store: Client, stub) -> None:
    account = uuid.uuid4()
    rows.insert(store, [(rows.topup if i % 3 == 0 else rows.transfer)(account, START_US + i) for i in range(30)])
    from_time, to_time = Timestamp(), Timestamp()
    from_time.FromMicroseconds(START_US + 6)
    to_time.FromMicroseconds(START_US + 24)

    topups = await walk(stub, Request(account_id=str(account), page_size=2, types=[analytics_pb2.OPERATION_TYPE_TOPUP]))
    assert [microsecond(o) for o in topups] == list(range(27, -1, -3))
    window = Request(account_id=str(account), page_size=4, from_time=from_time, to_time=to_time)
    assert [microsecond(o) for o in await walk(stub, window)] == list(range(23, 5, -1))
    both = Request(
        account_id=str(account),
        types=[analytics_pb2.OPERATION_TYPE_TOPUP, analytics_pb2.OPERATION_TYPE_TRANSFER],
        from_time=from_time,
    )
    assert len((await stub.GetOperations(both)).operations) == 24


def microsecond(o: analytics_pb2.Operation) -> int:
    return datetime.fromisoformat(o.occurred_at).microsecond


async def test_page_size_default_and_limits(store: Client, stub) -> None:
    account = uuid.uuid4()
    rows.insert(store, [rows.topup(account, START_US + i) for i in range(250)])
    assert len((await stub.GetOperations(Request(account_id=str(account)))).operations) == 50
    assert len((await stub.GetOperations(Request(account_id=str(account), page_size=200))).operations) == 200
    for size in (201, -1):
        await expect_error(stub.GetOperations(Request(account_id=str(account), page_size=size)), "INVALID_PAGE_SIZE")


async def test_concurrent_reads_agree(store: Client, stub) -> None:
    """Queries run in a thread pool over one HTTP client: concurrency must not mix answers up."""
    accounts = [uuid.uuid4() for _ in range(4)]
    rows.insert(store, [rows.topup(account, START_US + i) for account in accounts for i in range(30)])
    requests = [Request(account_id=str(accounts[i % 4]), page_size=10 + i % 4) for i in range(24)]
    replies = await asyncio.gather(*(stub.GetOperations(request) for request in requests))
    for request, reply in zip(requests, replies, strict=True):
        assert len(reply.operations) == request.page_size
        assert reply.operations[0].occurred_at == "2026-03-01T00:00:00.000029+00:00"
        assert reply == await stub.GetOperations(request)


async def test_a_token_is_refused_when_altered_or_used_with_other_filters(store: Client, stub) -> None:
    account = uuid.uuid4()
    rows.insert(store, [rows.transfer(account, START_US + i) for i in range(5)])
    token = (await stub.GetOperations(Request(account_id=str(account), page_size=2))).next_page_token
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    for request in (
        Request(account_id=str(account), page_size=2, page_token=tampered),
        Request(account_id=str(account), page_size=2, page_token="not a token"),
        Request(account_id=str(uuid.uuid4()), page_size=2, page_token=token),
        Request(account_id=str(account), page_token=token, types=[analytics_pb2.OPERATION_TYPE_TRANSFER]),
    ):
        await expect_error(stub.GetOperations(request), "INVALID_PAGE_TOKEN")
    assert (
        len((await stub.GetOperations(Request(account_id=str(account), page_size=9, page_token=token))).operations) == 3
    )


async def test_bad_requests(stub) -> None:
    late, early = Timestamp(seconds=20), Timestamp(seconds=10)
    await expect_error(stub.GetOperations(Request(account_id="alice")), "INVALID_REQUEST")
    await expect_error(stub.GetOperations(Request(account_id=str(uuid.uuid4()), types=[0])), "INVALID_REQUEST")  # type: ignore[list-item]  # unnamed, on purpose
    both = Request(account_id=str(uuid.uuid4()), from_time=late, to_time=early)
    await expect_error(stub.GetOperations(both), "INVALID_TIME_RANGE")


async def test_clickhouse_down_is_unavailable() -> None:
    # In-process servers of these tests are plaintext, as call_failing's channel.
    settings = Settings(environment="development", grpc_plaintext=True, clickhouse_http_port=free_port())
    async with analytics_server(settings) as target:
        error = await call_failing(target)
    assert (error.code(), error_reason(error)) == (grpc.StatusCode.UNAVAILABLE, "ANALYTICS_STORE_UNAVAILABLE")
    details = error.details() or ""
    assert "account" not in details and "SELECT" not in details


async def test_clickhouse_too_slow_is_deadline_exceeded() -> None:
    async with silent_port() as port:
        settings = Settings(
            environment="development",
            grpc_plaintext=True,
            clickhouse_http_port=port,
            query_timeout_s=1,
            clickhouse_connect_timeout_s=1,
        )
        async with analytics_server(settings) as target:
            error = await call_failing(target)
    assert (error.code(), error_reason(error)) == (grpc.StatusCode.DEADLINE_EXCEEDED, "ANALYTICS_STORE_TIMEOUT")


async def call_failing(target: str) -> grpc.aio.AioRpcError:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
        return await expect_error(stub.GetOperations(Request(account_id=str(uuid.uuid4())), timeout=10), None)


async def expect_error(call, reason: str | None) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    if reason is not None:
        assert (caught.value.code(), error_reason(caught.value)) == (grpc.StatusCode.INVALID_ARGUMENT, reason)
    return caught.value


async def test_a_read_waits_no_longer_than_its_callers_deadline() -> None:
    """ClickHouse silent: the store's own budget is 6 s, but a caller with 0.5 s left is answered in about 0.5 s."""
    from analytics.adapters.clickhouse_operations import ClickHouseOperations
    from analytics.domain.errors import StoreTimeout
    from analytics.domain.history import HistoryFilter
    from kernel import deadlines

    async with silent_port() as port:
        settings = Settings(environment="development", clickhouse_http_port=port, query_timeout_s=4)
        store = ClickHouseOperations(settings)
        started = time.monotonic()
        with deadlines.within(0.5), pytest.raises(StoreTimeout):
            await store.newest_first(HistoryFilter.parse(str(uuid.uuid4()), [], None, None), None, 10)
        store.close()
    assert time.monotonic() - started < 1.5
