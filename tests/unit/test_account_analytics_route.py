"""GET /accounts/{id}/analytics/* in the gateway, with fake Bank and Analytics clients: reader check, bad input."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace

import httpx
import pytest

from gateway import schemas
from gateway.config import Settings
from gateway.main import create_app
from gateway.problem_details import ProblemError

ACCOUNT = "123e4567-e89b-12d3-a456-426614174000"
RANGE = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00+03:00"}
NOT_FOUND = ProblemError(404, "account_not_found", "Account not found")
STORE_DOWN = ProblemError(503, "analytics_store_unavailable", "Operation history store unavailable")


@dataclass
class Fakes:
    bank_error: ProblemError | None = None
    analytics_error: ProblemError | None = None
    queries: list[object] = field(default_factory=list)

    async def balance(self, caller: object, account_id: str) -> None:
        if self.bank_error:
            raise self.bank_error

    async def summary(self, account_id: str, query: schemas.SummaryQuery) -> schemas.AccountSummary:
        self.queries.append(query)
        if self.analytics_error:
            raise self.analytics_error
        return schemas.AccountSummary(periods=[])

    async def counterparties(self, account_id: str, query: schemas.CounterpartiesQuery) -> schemas.Counterparties:
        self.queries.append(query)
        return schemas.Counterparties(items=[])


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
async def client(fakes: Fakes) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(environment="development"))
    app.state.backends = SimpleNamespace(bank=fakes, analytics=fakes)
    token, _ = app.state.tokens.issue(str(uuid.uuid4()), "tester", "customer")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw", headers={"Authorization": f"Bearer {token}"}
    ) as client:
        yield client


async def test_a_summary_and_counterparties(client: httpx.AsyncClient, fakes: Fakes) -> None:
    reply = await client.get(f"/accounts/{ACCOUNT}/analytics/summary", params={"period": "week", **RANGE})
    assert (reply.status_code, reply.json()) == (200, {"periods": []})
    query = fakes.queries[0]
    assert isinstance(query, schemas.SummaryQuery) and query.period == "week"
    assert query.end.isoformat() == "2026-04-01T00:00:00+03:00"
    reply = await client.get(f"/accounts/{ACCOUNT}/analytics/counterparties", params=RANGE)
    assert (reply.status_code, reply.json()) == (200, {"items": []})
    assert fakes.queries[1] == schemas.CounterpartiesQuery.model_validate({**RANGE, "limit": 5})


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("summary", {"period": "year", **RANGE}),  # unknown period
        ("summary", {"period": "day", "from": RANGE["from"]}),  # no end
        ("summary", {"period": "day", "from": "2026-03-01T00:00:00", "to": RANGE["to"]}),  # no offset
        ("summary", RANGE),  # no period
        ("counterparties", {**RANGE, "limit": 51}),
        ("counterparties", {"to": RANGE["to"]}),
    ],
)
async def test_bad_query_strings_are_400(
    client: httpx.AsyncClient, fakes: Fakes, path: str, params: dict[str, object]
) -> None:
    reply = await client.get(f"/accounts/{ACCOUNT}/analytics/{path}", params=params)  # type: ignore[arg-type]
    assert (reply.status_code, reply.headers["content-type"], reply.json()["code"]) == (
        400,
        "application/problem+json",
        "invalid_request",
    )
    assert fakes.queries == []


@pytest.mark.parametrize(
    ("bank_error", "analytics_error", "status", "code"),
    [
        (NOT_FOUND, None, 404, "account_not_found"),  # another user's account: as an unknown one
        (NOT_FOUND, STORE_DOWN, 404, "account_not_found"),
        (None, STORE_DOWN, 503, "analytics_store_unavailable"),
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
    reply = await client.get(f"/accounts/{ACCOUNT}/analytics/summary", params={"period": "day", **RANGE})
    assert (reply.status_code, reply.json()["code"]) == (status, code)
