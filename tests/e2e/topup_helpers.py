"""Helpers for the top-up e2e tests: send a top-up, poll it, read the Bank's deposits and the gateway's ledger."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from card_adapter.adapters import mock_gateway
from gateway import schemas
from gateway.card_adapter_client import CardAdapterClient
from stack import certificates
from stack.config import StackConfig
from tests.polling import eventually

SUCCEEDS = mock_gateway.SUCCEEDS
TEST_CARDS = [SUCCEEDS, mock_gateway.DECLINED, mock_gateway.INSUFFICIENT_FUNDS, mock_gateway.TIMES_OUT,
              mock_gateway.FAILS_AFTER_CAPTURE, mock_gateway.CAPTURES_LATE]  # fmt: skip


def card(number: str = SUCCEEDS, **changes: object) -> dict[str, Any]:
    return {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123", "holder_name": "Alice Smith", **changes}


def topup(
    api: httpx.AsyncClient, account: object, number: str = SUCCEEDS, amount: str = "25.00", key: str | None = None
):
    headers = {"Idempotency-Key": key} if key else {}
    body = {"amount": amount, "currency": "RUB", "card": card(number)}
    return api.post(f"/accounts/{account}/topup", json=body, headers=headers)


async def until_settled(api: httpx.AsyncClient, status_url: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        reply = await api.get(status_url)
        if reply.status_code == 200 and reply.json()["status"] != "pending":
            return reply.json()
        assert time.monotonic() < deadline, f"top-up still not settled: {reply.text}"
        await asyncio.sleep(0.2)


@dataclass
class Ledger:
    charges: list[Any]
    refunds: list[Any]
    deposits: list[Any]


async def ledger(bank: AsyncEngine, cards: AsyncEngine, topup_id: str) -> Ledger:
    """What really happened to one top-up: the gateway's charges and refunds, the Bank's deposits."""
    async with cards.connect() as conn:
        charges = (
            await conn.execute(text("SELECT * FROM mock_gateway.charges WHERE idempotency_id = :id"), {"id": topup_id})
        ).all()
        refunds = (
            await conn.execute(
                text("SELECT * FROM mock_gateway.refunds WHERE charge_id = ANY(:ids)"), {"ids": [c.id for c in charges]}
            )
        ).all()
    async with bank.connect() as conn:
        deposits = (await conn.execute(text("SELECT * FROM deposits WHERE topup_id = :id"), {"id": topup_id})).all()
    return Ledger(list(charges), list(refunds), list(deposits))


async def adapter_row(cards: AsyncEngine, topup_id: str | uuid.UUID) -> Any:
    async with cards.connect() as conn:
        return (await conn.execute(text("SELECT * FROM topups WHERE id = :id"), {"id": uuid.UUID(str(topup_id))})).one()


@asynccontextmanager
async def card_adapter_direct(cfg: StackConfig) -> AsyncIterator[CardAdapterClient]:
    """The Card Adapter over gRPC, as the gateway calls it once it has checked who owns the account: for the tests
    where the Bank goes down, which would make that check (and the request) answer 503 before any charge."""
    target = f"{cfg.host}:{cfg.card_adapter_port}"
    async with grpc.aio.secure_channel(target, certificates.client_credentials(cfg)) as channel:
        yield CardAdapterClient(channel, timeout_s=10)


def direct_topup(adapter: CardAdapterClient, account: object, amount: str):
    body = schemas.TopUpCreate(amount=amount, currency="RUB", card=schemas.CardIn(**card()))
    return adapter.top_up(str(account), body, None)


async def settled_directly(adapter: CardAdapterClient, topup: schemas.TopUp, timeout: float = 45) -> schemas.TopUp:
    async def settled() -> bool:
        nonlocal topup
        topup = await adapter.get(str(topup.account_id), str(topup.topup_id))
        return topup.status != "pending"

    await eventually(settled, timeout, f"top-up {topup.topup_id} to settle")
    return topup
