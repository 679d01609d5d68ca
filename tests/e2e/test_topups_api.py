"""Card top-ups through the real gateway -> Card Adapter -> mock gateway + Bank: every test card, bad input, keys."""

import asyncio
import json
import uuid
from pathlib import Path

import httpx
import jsonschema
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from card_adapter.adapters import mock_gateway
from tests.accounts import create_accounts
from tests.e2e.topup_helpers import card, ledger, topup
from tests.e2e.transfer_helpers import assert_problem, balance
from tests.polling import eventually

pytestmark = pytest.mark.usefixtures("card_adapter_ready")
SCHEMA = json.loads((Path(__file__).parents[2] / "contracts/schemas/topup_event.json").read_text())


async def test_success_card_credits_the_account_once(
    api: httpx.AsyncClient, engine: AsyncEngine, card_adapter_engine: AsyncEngine
) -> None:
    [a] = await create_accounts(engine, "100.00")
    reply = await topup(api, a, amount="25.50")
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert (body["status"], body["state"], body["amount"], body["card_last4"], body["card_brand"]) == (
        "completed", "deposited", "25.50", "4242", "visa",
    )  # fmt: skip
    assert body["status_url"] == f"/accounts/{a}/topups/{body['topup_id']}"
    assert await balance(api, a) == "125.50"
    got = await api.get(body["status_url"])
    assert got.status_code == 200 and got.json()["status"] == "completed"
    done = await ledger(engine, card_adapter_engine, body["topup_id"])
    assert len(done.charges) == 1 and not done.refunds and len(done.deposits) == 1
    assert done.deposits[0].payment_id == body["payment_id"] == done.charges[0].id
    async with engine.connect() as conn:
        events = (
            await conn.execute(
                text("SELECT payload FROM outbox WHERE type = 'TopUpCompleted' AND payload->>'topup_id' = :id"),
                {"id": body["topup_id"]},
            )
        ).all()
    assert len(events) == 1
    jsonschema.validate(events[0].payload, SCHEMA, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize(
    ("number", "reason"),
    [(mock_gateway.DECLINED, "card_declined"), (mock_gateway.INSUFFICIENT_FUNDS, "insufficient_card_funds"),
     (mock_gateway.TIMES_OUT, "payment_gateway_timeout")],
)  # fmt: skip
async def test_declines_and_gateway_timeout_move_no_money(
    api: httpx.AsyncClient, engine: AsyncEngine, card_adapter_engine: AsyncEngine, number: str, reason: str
) -> None:
    [a] = await create_accounts(engine, "100.00")
    reply = await topup(api, a, number)
    assert reply.status_code == 201, reply.text
    assert (reply.json()["status"], reply.json()["reason"]) == ("declined", reason)
    assert await balance(api, a) == "100.00"
    done = await ledger(engine, card_adapter_engine, reply.json()["topup_id"])
    assert not done.charges and not done.deposits


async def test_failure_after_capture_is_reconciled_to_one_charge(
    api: httpx.AsyncClient, engine: AsyncEngine, card_adapter_engine: AsyncEngine
) -> None:
    [a] = await create_accounts(engine, "0.00")
    reply = await topup(api, a, mock_gateway.FAILS_AFTER_CAPTURE, "10.00")
    assert reply.status_code == 201 and reply.json()["status"] == "completed", reply.text
    assert await balance(api, a) == "10.00"
    done = await ledger(engine, card_adapter_engine, reply.json()["topup_id"])
    assert len(done.charges) == 1 and len(done.deposits) == 1 and not done.refunds


async def test_a_capture_after_the_decline_is_refunded(
    api: httpx.AsyncClient, engine: AsyncEngine, card_adapter_engine: AsyncEngine
) -> None:
    [a] = await create_accounts(engine, "0.00")
    reply = await topup(api, a, mock_gateway.CAPTURES_LATE, "12.00")
    assert reply.status_code == 201, reply.text
    declined = reply.json()
    assert (declined["status"], declined["state"], declined["reason"]) == (
        "declined", "failing", "payment_gateway_timeout",
    )  # fmt: skip

    async def refunded() -> bool:
        return (await api.get(declined["status_url"])).json()["state"] == "refunded"

    await eventually(refunded, 30, "the charge captured after the decline to be refunded")
    final = (await api.get(declined["status_url"])).json()
    assert (final["status"], final["reason"]) == ("declined", "payment_gateway_timeout")  # the answer stands
    assert await balance(api, a) == "0.00"
    done = await ledger(engine, card_adapter_engine, declined["topup_id"])
    assert [c.id for c in done.charges] == [final["payment_id"]] and done.charges[0].status == "refunded"
    assert len(done.refunds) == 1 and not done.deposits


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"number": "4242424242424241"}, "invalid_card_number"),
        ({"number": "4242-4242"}, "invalid_request"),
        ({"exp_month": 13}, "invalid_request"),
        ({"exp_month": 1, "exp_year": 2021}, "card_expired"),
        ({"cvc": "12"}, "invalid_request"),
        ({"holder_name": "R2D2"}, "invalid_holder_name"),
        ({"holder_name": ""}, "invalid_request"),
    ],
)
async def test_bad_card_input_is_a_clear_problem_and_charges_nothing(
    api: httpx.AsyncClient, engine: AsyncEngine, card_adapter_engine: AsyncEngine, changes: dict, code: str
) -> None:
    [a] = await create_accounts(engine, "1.00")
    body = {"amount": "5.00", "currency": "RUB", "card": card(**changes)}
    reply = await api.post(f"/accounts/{a}/topup", json=body)
    assert_problem(reply, 400, code)
    assert "4242424242424241" not in reply.text
    assert await balance(api, a) == "1.00"
    async with card_adapter_engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM topups WHERE account_id = :a"), {"a": a}) == 0


