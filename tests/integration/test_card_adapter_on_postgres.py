"""The Card Adapter's adapters on the real PostgreSQL: the mock gateway's ledger, the unit of work, the claims."""

import asyncio
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from card_adapter.adapters import mock_gateway
from card_adapter.adapters.claims import AdvisoryLockClaims
from card_adapter.adapters.mock_gateway import MockPaymentGateway
from card_adapter.adapters.unit_of_work import PostgresUnitOfWork
from card_adapter.domain.card import Card
from card_adapter.domain.outcomes import CardDeclined, PaymentGatewayTimeout, PaymentOutcomeUnknown
from card_adapter.domain.topup import State, TopUp, TopUpRequest
from kernel.clock import now
from kernel.errors import ConcurrencyConflict, DatabaseUnavailable, IdempotencyKeyInFlight
from stack.config import StackConfig


def card(number: str = mock_gateway.SUCCEEDS) -> Card:
    return Card.parse(number, 12, 2030, "123", "Alice Smith", date(2026, 1, 1))


def gateway(engine: AsyncEngine, failure_rate: float = 0.0, seed: int | None = 1) -> MockPaymentGateway:
    return MockPaymentGateway(engine, latency_ms=1, failure_rate=failure_rate, seed=seed, timeout_s=0.3)


def new_topup(key: str | None = None) -> TopUp:
    return TopUp.new(TopUpRequest.parse(str(uuid.uuid4()), "12.34", "RUB", card(), key))


async def test_a_charge_is_captured_once_per_idempotency_id(card_adapter_engine: AsyncEngine) -> None:
    pay = gateway(card_adapter_engine)
    idem = str(uuid.uuid4())
    first = await pay.charge(card(), Decimal("5.00"), "RUB", idem)
    again = await pay.charge(card(), Decimal("5.00"), "RUB", idem)
    assert first == again and first.status == "captured" and first.amount == Decimal("5.00")
    assert await pay.find_charge(idem) == first
    assert await pay.find_charge(str(uuid.uuid4())) is None


async def test_refund_is_real_and_idempotent(card_adapter_engine: AsyncEngine) -> None:
    pay = gateway(card_adapter_engine)
    charge = await pay.charge(card(), Decimal("9.99"), "RUB", str(uuid.uuid4()))
    await pay.refund(charge.id)
    await pay.refund(charge.id)
    async with card_adapter_engine.connect() as conn:
        refunds = (
            await conn.execute(text("SELECT amount FROM mock_gateway.refunds WHERE charge_id = :c"), {"c": charge.id})
        ).all()
    assert [r.amount for r in refunds] == [Decimal("9.99")]
    found = await pay.find_charge(charge.idempotency_id)
    assert found is not None and found.status == "refunded"
    with pytest.raises(LookupError):
        await pay.refund("ch_missing")


@pytest.mark.parametrize(
    ("number", "outcome"),
    [(mock_gateway.DECLINED, CardDeclined), (mock_gateway.INSUFFICIENT_FUNDS, CardDeclined),
     (mock_gateway.TIMES_OUT, PaymentGatewayTimeout), (mock_gateway.FAILS_AFTER_CAPTURE, PaymentOutcomeUnknown)],
)  # fmt: skip
async def test_test_cards(card_adapter_engine: AsyncEngine, number: str, outcome: type) -> None:
    pay = gateway(card_adapter_engine)
    idem = str(uuid.uuid4())
    with pytest.raises(outcome):
        await pay.charge(card(number), Decimal("1.00"), "RUB", idem)
    captured = await pay.find_charge(idem)
    assert (captured is not None) == (number == mock_gateway.FAILS_AFTER_CAPTURE)


