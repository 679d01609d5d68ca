"""The REST API through the real gateway -> Bank -> PostgreSQL: the plan's edge cases."""

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.accounts import create_accounts
from tests.e2e.transfer_helpers import assert_problem, balance, transfer


async def test_transfer_moves_money_and_answers_201(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "1000.00", "500.00")
    reply = await transfer(api, a, b, "100.50", description="dinner")
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["amount"] == "100.50" and body["status"] == "completed" and body["description"] == "dinner"
    assert reply.headers["Idempotent-Replayed"] == "false" and reply.headers["x-request-id"]
    assert (await balance(api, a), await balance(api, b)) == ("899.50", "600.50")
    balance_body = (await api.get(f"/accounts/{a}/balance")).json()
    assert set(balance_body) == {"account_id", "balance", "held", "available", "currency", "updated_at", "at"}


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("-5.00", "invalid_amount"),
        ("0", "invalid_amount"),
        ("0.00", "invalid_amount"),
        ("1.001", "invalid_amount"),
        ("abc", "invalid_amount"),
        (10, "invalid_amount"),
        (10.5, "invalid_amount"),
    ],
)
async def test_bad_amounts_are_rejected_and_change_nothing(
    api: httpx.AsyncClient, engine: AsyncEngine, amount: object, code: str
) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    assert_problem(await transfer(api, a, b, amount), 400, code)
    assert await balance(api, a) == "100.00"


async def test_transfer_to_self(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    [a] = await create_accounts(engine, "100.00")
    assert_problem(await transfer(api, a, a), 400, "same_account")


async def test_insufficient_funds(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "5.00", "0.00")
    reply = await transfer(api, a, b, "5.01")
    assert_problem(reply, 400, "insufficient_funds")
    assert (await balance(api, a), await balance(api, b)) == ("5.00", "0.00")


async def test_unknown_sender_recipient_and_balance(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    [a] = await create_accounts(engine, "5.00")
    ghost = uuid.uuid4()
    assert_problem(await transfer(api, ghost, a), 404, "account_not_found")
    assert_problem(await transfer(api, a, ghost), 404, "recipient_not_found")
    assert_problem(await api.get(f"/accounts/{ghost}/balance"), 404, "account_not_found")


async def test_malformed_requests(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "5.00", "0.00")
    assert_problem(await api.get("/accounts/not-a-uuid/balance"), 400, "invalid_request")
    assert_problem(await transfer(api, a, "nope"), 400, "invalid_request")
    assert_problem(await transfer(api, a, b, currency="rub"), 400, "invalid_request")
    assert_problem(await transfer(api, a, b, unexpected="field"), 400, "invalid_request")
    assert_problem(
        await api.post(f"/accounts/{a}/transfers", content=b"{", headers={"content-type": "application/json"}),
        400,
        "invalid_request",
    )
    assert_problem(await transfer(api, a, b, key="k" * 256), 400, "invalid_request")
    assert_problem(await api.get("/nowhere"), 404, "not_found")
    assert await balance(api, a) == "5.00"


async def test_same_key_twice_is_one_transfer(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    first = await transfer(api, a, b, "10.00", key="order-1")
    again = await transfer(api, a, b, "10.00", key="order-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert await balance(api, a) == "90.00"
    assert_problem(await transfer(api, a, b, "11.00", key="order-1"), 422, "idempotency_key_reused")
    assert await balance(api, a) == "90.00"


async def test_same_key_concurrently_is_one_transfer(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    replies = await asyncio.gather(*(transfer(api, a, b, "10.00", key="burst") for _ in range(20)))
    assert {r.status_code for r in replies} == {201}
    assert len({r.json()["transfer_id"] for r in replies}) == 1
    assert [r.headers["Idempotent-Replayed"] for r in replies].count("false") == 1
    assert (await balance(api, a), await balance(api, b)) == ("90.00", "10.00")


async def test_concurrent_transfers_from_one_account(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    a, b, c = await create_accounts(engine, "100.00", "0.00", "0.00")
    replies = await asyncio.gather(*(transfer(api, a, (b, c)[i % 2], "10.00") for i in range(25)))
    codes = sorted(r.status_code for r in replies)
    assert codes.count(201) == 10 and codes.count(400) == 15
    assert await balance(api, a) == "0.00"
    assert float(await balance(api, b)) + float(await balance(api, c)) == 100.0


async def test_health_and_docs(api: httpx.AsyncClient) -> None:
    assert (await api.get("/health/live")).json() == {"status": "ok", "checks": {}, "breakers": {}}
    ready = await api.get("/health/ready")
    # Only the Bank is required; the Card Adapter and Analytics are reported (status degraded without them).
    assert ready.status_code == 200 and ready.json()["checks"]["bank"] == "serving"
    assert set(ready.json()["breakers"].values()) <= {"closed"}
    assert (await api.get("/docs")).status_code == 200
    assert (await api.get("/openapi.json")).json()["info"]["title"] == "Wallet API"
    echoed = await api.get("/health/live", headers={"X-Request-ID": "trace-me"})
    assert echoed.headers["x-request-id"] == "trace-me"