@pytest.mark.parametrize("amount", ["0", "1.001", 5, "-1.00"])
async def test_bad_amounts_are_rejected(api: httpx.AsyncClient, engine: AsyncEngine, amount: object) -> None:
    [a] = await create_accounts(engine, "1.00")
    reply = await api.post(f"/accounts/{a}/topup", json={"amount": amount, "currency": "RUB", "card": card()})
    assert_problem(reply, 400, "invalid_amount")


async def test_unknown_account_and_currency_mismatch(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    assert_problem(await topup(api, uuid.uuid4()), 404, "account_not_found")
    [usd] = await create_accounts(engine, "1.00", currency="USD")
    assert_problem(await topup(api, usd), 400, "currency_mismatch")


async def test_unknown_topup_is_404(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    [a] = await create_accounts(engine, "1.00")
    assert_problem(await api.get(f"/accounts/{a}/topups/{uuid.uuid4()}"), 404, "topup_not_found")
    done = (await topup(api, a)).json()
    [b] = await create_accounts(engine, "1.00")
    assert_problem(await api.get(f"/accounts/{b}/topups/{done['topup_id']}"), 404, "topup_not_found")


async def test_same_key_sent_concurrently_charges_once(
    api: httpx.AsyncClient, engine: AsyncEngine, card_adapter_engine: AsyncEngine
) -> None:
    [a] = await create_accounts(engine, "0.00")
    key = f"topup-{uuid.uuid4()}"
    replies = await asyncio.gather(*(topup(api, a, amount="7.00", key=key) for _ in range(10)))
    assert all(r.status_code in (201, 202) for r in replies), [r.text for r in replies]
    ids = {r.json()["topup_id"] for r in replies}
    assert len(ids) == 1
    assert sorted(r.headers["Idempotent-Replayed"] for r in replies) == ["false"] + ["true"] * 9
    done = await ledger(engine, card_adapter_engine, ids.pop())
    assert len(done.charges) == 1 and len(done.deposits) == 1
    assert await balance(api, a) == "7.00"
    again = await topup(api, a, amount="7.00", key=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert_problem(await topup(api, a, amount="8.00", key=key), 422, "idempotency_key_reused")
    assert await balance(api, a) == "7.00"
