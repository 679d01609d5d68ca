"""Reversals on a real PostgreSQL: the money goes back with balanced entries and an outbox row, at most once per
transfer under concurrent requests (the UNIQUE constraint decides), replays, and the refusals that write nothing."""

import asyncio
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bank.adapters.ledger_audit import audit
from bank.bootstrap import Bank
from bank.domain import errors, model
from bank.domain.reversals import ReversalRequest
from bank.domain.users import Caller
from bank.service_layer import reversal_service, transfer_service
from kernel.errors import IdempotencyKeyReused, InvalidAmount
from tests.accounts import balances, create_accounts
from tests.users import FIXER, MALLORY, TESTER

PAYER = Caller(TESTER.id, TESTER.role)
PAYEE = Caller(MALLORY.id, MALLORY.role)
OPERATOR = Caller(FIXER.id, FIXER.role)


async def paid(bank: Bank, engine: AsyncEngine, amount: str = "30.00") -> tuple[model.Transfer, uuid.UUID, uuid.UUID]:
    """The tester's account (100.00) paid `amount` to Mallory's (5.00)."""
    [a] = await create_accounts(engine, "100.00")
    [b] = await create_accounts(engine, "5.00", owner=MALLORY.id)
    request = model.TransferRequest.parse(str(a), str(b), amount, "RUB", "order 42")
    return (await transfer_service.transfer_money(bank.transfers, request, PAYER)).transfer, a, b


async def reverse(
    bank: Bank, original: model.Transfer, caller: Caller = PAYEE, amount: str = "", key: str = ""
) -> transfer_service.TransferResult:
    request = ReversalRequest.parse(str(original.id), amount, "refund", key)
    return await reversal_service.reverse_transfer(bank.uow, bank.transfers, request, caller)


async def stored(engine: AsyncEngine, transfer_id: uuid.UUID) -> dict[str, object]:
    async with engine.connect() as conn:
        row = await conn.execute(
            text(
                "SELECT t.kind, t.reverses_transfer_id, t.from_account_id, t.to_account_id, t.amount, "
                "(SELECT count(*) FROM outbox o WHERE o.payload->>'transfer_id' = t.id::text) AS events, "
                "(SELECT sum(amount) FROM entries e WHERE e.movement_id = t.id) AS entries_sum, "
                "(SELECT count(*) FROM entries e WHERE e.movement_id = t.id) AS entries "
                "FROM transfers t WHERE t.id = :id"
            ),
            {"id": transfer_id},
        )
        return dict(row.mappings().one())


async def reversals_of(engine: AsyncEngine, transfer_id: uuid.UUID) -> int:
    async with engine.connect() as conn:
        query = text("SELECT count(*) FROM transfers WHERE reverses_transfer_id = :id")
        return int((await conn.execute(query, {"id": transfer_id})).scalar_one())


@pytest.mark.parametrize(("caller", "amount", "back"), [(PAYEE, "", "30.00"), (OPERATOR, "12.34", "12.34")])
async def test_a_reversal_moves_the_money_back_with_balanced_entries(
    bank: Bank, engine: AsyncEngine, caller: Caller, amount: str, back: str
) -> None:
    original, a, b = await paid(bank, engine)
    result = await reverse(bank, original, caller, amount)
    assert not result.replayed
    assert await balances(engine, [a, b]) == {a: Decimal("70.00") + Decimal(back), b: Decimal("35.00") - Decimal(back)}
    row = await stored(engine, result.transfer.id)
    assert row == {
        "kind": "reversal",
        "reverses_transfer_id": original.id,
        "from_account_id": b,
        "to_account_id": a,
        "amount": Decimal(back),
        "events": 1,
        "entries_sum": Decimal("0.00"),
        "entries": 2,
    }
    report = await audit(engine)
    assert report.clean, report.findings