async def test_failure_rate_is_reproducible_by_seed(card_adapter_engine: AsyncEngine) -> None:
    async def pattern(seed: int) -> list[bool]:
        pay = gateway(card_adapter_engine, failure_rate=0.5, seed=seed)
        failed = []
        for _ in range(12):
            try:
                await pay.find_charge("none")
                failed.append(False)
            except PaymentOutcomeUnknown:
                failed.append(True)
        return failed

    first = await pattern(7)
    assert first == await pattern(7) and any(first) and not all(first)


async def test_storage_trouble_is_an_unknown_outcome(database: StackConfig) -> None:
    broken = create_async_engine(database.card_adapter_database_url.replace(str(database.pg_port), "1"))
    with pytest.raises(PaymentOutcomeUnknown):
        await gateway(broken).find_charge("x")
    await broken.dispose()


async def test_unit_of_work_saves_with_optimistic_versions(card_adapter_engine: AsyncEngine) -> None:
    topup = new_topup("k-1")
    async with PostgresUnitOfWork(card_adapter_engine, 500) as uow:
        await uow.add_topup(topup)
        await uow.commit()
    async with PostgresUnitOfWork(card_adapter_engine, 500) as uow:
        stored = await uow.find_topup_by_key(topup.account_id, "k-1")
    assert stored == topup
    stale = await _get(card_adapter_engine, topup.id)
    topup.mark_charged("ch_1")
    async with PostgresUnitOfWork(card_adapter_engine, 500) as uow:
        await uow.save_topup(topup)
        await uow.commit()
    assert (await _get(card_adapter_engine, topup.id)).state == State.CHARGED
    stale.mark_failed("late")
    with pytest.raises(ConcurrencyConflict):
        async with PostgresUnitOfWork(card_adapter_engine, 500) as uow:
            await uow.save_topup(stale)


async def test_unfinished_topups_by_idle_time(card_adapter_engine: AsyncEngine) -> None:
    idle, busy, done = new_topup(), new_topup(), new_topup()
    idle.updated_at = now() - timedelta(hours=1)
    done.mark_declined("card_declined")
    async with PostgresUnitOfWork(card_adapter_engine, 500) as uow:
        for topup in (idle, busy, done):
            await uow.add_topup(topup)
        await uow.commit()
    async with PostgresUnitOfWork(card_adapter_engine, 500) as uow:
        everything = {t.id for t in await uow.unfinished_topups(None)}
        stale = {t.id for t in await uow.unfinished_topups(now() - timedelta(minutes=1))}
    assert {idle.id, busy.id} <= everything and done.id not in everything
    assert idle.id in stale and busy.id not in stale


async def test_a_held_idempotency_key_times_out_as_in_flight(card_adapter_engine: AsyncEngine) -> None:
    async with PostgresUnitOfWork(card_adapter_engine, 100) as holder:
        await holder.lock_idempotency_key("topup:x", "k")
        with pytest.raises(IdempotencyKeyInFlight):
            async with PostgresUnitOfWork(card_adapter_engine, 100) as waiter:
                await waiter.lock_idempotency_key("topup:x", "k")


async def test_claims_are_exclusive_until_released(database: StackConfig) -> None:
    engine = create_async_engine(database.card_adapter_database_url, poolclass=NullPool)
    claims, topup_id = AdvisoryLockClaims(engine), uuid.uuid4()
    async with claims.hold(topup_id) as first, claims.hold(topup_id) as second:
        assert first and not second
    async with claims.hold(topup_id) as again:
        assert again
    await engine.dispose()


async def test_claims_without_a_database_fail_as_unavailable(database: StackConfig) -> None:
    engine = create_async_engine(database.card_adapter_database_url.replace(str(database.pg_port), "1"))
    with pytest.raises(DatabaseUnavailable):
        async with AdvisoryLockClaims(engine).hold(uuid.uuid4()):
            pass
    await asyncio.sleep(0)
    await engine.dispose()


async def _get(engine: AsyncEngine, topup_id: uuid.UUID) -> TopUp:
    async with PostgresUnitOfWork(engine, 500) as uow:
        topup = await uow.get_topup(topup_id)
    assert topup is not None
    return topup
