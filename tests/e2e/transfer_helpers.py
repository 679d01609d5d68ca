"""Transfers and balances through the gateway, and what a refusal looks like (RFC 9457 problem+json)."""

import uuid

import httpx

PROBLEM = "application/problem+json"


def transfer(
    api: httpx.AsyncClient,
    sender: object,
    recipient: object,
    amount: object = "10.00",
    key: str | None = None,
    **extra: object,
):
    headers = {"Idempotency-Key": key} if key else {}
    body = {"to_account_id": str(recipient), "amount": amount, "currency": "RUB", **extra}
    return api.post(f"/accounts/{sender}/transfers", json=body, headers=headers)


async def balance(api: httpx.AsyncClient, account: uuid.UUID) -> str:
    reply = await api.get(f"/accounts/{account}/balance")
    assert reply.status_code == 200, reply.text
    return reply.json()["balance"]


def assert_problem(reply: httpx.Response, status: int, code: str) -> None:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == PROBLEM
    body = reply.json()
    assert body["code"] == code and body["status"] == status and body["type"] == f"urn:wallet:problem:{code}"
    assert "Traceback" not in reply.text
