"""GET /accounts/{id}/balance?at= and GET /accounts/{id}/statement through the real gateway -> Bank -> PostgreSQL:
the answers, their agreement to the cent, the 400s and who may read them."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.accounts import create_accounts
from tests.e2e.transfer_helpers import assert_problem, transfer
from tests.users import INSPECTOR, MALLORY, bearer, login


def iso(instant: datetime) -> str:
    return instant.isoformat()


async def test_a_past_balance_and_a_statement_agree_to_the_cent(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    made = []
    for amount in ("10.00", "0.01", "25.50"):
        reply = await transfer(api, a, b, amount, description="groceries")
        assert reply.status_code == 201, reply.text
        made.append(reply.json())
    first, last = (datetime.fromisoformat(t["created_at"]) for t in (made[0], made[-1]))

    now = (await api.get(f"/accounts/{a}/balance")).json()
    assert (now["balance"], now["held"], now["available"]) == ("64.49", "0.00", "64.49") and now["at"]
    at_first = (await api.get(f"/accounts/{a}/balance", params={"at": iso(first)})).json()
    assert (at_first["balance"], at_first["at"]) == ("90.00", iso(first))  # a movement at `at` counts
    before = (await api.get(f"/accounts/{a}/balance", params={"at": iso(first - timedelta(microseconds=1))})).json()
    assert before["balance"] == "100.00"
    long_ago = (await api.get(f"/accounts/{a}/balance", params={"at": "2020-01-01T03:00:00+03:00"})).json()
    assert (long_ago["balance"], long_ago["available"], long_ago["at"]) == ("0.00", "0.00", "2020-01-01T00:00:00+00:00")

    # [first, last): the first transfer, not the last; closing = the balance at `last` less the movement at it.
    reply = await api.get(f"/accounts/{a}/statement", params={"from": iso(first), "to": iso(last)})
    assert reply.status_code == 200, reply.text
    statement = reply.json()
    at_last = (await api.get(f"/accounts/{a}/balance", params={"at": iso(last)})).json()
    assert statement["opening_balance"] == "100.00" and statement["closing_balance"] == "89.99"
    assert Decimal(statement["closing_balance"]) == Decimal(at_last["balance"]) + Decimal(made[-1]["amount"])
    assert (statement["total_in"], statement["total_out"], statement["count"]) == ("0.00", "10.01", 2)
    assert (statement["from"], statement["to"]) == (iso(first), iso(last))
    line = statement["operations"][0]
    assert line == {
        "movement_id": made[0]["transfer_id"],
        "kind": "transfer",
        "amount": "-10.00",
        "direction": "debit",
        "counterparty_account_id": str(b),
        "description": "groceries",
        "occurred_at": made[0]["created_at"],
        "balance_after": "90.00",
    }
    received = (
        await api.get(f"/accounts/{b}/statement", params={"from": iso(first), "to": iso(datetime.now(UTC))})
    ).json()
    assert [(op["direction"], op["amount"]) for op in received["operations"]] == [
        ("credit", "10.00"),
        ("credit", "0.01"),
        ("credit", "25.50"),
    ]
    assert received["closing_balance"] == "35.51" and received["total_in"] == "35.51"


@pytest.mark.parametrize(
    "params",
    [
        {"at": "yesterday"},
        {"at": "2026-01-01T00:00:00"},  # no offset
        {"at": "2999-01-01T00:00:00Z"},  # the future
    ],
)
async def test_a_bad_instant_is_400(api: httpx.AsyncClient, engine: AsyncEngine, params: dict[str, str]) -> None:
    [a] = await create_accounts(engine, "1.00")
    reply = await api.get(f"/accounts/{a}/balance", params=params)
    assert reply.status_code == 400 and reply.headers["content-type"].startswith("application/problem+json")
    assert reply.json()["code"] in ("invalid_request", "invalid_time_range"), reply.text


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ("2026-01-01T00:00:00Z", None, "invalid_request"),  # to missing
        ("2026-01-01T00:00:00", "2026-01-02T00:00:00Z", "invalid_request"),  # no offset
        ("2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z", "invalid_time_range"),  # backwards
        ("2024-01-01T00:00:00Z", "2025-06-01T00:00:00Z", "invalid_time_range"),  # over 366 days
        ("2026-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "invalid_time_range"),  # ends in the future
    ],
)
async def test_a_bad_period_is_400(
    api: httpx.AsyncClient, engine: AsyncEngine, start: str, end: str | None, code: str
) -> None:
    [a] = await create_accounts(engine, "1.00")
    params = {"from": start} | ({"to": end} if end else {})
    assert_problem(await api.get(f"/accounts/{a}/statement", params=params), 400, code)


async def test_another_users_account_is_404_and_an_auditor_reads_it(
    api: httpx.AsyncClient, engine: AsyncEngine, gateway_url: str
) -> None:
    [a] = await create_accounts(engine, "42.00")
    now = datetime.now(UTC)
    period = {"from": iso(now - timedelta(days=1)), "to": iso(now)}
    stranger = bearer(login(gateway_url, MALLORY.username, MALLORY.password))
    auditor = bearer(login(gateway_url, INSPECTOR.username, INSPECTOR.password))
    for account in (a, uuid.uuid4()):
        assert_problem(
            await api.get(f"/accounts/{account}/balance", params={"at": iso(now)}, headers=stranger),
            404,
            "account_not_found",
        )
        assert_problem(
            await api.get(f"/accounts/{account}/statement", params=period, headers=stranger), 404, "account_not_found"
        )
    past = await api.get(f"/accounts/{a}/balance", params={"at": iso(now)}, headers=auditor)
    assert past.status_code == 200 and past.json()["balance"] == "42.00"
    statement = await api.get(f"/accounts/{a}/statement", params=period, headers=auditor)
    assert statement.status_code == 200 and statement.json()["closing_balance"] == "42.00"
    assert statement.json()["operations"][0]["kind"] == "opening"
