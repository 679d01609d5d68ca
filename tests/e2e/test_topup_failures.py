"""No money lost when one side fails: the Bank down during the deposit, for a while or for good, and the
Card Adapter killed between the charge and the deposit. With the Bank down before the request, the gateway cannot check
who owns the account and answers 503 with nothing charged; the deposit failures are driven at the Card Adapter, as
the gateway calls it after that check."""

import signal
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from card_adapter.adapters.tables import FINAL_STATES
from stack import services
from stack.config import StackConfig
from tests.accounts import create_accounts
from tests.e2e.topup_helpers import (
    adapter_row,
    card_adapter_direct,
    direct_topup,
    ledger,
    settled_directly,
    topup,
    until_settled,
)
from tests.e2e.transfer_helpers import assert_problem, balance, transfer
from tests.polling import eventually, wait_card_adapter_ready, wait_ready
from tests.service_processes import start_bank, start_card_adapter

pytestmark = [
    pytest.mark.usefixtures("card_adapter_ready"),
    pytest.mark.native,
]  # stops and kills the Bank's and the Card Adapter's processes


async def until_final(cards: AsyncEngine, topup_id: str | uuid.UUID) -> Any:
    """The adapter's row once final: a top-up is declined as soon as its refund is due, before the refund is done."""

    async def final() -> bool:
        return (await adapter_row(cards, topup_id)).state in FINAL_STATES

    await eventually(final, 30, f"top-up {topup_id} to reach a final state")
    return await adapter_row(cards, topup_id)


async def test_deposit_retried_until_the_bank_returns(
    api: httpx.AsyncClient, engine: AsyncEngine, card_adapter_engine: AsyncEngine, bank_service: StackConfig
) -> None:
    [a] = await create_accounts(engine, "1.00")
    services.stop_replicas(bank_service, "bank")
    try:
        refused = await topup(api, a, amount="30.00")  # who owns the account? nobody can say: nothing charged
        assert_problem(refused, 503, "bank_unavailable")
        async with card_adapter_direct(bank_service) as adapter:
            pending, _ = await direct_topup(adapter, a, "30.00")
            assert pending.status == "pending"
    finally:
        start_bank(bank_service)
    async with card_adapter_direct(bank_service) as adapter:
        settled = await settled_directly(adapter, pending)
    assert settled.status == "completed"
    await wait_ready(api)
    assert await balance(api, a) == "31.00"
    done = await ledger(engine, card_adapter_engine, str(settled.topup_id))
    assert len(done.charges) == 1 and len(done.deposits) == 1 and not done.refunds
    assert (await adapter_row(card_adapter_engine, settled.topup_id)).deposit_attempts > 1


async def test_bank_down_past_the_budget_refunds_the_card(
    api: httpx.AsyncClient, engine: AsyncEngine, card_adapter_engine: AsyncEngine, bank_service: StackConfig
) -> None:
    [a] = await create_accounts(engine, "1.00")
    services.stop_replicas(bank_service, "bank")
    try:
        async with card_adapter_direct(bank_service) as adapter:
            pending, _ = await direct_topup(adapter, a, "40.00")
            assert pending.status == "pending"
            settled = await settled_directly(adapter, pending)
    finally:
        start_bank(bank_service)
    assert (settled.status, settled.reason) == ("declined", "deposit_failed")
    assert (await until_final(card_adapter_engine, settled.topup_id)).state == "refunded"
    await wait_ready(api)
    assert await balance(api, a) == "1.00"
    done = await ledger(engine, card_adapter_engine, str(settled.topup_id))
    assert len(done.charges) == 1 and done.charges[0].status == "refunded"
    assert len(done.refunds) == 1 and not done.deposits


async def test_adapter_killed_between_charge_and_deposit_ends_in_one_deposit_or_refund(
    api: httpx.AsyncClient, engine: AsyncEngine, card_adapter_engine: AsyncEngine, card_adapter_service: StackConfig
) -> None:
    cfg = card_adapter_service
    [a] = await create_accounts(engine, "0.00")
    services.stop_replicas(cfg, "bank")
    try:
        async with card_adapter_direct(cfg) as adapter:
            pending, _ = await direct_topup(adapter, a, "50.00")
        topup_id = str(pending.topup_id)

        async def charged_and_retrying() -> bool:
            row = await adapter_row(card_adapter_engine, topup_id)
            return row.state == "charged" and row.deposit_attempts >= 2

        await eventually(charged_and_retrying, 20, "the top-up charged and its deposit retried")
        services.stop_replicas(cfg, "card_adapter", sig=signal.SIGKILL)
    finally:
        start_bank(cfg)
        start_card_adapter(cfg)
    await wait_card_adapter_ready(api)
    settled = await until_settled(api, pending.status_url)
    await until_final(card_adapter_engine, topup_id)
    done = await ledger(engine, card_adapter_engine, topup_id)
    assert len(done.charges) == 1
    assert len(done.deposits) + len(done.refunds) == 1, (done.deposits, done.refunds)
    expected = ("completed", "50.00") if done.deposits else ("declined", "0.00")
    assert (settled["status"], await balance(api, a)) == expected


async def test_adapter_down_fails_only_topups(
    api: httpx.AsyncClient, engine: AsyncEngine, card_adapter_service: StackConfig
) -> None:
    a, b = await create_accounts(engine, "10.00", "0.00")
    services.stop_replicas(card_adapter_service, "card_adapter")
    try:
        assert_problem(await topup(api, a), 503, "card_adapter_unavailable")
        assert (await transfer(api, a, b, "1.00")).status_code == 201
        ready = await api.get("/health/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["card_adapter"] != "serving"
    finally:
        start_card_adapter(card_adapter_service)
    await wait_card_adapter_ready(api)
    assert (await topup(api, a, amount="1.00")).json()["status"] == "completed"
    assert await balance(api, a) == "10.00"
