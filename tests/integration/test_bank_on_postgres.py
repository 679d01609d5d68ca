"""The Bank's use cases against a real PostgreSQL: atomicity, locking, idempotency, outbox."""

import asyncio
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bank.bootstrap import Bank
from bank.domain import errors, model
from bank.domain.users import Caller, Registration, Role
from bank.service_layer import balance_service, deposit_service, transfer_service, user_service
from kernel import errors as kernel_errors
from tests.accounts import balances, create_accounts
from tests.service_processes import bank_settings
from tests.users import TESTER

TESTER_CALLER = Caller(TESTER.id, TESTER.role)


def request(a: uuid.UUID, b: uuid.UUID, amount: str = "10.00", key: str = "") -> model.TransferRequest:
    return model.TransferRequest.parse(str(a), str(b), amount, "RUB", "test", key)


async def outbox_for(engine: AsyncEngine, transfer_id: uuid.UUID) -> list[dict]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT id, aggregateid, type, payload FROM outbox WHERE payload->>'transfer_id' = :t"),
            {"t": str(transfer_id)},
        )
        return [dict(row._mapping) for row in rows]


async def test_transfer_commits_balances_transfer_and_outbox_together(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    result = await transfer_service.transfer_money(bank.transfers, request(a, b, "30.05"), TESTER_CALLER)
    assert await balances(engine, [a, b]) == {a: Decimal("69.95"), b: Decimal("30.05")}
    [event] = await outbox_for(engine, result.transfer.id)
    assert event["type"] == "TransferCompleted" and event["aggregateid"] == str(a)
    assert event["payload"]["event_id"] == str(event["id"]) and event["payload"]["amount"] == "30.05"
    account = await balance_service.get_balance(bank.uow, a, TESTER_CALLER)
    assert account.version == 1 and account.balance == Decimal("69.95")


async def test_rejected_transfer_writes_nothing(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "10.00", "0.00")
    with pytest.raises(errors.InsufficientFunds):
        await transfer_service.transfer_money(bank.transfers, request(a, b, "10.01"), TESTER_CALLER)
    with pytest.raises(errors.RecipientNotFound):
        await transfer_service.transfer_money(bank.transfers, request(a, uuid.uuid4()), TESTER_CALLER)
    async with engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM transfers WHERE from_account_id = :a"), {"a": a})
    assert count == 0 and await balances(engine, [a, b]) == {a: Decimal("10.00"), b: Decimal("0.00")}


async def test_currency_mismatch_is_rejected(bank: Bank, engine: AsyncEngine) -> None:
    [a] = await create_accounts(engine, "10.00")
    [usd] = await create_accounts(engine, "10.00", currency="USD")
    with pytest.raises(kernel_errors.CurrencyMismatch):
        await transfer_service.transfer_money(bank.transfers, request(a, usd, "1.00"), TESTER_CALLER)


async def test_database_refuses_a_negative_balance(engine: AsyncEngine) -> None:
    [a] = await create_accounts(engine, "1.00")
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE accounts SET balance = -0.01 WHERE id = :a"), {"a": a})


async def test_concurrent_duplicates_have_exactly_one_effect(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    results = await asyncio.gather(
        *(
            transfer_service.transfer_money(bank.transfers, request(a, b, "7.00", key="same"), TESTER_CALLER)
            for _ in range(10)
        )
    )
    assert len({r.transfer.id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert await balances(engine, [a, b]) == {a: Decimal("93.00"), b: Decimal("7.00")}
    assert len(await outbox_for(engine, results[0].transfer.id)) == 1


async def test_key_held_by_a_running_request_is_reported_in_flight(engine: AsyncEngine, database) -> None:
    from bank.bootstrap import bootstrap

    impatient = bootstrap(bank_settings(database.database_url, idempotency_wait_ms=200))
    a, b = await create_accounts(engine, "100.00", "0.00")
    try:
        async with engine.begin() as running:  # a request with the key, mid-transaction: the sender locked
            await running.execute(text("SELECT 1 FROM accounts WHERE id = :a FOR UPDATE"), {"a": a})
            with pytest.raises(kernel_errors.IdempotencyKeyInFlight):
                await transfer_service.transfer_money(impatient.transfers, request(a, b, key="busy"), TESTER_CALLER)
    finally:
        await impatient.close()


async def test_concurrent_spending_never_overdraws(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    outcomes = await asyncio.gather(
        *(transfer_service.transfer_money(bank.transfers, request(a, b, "10.00"), TESTER_CALLER) for _ in range(30)),
        return_exceptions=True,
    )
    assert sum(isinstance(o, transfer_service.TransferResult) for o in outcomes) == 10
    assert all(isinstance(o, transfer_service.TransferResult | errors.InsufficientFunds) for o in outcomes)
    assert await balances(engine, [a, b]) == {a: Decimal("0.00"), b: Decimal("100.00")}


async def test_opposite_transfers_do_not_deadlock(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await create_accounts(engine, "1000.00", "1000.00")
    work = [
        transfer_service.transfer_money(bank.transfers, request(x, y, "1.00"), TESTER_CALLER)
        for _ in range(25)
        for x, y in ((a, b), (b, a))
    ]
    results = await asyncio.gather(*work)
    assert len(results) == 50
    assert await balances(engine, [a, b]) == {a: Decimal("1000.00"), b: Decimal("1000.00")}


async def test_deposit_credits_once_per_payment(bank: Bank, engine: AsyncEngine) -> None:
    [a] = await create_accounts(engine, "0.00")
    payment = f"pay-{uuid.uuid4()}"
    deposit = model.DepositRequest.parse(str(a), "50.00", "RUB", payment, "top-1", "4242", "visa")
    results = await asyncio.gather(*(deposit_service.deposit_money(bank.uow, deposit) for _ in range(5)))
    assert len({r.deposit.id for r in results}) == 1
    assert await balances(engine, [a]) == {a: Decimal("50.00")}
    async with engine.connect() as conn:
        events = await conn.scalar(
            text("SELECT count(*) FROM outbox WHERE type = 'TopUpCompleted' AND payload->>'payment_id' = :p"),
            {"p": payment},
        )
    assert events == 1


async def test_outbox_retention_deletes_only_old_rows(bank: Bank, engine: AsyncEngine) -> None:
    from datetime import timedelta

    from bank.adapters import outbox_retention

    a, b = await create_accounts(engine, "100.00", "0.00")
    old = await transfer_service.transfer_money(bank.transfers, request(a, b, "1.00"), TESTER_CALLER)
    new = await transfer_service.transfer_money(bank.transfers, request(a, b, "2.00"), TESTER_CALLER)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE outbox SET created_at = now() - interval '8 days' WHERE payload->>'transfer_id' = :t"),
            {"t": str(old.transfer.id)},
        )
    assert await outbox_retention.purge(engine, timedelta(days=7)) >= 1
    assert await outbox_for(engine, old.transfer.id) == []
    assert len(await outbox_for(engine, new.transfer.id)) == 1


async def test_concurrent_registrations_of_one_name_make_one_user(bank: Bank) -> None:
    registration = Registration.parse(f"pg-{uuid.uuid4().hex[:8]}", "correct horse battery", "RUB")
    results = await asyncio.gather(
        *(user_service.register_user(bank.uow, bank.passwords, registration) for _ in range(3)), return_exceptions=True
    )
    made = [r for r in results if isinstance(r, user_service.UserAccounts)]
    assert len(made) == 1 and all(isinstance(r, errors.UsernameTaken) for r in results if r not in made)
    user = await user_service.authenticate(bank.uow, bank.passwords, registration.username, registration.password)
    assert user.id == made[0].user.id and user.password_hash and user.password_hash.startswith("$argon2id$")
    shown = await user_service.get_user(bank.uow, Caller(user.id, Role.CUSTOMER))
    assert [(a.balance, a.owner_id) for a in shown.accounts] == [(Decimal("0.00"), user.id)]


async def test_crossing_transfers_of_random_amounts_only_succeed_or_lack_funds(bank: Bank, engine: AsyncEngine) -> None:
    """Many senders that are also recipients, amounts near the balances: every outcome is a transfer or
    InsufficientFunds (a balance changed under a check is decided again, never a 5xx), and money is conserved."""
    import random

    ids = await create_accounts(engine, *["50.00"] * 6)
    rng = random.Random(7)
    pairs = [rng.sample(ids, 2) for _ in range(240)]
    amounts = [f"{rng.randint(100, 4000) / 100:.2f}" for _ in pairs]
    outcomes = await asyncio.gather(
        *(
            transfer_service.transfer_money(bank.transfers, request(x, y, amount), TESTER_CALLER)
            for (x, y), amount in zip(pairs, amounts, strict=True)
        ),
        return_exceptions=True,
    )
    unexpected = [o for o in outcomes if not isinstance(o, transfer_service.TransferResult | errors.InsufficientFunds)]
    assert not unexpected, unexpected[:3]
    final = await balances(engine, ids)
    assert sum(final.values()) == Decimal("300.00") and min(final.values()) >= 0


async def test_a_batch_decides_each_transfer_in_turn_in_one_transaction(bank: Bank, engine: AsyncEngine) -> None:
    """The group-commit statement (PostgresTransfers.try_transfers): a later transfer sees the earlier ones, a refused
    one changes nothing, a key repeated inside the batch is a replay, and a batch runs beside opposite transfers."""
    from bank.adapters.transfer_statement import PostgresTransfers
    from bank.domain import events

    a, b, c = await create_accounts(engine, "25.00", "0.00", "1000.00")
    statement = PostgresTransfers(
        bank_settings(bank.settings.database_url.get_secret_value(), idempotency_wait_ms=2000)
    )
    plans = [request(a, b, "10.00"), request(a, b, "10.00", key="k"), request(a, b, "10.00", key="k")]
    plans += [request(a, b, "10.00"), request(a, b, "5.00")]
    transfers = [model.new_transfer(r) for r in plans]
    opposite = [
        transfer_service.transfer_money(bank.transfers, request(c, a, "1.00"), TESTER_CALLER) for _ in range(10)
    ]
    try:
        batch = asyncio.ensure_future(
            statement.try_transfers([(t, events.transfer_completed(t), TESTER.id) for t in transfers])
        )
        await asyncio.gather(batch, *opposite)
        attempts = batch.result()
    finally:
        await statement.close()
    done = [attempt.done for attempt in attempts]
    # 25 + whatever of the 10 opposite transfers landed first: the first two fit, the replay does not move money.
    assert done[:3] == [True, True, False] and attempts[2].earlier and attempts[2].earlier.id == transfers[1].id
    final = await balances(engine, [a, b, c])
    moved = sum(t.amount for t, ok in zip(transfers, done, strict=True) if ok)
    assert final[b] == moved and final[a] + final[b] + final[c] == Decimal("1025.00") and final[a] >= 0
    assert final[c] == Decimal("990.00")
    for transfer, ok in zip(transfers, done, strict=True):
        assert len(await outbox_for(engine, transfer.id)) == (1 if ok else 0)


async def test_one_hot_sender_is_batched_without_losing_a_cent(
    bank: Bank, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many concurrent transfers from one account through the Bank's writer (batched per sender): exactly as many
    succeed as the balance allows, the rest lack funds, and each transfer has its outbox row."""
    a, b = await create_accounts(engine, "200.00", "0.00")
    statement = bank.transfers._transfers  # to see the batches it is given
    batch_sizes: list[int] = []
    original = statement.try_transfers

    async def counted(batch):
        batch_sizes.append(len(batch))
        return await original(batch)

    monkeypatch.setattr(statement, "try_transfers", counted)
    outcomes = await asyncio.gather(
        *(transfer_service.transfer_money(bank.transfers, request(a, b, "3.00"), TESTER_CALLER) for _ in range(120)),
        return_exceptions=True,
    )
    made = [o for o in outcomes if isinstance(o, transfer_service.TransferResult)]
    assert len(made) == 66 and max(batch_sizes) > 1
    assert all(isinstance(o, transfer_service.TransferResult | errors.InsufficientFunds) for o in outcomes)
    assert await balances(engine, [a, b]) == {a: Decimal("2.00"), b: Decimal("198.00")}
    for result in made[:5]:
        assert len(await outbox_for(engine, result.transfer.id)) == 1
