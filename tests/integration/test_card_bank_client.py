"""The Card Adapter's Bank client against a real Bank process stopped, killed mid-call and started again: a deposit
is "never sent" only when no connection was up; a call cut off after it left may have landed, and its retry
(idempotent by payment id) credits once."""

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from datetime import date

import grpc
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from card_adapter.adapters.bank_client import GrpcBank
from card_adapter.bootstrap import BANK_REPEATABLE, BANK_SERVICE
from card_adapter.domain.card import Card
from card_adapter.domain.outcomes import DepositNotSent, DepositOutcomeUnknown
from card_adapter.domain.topup import TopUp, TopUpRequest
from kernel import grpc_channels
from stack import certificates, services
from stack.config import StackConfig
from tests.accounts import create_accounts
from tests.polling import eventually, wait_ready
from tests.service_processes import start_bank


@pytest.fixture
async def bank_client(bank_service: StackConfig, api: httpx.AsyncClient) -> AsyncIterator[GrpcBank]:
    """A client as the Card Adapter wires it; the Bank runs again after the test and the gateway sees it."""
    target = f"{bank_service.host}:{bank_service.bank_port}"
    credentials = certificates.client_credentials(bank_service)
    options = grpc_channels.options(BANK_SERVICE, BANK_REPEATABLE)
    async with grpc.aio.secure_channel(target, credentials, options=options) as channel:
        yield GrpcBank(channel, timeout_s=3.0)  # long enough to see the Bank wait and to kill it meanwhile
    start_bank(bank_service)
    await wait_ready(api)


async def charged_topup(engine: AsyncEngine, amount: str = "5.00") -> TopUp:
    [account] = await create_accounts(engine, "0.00")
    card = Card.parse("4242424242424242", 12, 2030, "123", "Alice Smith", date(2026, 1, 1))
    topup = TopUp.new(TopUpRequest.parse(str(account), amount, "RUB", card))
    topup.mark_charged(f"ch_{uuid.uuid4().hex}")
    return topup


async def deposits_of(engine: AsyncEngine, topup: TopUp) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT amount FROM deposits WHERE payment_id = :p"), {"p": topup.charge_id})
        return [str(row.amount) for row in rows]


async def test_a_stopped_bank_is_never_sent_the_deposit(
    bank_client: GrpcBank, bank_service: StackConfig, engine: AsyncEngine
) -> None:
    topup = await charged_topup(engine)
    await bank_client.deposit(topup)  # the channel is up
    services.stop_replicas(bank_service, "bank")
    with pytest.raises(DepositNotSent):
        await bank_client.deposit(topup)
    start_bank(bank_service)
    await bank_client.deposit(topup)  # the channel reconnects by itself
    assert await deposits_of(engine, topup) == ["5.00"]


async def test_a_bank_killed_mid_deposit_leaves_the_outcome_unknown(
    bank_client: GrpcBank, bank_service: StackConfig, engine: AsyncEngine
) -> None:
    topup = await charged_topup(engine, "7.00")
    async with engine.connect() as holder:  # the account's row lock keeps the deposit inside the Bank
        await holder.execute(text("SELECT 1 FROM accounts WHERE id = :a FOR UPDATE"), {"a": topup.account_id})
        me = await holder.scalar(text("SELECT pg_backend_pid()"))
        call = asyncio.create_task(bank_client.deposit(topup))

        async def bank_waits_on_the_row() -> bool:
            async with engine.connect() as conn:
                query = text(
                    "SELECT count(*) FROM pg_stat_activity WHERE CAST(:me AS int) = ANY(pg_blocking_pids(pid))"
                )
                return bool(await conn.scalar(query, {"me": me}))

        await eventually(bank_waits_on_the_row, 5, "the Bank to wait on the account's row")
        services.stop_replicas(bank_service, "bank", sig=signal.SIGKILL)
        with pytest.raises(DepositOutcomeUnknown, match="UNAVAILABLE"):
            await call
        await holder.rollback()
    start_bank(bank_service)
    await bank_client.deposit(topup)
    assert await deposits_of(engine, topup) == ["7.00"]
