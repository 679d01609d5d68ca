"""Holds through the gateway -> Bank -> PostgreSQL: place, capture (part), void and expire as the balance shows them
(held, available), who may do what (the payer places, the recipient's owner captures or voids, auditors read, anyone
else gets 404), idempotent replays and the 409s of a closed or expired hold."""

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.accounts import create_accounts
from tests.e2e.transfer_helpers import assert_problem
from tests.users import INSPECTOR, MALLORY, bearer, login


@pytest.fixture(scope="module")
def headers(gateway_url: str, tester_token: str) -> dict[str, dict[str, str]]:
    """The payer (tester), the merchant (mallory, the recipient's owner), an auditor, and a customer of neither."""
    stranger = f"stranger-{uuid.uuid4().hex[:8]}"
    reply = httpx.post(
        f"{gateway_url}/users", json={"username": stranger, "password": "stranger-pass-1", "currency": "RUB"}
    )
    assert reply.status_code == 201, reply.text
    return {
        "payer": bearer(tester_token),
        "merchant": bearer(login(gateway_url, MALLORY.username, MALLORY.password)),
        "auditor": bearer(login(gateway_url, INSPECTOR.username, INSPECTOR.password)),
        "stranger": bearer(login(gateway_url, stranger, "stranger-pass-1")),
    }


async def accounts(engine: AsyncEngine, payer: str = "100.00") -> tuple[uuid.UUID, uuid.UUID]:
    [a] = await create_accounts(engine, payer)
    [b] = await create_accounts(engine, "0.00", owner=MALLORY.id)
    return a, b


def place(
    api: httpx.AsyncClient,
    a: object,
    b: object,
    amount: str = "30.00",
    key: str | None = None,
    who: dict[str, str] | None = None,
    **extra: object,
):
    body = {"to_account_id": str(b), "amount": amount, "currency": "RUB", **extra}
    headers = {**(who or {}), **({"Idempotency-Key": key} if key else {})}
    return api.post(f"/accounts/{a}/holds", json=body, headers=headers)


def close(api: httpx.AsyncClient, who: dict[str, str], hold_id: str, action: str = "capture", key: str = "", **body):
    headers = {**who, **({"Idempotency-Key": key} if key else {})}
    return api.post(f"/holds/{hold_id}/{action}", json=body or None, headers=headers)


async def money(api: httpx.AsyncClient, account: uuid.UUID, who: dict[str, str] | None = None) -> tuple[str, str, str]:
    reply = await api.get(f"/accounts/{account}/balance", headers=who or {})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    return body["balance"], body["held"], body["available"]


async def test_place_capture_part_and_the_balance_shows_held_and_available(
    api: httpx.AsyncClient, engine: AsyncEngine, headers: dict[str, dict[str, str]]
) -> None:
    a, b = await accounts(engine)
    reply = await place(api, a, b, "30.00", description="order 7", expires_in_s=3600)
    assert reply.status_code == 201, reply.text
    assert reply.headers["Idempotent-Replayed"] == "false"
    hold = reply.json()
    assert hold["status"] == "placed" and hold["amount"] == "30.00" and hold["description"] == "order 7"
    assert hold["captured_amount"] is None and hold["transfer_id"] is None and hold["closed_at"] is None
    assert await money(api, a) == ("100.00", "30.00", "70.00")
    listed = await api.get(f"/accounts/{b}/holds", params={"status": "placed"}, headers=headers["merchant"])
    assert [h["hold_id"] for h in listed.json()["items"]] == [hold["hold_id"]]
    captured = await close(api, headers["merchant"], hold["hold_id"], key="cap-1", amount="12.50")
    assert captured.status_code == 200, captured.text
    body = captured.json()
    assert body["status"] == "captured" and body["captured_amount"] == "12.50" and body["transfer_id"]
    assert await money(api, a) == ("87.50", "0.00", "87.50")
    assert await money(api, b, headers["merchant"]) == ("12.50", "0.00", "12.50")
    again = await close(api, headers["merchant"], hold["hold_id"], key="cap-1", amount="12.50")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true" and again.json() == body
    assert_problem(await close(api, headers["merchant"], hold["hold_id"], key="cap-1", amount="1.00"), 422,
                   "idempotency_key_reused")  # fmt: skip
    closed = await close(api, headers["merchant"], hold["hold_id"], "void")
    assert_problem(closed, 409, "hold_closed")
    assert "captured" in closed.json()["detail"]
    assert_problem(await close(api, headers["merchant"], hold["hold_id"]), 409, "hold_closed")
    assert await money(api, a) == ("87.50", "0.00", "87.50")


