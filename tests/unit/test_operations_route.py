"""GET /accounts/{id}/operations in the gateway, with fake Bank and Analytics clients: existence, errors, query."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace

import grpc
import httpx
import pytest

from analytics.domain import errors
from analytics.entrypoints.grpc_errors import to_grpc_status
from gateway import schemas
from gateway.analytics_client import AnalyticsClient
from gateway.config import Settings
from gateway.grpc_errors import to_problem
from gateway.main import create_app
from gateway.problem_details import ProblemError
from generated import analytics_pb2
from kernel.errors import ServiceError
from tests.unit.fake_rpc_errors import FakeRpcError

ACCOUNT = "123e4567-e89b-12d3-a456-426614174000"
ITEM = schemas.Operation(
    event_id=uuid.uuid4(),
    type="topup",
    direction="credit",
    amount="10.00",
    currency="RUB",
    occurred_at="2026-01-01T00:00:00.000001+00:00",
    kind="topup",
    operation_id="t-1",
)
NOT_FOUND = ProblemError(404, "account_not_found", "Account not found")
BANK_DOWN = ProblemError(503, "bank_unavailable", "The bank service is unavailable")
ANALYTICS_DOWN = ProblemError(503, "analytics_unavailable", "The analytics service is unavailable")


@dataclass
class Fakes:
    bank_error: ProblemError | None = None
    analytics_error: ProblemError | None = None
    queries: list[schemas.OperationsQuery] = field(default_factory=list)

    async def balance(self, caller: object, account_id: str) -> None:
        if self.bank_error:
            raise self.bank_error

    async def operations(self, account_id: str, query: schemas.OperationsQuery) -> schemas.OperationsPage:
        self.queries.append(query)
        if self.analytics_error:
            raise self.analytics_error
        return schemas.OperationsPage(items=[ITEM], next_cursor="next")


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
async def client(fakes: Fakes) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(environment="development"))
    app.state.backends = SimpleNamespace(bank=fakes, analytics=fakes)
    token, _ = app.state.tokens.issue(str(uuid.uuid4()), "tester", "customer")
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw", headers=headers
    ) as client:
        yield client


async def test_a_page_of_operations(client: httpx.AsyncClient, fakes: Fakes) -> None:
    reply = await client.get(
        f"/accounts/{ACCOUNT}/operations",
        params={"limit": 5, "cursor": "abc", "type": ["topup", "transfer"], "from": "2026-01-01T03:00:00+03:00"},
    )
    assert reply.status_code == 200
    assert reply.json() == {"items": [ITEM.model_dump(mode="json")], "next_cursor": "next"}
    query = fakes.queries[0]
    assert (query.limit, query.cursor, query.types, query.end) == (5, "abc", ["topup", "transfer"], None)
    assert query.start is not None and query.start.isoformat() == "2026-01-01T03:00:00+03:00"


async def test_defaults(client: httpx.AsyncClient, fakes: Fakes) -> None:
    assert (await client.get(f"/accounts/{ACCOUNT}/operations")).status_code == 200
    assert fakes.queries[0] == schemas.OperationsQuery()


@pytest.mark.parametrize(
    ("bank_error", "analytics_error", "status", "code"),
    [
        (NOT_FOUND, None, 404, "account_not_found"),
        (NOT_FOUND, ANALYTICS_DOWN, 404, "account_not_found"),  # an unknown account is the truest answer
        (None, ANALYTICS_DOWN, 503, "analytics_unavailable"),
        (BANK_DOWN, ANALYTICS_DOWN, 503, "analytics_unavailable"),
        (BANK_DOWN, None, 503, "bank_unavailable"),  # without the Bank, 404 and an empty history look alike
    ],
)
async def test_failures_as_problems(
    client: httpx.AsyncClient,
    fakes: Fakes,
    bank_error: ProblemError | None,
    analytics_error: ProblemError | None,
    status: int,
    code: str,
) -> None:
    fakes.bank_error, fakes.analytics_error = bank_error, analytics_error
    reply = await client.get(f"/accounts/{ACCOUNT}/operations")
    assert (reply.status_code, reply.headers["content-type"], reply.json()["code"]) == (
        status,
        "application/problem+json",
        code,
    )


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"type": "withdrawal"},
        {"from": "2026-01-01T00:00:00"},  # no offset: ambiguous
        {"to": "yesterday"},
        {"cursor": "x" * 257},
    ],
)
async def test_bad_query_strings_are_400(client: httpx.AsyncClient, fakes: Fakes, params: dict[str, object]) -> None:
    reply = await client.get(f"/accounts/{ACCOUNT}/operations", params=params)  # type: ignore[arg-type]
    assert (reply.status_code, reply.json()["code"]) == (400, "invalid_request")
    assert fakes.queries == []


async def test_a_bad_account_id_is_400(client: httpx.AsyncClient) -> None:
    assert (await client.get("/accounts/nope/operations")).status_code == 400


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.InvalidPageToken("x"), 400, "invalid_page_token"),
        (errors.InvalidTimeRange("x"), 400, "invalid_time_range"),
        (errors.InvalidPageSize("x"), 400, "invalid_page_size"),
        (errors.StoreUnavailable("x"), 503, "analytics_store_unavailable"),
        (errors.StoreTimeout("x"), 504, "analytics_store_timeout"),
    ],
)
def test_analytics_reasons_become_problems(error: ServiceError, status: int, code: str) -> None:
    grpc_status = to_grpc_status(error)
    problem = to_problem(FakeRpcError(grpc_status.code, "x", tuple(grpc_status.trailing_metadata)), "analytics")
    assert (problem.status, problem.code) == (status, code)
    assert problem.headers == ({"Retry-After": "1"} if status == 503 else None)


class RecordingStub:
    def __init__(self, reply: analytics_pb2.GetOperationsResponse) -> None:
        self.reply = reply
        self.requests: list[analytics_pb2.GetOperationsRequest] = []

    async def GetOperations(self, request, timeout, metadata):
        self.requests.append(request)
        return self.reply


async def test_the_client_speaks_the_analytics_contract() -> None:
    counterparty = str(uuid.uuid4())
    reply = analytics_pb2.GetOperationsResponse(
        operations=[
            analytics_pb2.Operation(
                event_id=str(ITEM.event_id),
                type=analytics_pb2.OPERATION_TYPE_TRANSFER,
                direction=analytics_pb2.DIRECTION_DEBIT,
                amount="1.00",
                currency="RUB",
                occurred_at="2026-01-01T00:00:00.000000+00:00",
                counterparty_account_id=counterparty,
                operation_id="tr-1",
                description="rent",
            )
        ]
    )
    async with grpc.aio.insecure_channel("127.0.0.1:1") as channel:
        client = AnalyticsClient(channel, 1.0)
        client._stub = stub = RecordingStub(reply)  # type: ignore[assignment]
        query = schemas.OperationsQuery.model_validate({"type": ["transfer"], "to": "2026-01-01T00:00:01.5Z"})
        page = await client.operations(ACCOUNT, query)
    request = stub.requests[0]
    assert (request.account_id, request.page_size, request.page_token, list(request.types)) == (
        ACCOUNT,
        50,
        "",
        [analytics_pb2.OPERATION_TYPE_TRANSFER],
    )
    assert not request.HasField("from_time")
    assert (request.to_time.seconds, request.to_time.nanos) == (1_767_225_601, 500_000_000)
    item = page.items[0]
    assert (item.type, item.direction, str(item.counterparty_account_id), item.description) == (
        "transfer",
        "debit",
        counterparty,
        "rent",
    )
    assert page.next_cursor is None