async def test_ten_concurrent_reversals_make_one(bank: Bank, engine: AsyncEngine) -> None:
    original, a, b = await paid(bank, engine)
    outcomes = await asyncio.gather(
        *(reverse(bank, original, (PAYEE, OPERATOR)[i % 2], "3.00", f"race-{i}") for i in range(10)),
        return_exceptions=True,
    )
    made = [o for o in outcomes if isinstance(o, transfer_service.TransferResult)]
    refused = [o for o in outcomes if not isinstance(o, transfer_service.TransferResult)]
    assert len(made) == 1 and not made[0].replayed, outcomes
    assert all(isinstance(r, errors.AlreadyReversed) for r in refused), refused
    assert all(str(made[0].transfer.id) in r.message for r in refused if isinstance(r, errors.AlreadyReversed))
    assert await reversals_of(engine, original.id) == 1
    assert await balances(engine, [a, b]) == {a: Decimal("73.00"), b: Decimal("32.00")}
    report = await audit(engine)
    assert report.clean, report.findings


async def test_a_retry_under_the_same_key_replays_even_concurrently(bank: Bank, engine: AsyncEngine) -> None:
    original, a, b = await paid(bank, engine)
    results = await asyncio.gather(*(reverse(bank, original, amount="10.00", key="refund-42") for _ in range(5)))
    assert len({r.transfer.id for r in results}) == 1
    assert [r.replayed for r in results].count(False) == 1
    later = await reverse(bank, original, amount="10.00", key="refund-42")
    assert later.replayed and later.transfer.id == results[0].transfer.id
    with pytest.raises(IdempotencyKeyReused):
        await reverse(bank, original, amount="9.00", key="refund-42")
    with pytest.raises(errors.AlreadyReversed, match=str(later.transfer.id)):
        await reverse(bank, original, amount="10.00", key="another")
    assert await balances(engine, [a, b]) == {a: Decimal("80.00"), b: Decimal("25.00")}


@pytest.mark.parametrize(("amount", "error"), [("30.01", InvalidAmount), ("0.00", InvalidAmount)])
async def test_an_amount_above_the_original_or_zero_is_refused(
    bank: Bank, engine: AsyncEngine, amount: str, error: type[Exception]
) -> None:
    original, a, b = await paid(bank, engine)
    with pytest.raises(error):
        await reverse(bank, original, amount=amount)
    assert await reversals_of(engine, original.id) == 0
    assert await balances(engine, [a, b]) == {a: Decimal("70.00"), b: Decimal("35.00")}


async def test_a_reversal_is_not_reversed(bank: Bank, engine: AsyncEngine) -> None:
    original, a, b = await paid(bank, engine)
    reversal = (await reverse(bank, original, amount="5.00")).transfer
    with pytest.raises(errors.NotReversible):
        await reverse(bank, reversal, OPERATOR)
    assert await reversals_of(engine, reversal.id) == 0
    assert await balances(engine, [a, b]) == {a: Decimal("75.00"), b: Decimal("30.00")}


async def test_the_recipient_must_still_have_the_amount(bank: Bank, engine: AsyncEngine) -> None:
    original, a, b = await paid(bank, engine)
    [c] = await create_accounts(engine, "0.00", owner=MALLORY.id)
    spend = model.TransferRequest.parse(str(b), str(c), "20.00", "RUB")
    await transfer_service.transfer_money(bank.transfers, spend, PAYEE)  # 15.00 left of 35.00
    with pytest.raises(errors.InsufficientFunds):
        await reverse(bank, original)
    assert await reversals_of(engine, original.id) == 0
    assert await balances(engine, [a, b]) == {a: Decimal("70.00"), b: Decimal("15.00")}
    assert (await reverse(bank, original, OPERATOR, "15.00")).transfer.amount == Decimal("15.00")


@pytest.mark.parametrize("who", ["sender", "stranger"])
async def test_the_sender_and_strangers_may_not(bank: Bank, engine: AsyncEngine, who: str) -> None:
    original, _, _ = await paid(bank, engine)
    caller, error = {
        "sender": (PAYER, errors.Forbidden),
        "stranger": (Caller(uuid.uuid4(), TESTER.role), errors.TransferNotFound),
    }[who]
    with pytest.raises(error):
        await reverse(bank, original, caller)
    assert await reversals_of(engine, original.id) == 0