async def test_who_may_read_capture_and_void(
    api: httpx.AsyncClient, engine: AsyncEngine, headers: dict[str, dict[str, str]]
) -> None:
    a, b = await accounts(engine)
    hold_id = (await place(api, a, b, "40.00")).json()["hold_id"]
    for reader in ("payer", "merchant", "auditor"):
        reply = await api.get(f"/holds/{hold_id}", headers=headers[reader])
        assert reply.status_code == 200 and reply.json()["status"] == "placed", reply.text
    assert_problem(await api.get(f"/holds/{hold_id}", headers=headers["stranger"]), 404, "hold_not_found")
    assert_problem(await api.get(f"/holds/{uuid.uuid4()}"), 404, "hold_not_found")
    for action in ("capture", "void"):
        assert_problem(await close(api, headers["payer"], hold_id, action), 403, "forbidden")
        assert_problem(await close(api, headers["auditor"], hold_id, action), 403, "forbidden")
        assert_problem(await close(api, headers["stranger"], hold_id, action), 404, "hold_not_found")
    assert_problem(await api.get(f"/accounts/{a}/holds", headers=headers["stranger"]), 404, "account_not_found")
    assert_problem(await place(api, a, b, who=headers["stranger"]), 404, "account_not_found")
    voided = await close(api, headers["merchant"], hold_id, "void")
    assert voided.status_code == 200 and voided.json()["status"] == "voided", voided.text
    assert await money(api, a) == ("100.00", "0.00", "100.00")


async def test_refusals_and_replays_of_placing(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    a, b = await accounts(engine, "50.00")
    first, again = await place(api, a, b, "20.00", key="order-1"), await place(api, a, b, "20.00", key="order-1")
    assert (first.status_code, again.status_code) == (201, 200) and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert_problem(await place(api, a, b, "21.00", key="order-1"), 422, "idempotency_key_reused")
    assert_problem(await place(api, a, b, "30.01"), 400, "insufficient_funds")
    assert_problem(await place(api, a, uuid.uuid4()), 404, "recipient_not_found")
    assert_problem(await place(api, a, a), 400, "same_account")
    assert_problem(await place(api, a, b, expires_in_s=0), 400, "invalid_request")
    assert_problem(await place(api, a, b, expires_in_s=30 * 24 * 3600 + 1), 400, "invalid_request")
    assert_problem(await place(api, a, b, "0.00"), 400, "invalid_amount")
    assert_problem(await api.get(f"/accounts/{a}/holds", params={"status": "open"}), 400, "invalid_request")
    assert await money(api, a) == ("50.00", "20.00", "30.00")


async def test_concurrent_captures_of_one_hold_capture_once(
    api: httpx.AsyncClient, engine: AsyncEngine, headers: dict[str, dict[str, str]]
) -> None:
    a, b = await accounts(engine)
    hold_id = (await place(api, a, b, "25.00")).json()["hold_id"]
    replies = await asyncio.gather(*(close(api, headers["merchant"], hold_id) for _ in range(10)))
    assert sorted(r.status_code for r in replies) == [200] + [409] * 9, [r.text for r in replies]
    assert await money(api, a) == ("75.00", "0.00", "75.00")


async def test_an_expired_hold_releases_itself_and_refuses_capture(
    api: httpx.AsyncClient, engine: AsyncEngine, headers: dict[str, dict[str, str]]
) -> None:
    a, b = await accounts(engine)
    hold_id = (await place(api, a, b, "30.00", expires_in_s=1)).json()["hold_id"]
    status = "placed"
    for _ in range(100):  # the Bank's worker runs every second
        status = (await api.get(f"/holds/{hold_id}")).json()["status"]
        if status != "placed":
            break
        await asyncio.sleep(0.1)
    assert status == "expired"
    assert await money(api, a) == ("100.00", "0.00", "100.00")
    assert_problem(await close(api, headers["merchant"], hold_id), 409, "hold_expired")
    assert_problem(await close(api, headers["merchant"], hold_id, "void"), 409, "hold_expired")
