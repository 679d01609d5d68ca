"""Holds on a real PostgreSQL: placing, capturing (whole, part), voiding and expiring move held, balance and available
right with the ledger's audit clean; under concurrency (captures racing each other, holds and transfers on the same
accounts) no hold is captured twice and no available balance goes below zero; expiry survives a worker that dies
before its commit and is shared safely by several workers."""

import asyncio
import random
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bank.adapters.hold_unit_of_work import PostgresHoldUnitOfWork
from bank.adapters.ledger_audit import audit
from bank.bootstrap import Bank
from bank.domain import errors, model
from bank.domain.holds import Action, CloseRequest, Hold, HoldRequest, HoldStatus
from bank.domain.users import Caller
from bank.service_layer import hold_service, transfer_service
from kernel import clock
from tests.accounts import create_accounts
from tests.users import MALLORY, TESTER

PAYER = Caller(TESTER.id, TESTER.role)
MERCHANT = Caller(MALLORY.id, MALLORY.role)


async def pair(engine: AsyncEngine, payer: str = "100.00", merchant: str = "0.00") -> tuple[uuid.UUID, uuid.UUID]:
    [a] = await create_accounts(engine, payer)
    [b] = await create_accounts(engine, merchant, owner=MALLORY.id)
    return a, b


async def place(
    bank: Bank, a: uuid.UUID, b: uuid.UUID, amount: str = "30.00", key: str = "", expires: int = 0
) -> hold_service.HoldResult:
    request = HoldRequest.parse(str(a), str(b), amount, "RUB", "order", expires, key)
    return await hold_service.place_hold(bank.holds_uow, request, PAYER)


async def close(
    bank: Bank, hold: Hold, action: Action = Action.CAPTURE, amount: str = "", key: str = ""
) -> hold_service.HoldResult:
    return await hold_service.close_hold(
        bank.holds_uow, CloseRequest.parse(str(hold.id), action, amount, key), MERCHANT
    )


async def money(engine: AsyncEngine, account: uuid.UUID) -> tuple[str, str, str]:
    """balance, held, available."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(text("SELECT balance, held, balance - held FROM accounts WHERE id = :a"), {"a": account})
        ).one()
        return str(row[0]), str(row[1]), str(row[2])


async def status_of(engine: AsyncEngine, hold_id: uuid.UUID) -> str:
    async with engine.connect() as conn:
        return str((await conn.execute(text("SELECT status FROM holds WHERE id = :h"), {"h": hold_id})).scalar_one())


async def events_of(engine: AsyncEngine, hold_id: uuid.UUID) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT type FROM outbox WHERE payload->>'hold_id' = :h AND type LIKE 'Hold%' ORDER BY created_at, type"
            ),
            {"h": str(hold_id)},
        )
        return [row.type for row in rows]


async def make_due(engine: AsyncEngine, *hold_ids: uuid.UUID) -> None:
    """As if their expiry had passed (rather than waiting for it)."""
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE holds SET expires_at = now() - interval '1 second' WHERE id = ANY(:ids)"),
            {"ids": list(hold_ids)},
        )


async def assert_audit_clean(engine: AsyncEngine) -> None:
    report = await audit(engine)
    assert report.clean, report.findings


async def test_place_capture_part_and_void_move_held_balance_and_available(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await pair(engine)
    first = (await place(bank, a, b, "30.00")).hold
    second = (await place(bank, a, b, "20.00")).hold
    assert await money(engine, a) == ("100.00", "50.00", "50.00")
    with pytest.raises(errors.InsufficientFunds):
        await place(bank, a, b, "50.01")
    with pytest.raises(errors.InsufficientFunds):  # nor can a transfer spend what is held
        request = model.TransferRequest.parse(str(a), str(b), "50.01", "RUB")
        await transfer_service.transfer_money(bank.transfers, request, PAYER)
    captured = await close(bank, first, amount="12.34")
    assert await money(engine, a) == ("87.66", "20.00", "67.66")
    assert await money(engine, b) == ("12.34", "0.00", "12.34")
    assert captured.transfer is not None and captured.transfer.kind == "capture"
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT kind, hold_id, amount FROM transfers WHERE id = :t"), {"t": captured.transfer.id}
            )
        ).one()
    assert tuple(row) == ("capture", first.id, Decimal("12.34"))
    assert await events_of(engine, first.id) == ["HoldPlaced", "HoldCaptured"]
    await close(bank, second, Action.VOID)
    assert await money(engine, a) == ("87.66", "0.00", "87.66")
    assert (await status_of(engine, first.id), await status_of(engine, second.id)) == ("captured", "voided")
    assert await events_of(engine, second.id) == ["HoldPlaced", "HoldVoided"]
    await assert_audit_clean(engine)


async def test_a_full_capture_and_its_transfer_event(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await pair(engine)
    hold = (await place(bank, a, b, "30.00")).hold
    result = await close(bank, hold)
    assert await money(engine, a) == ("70.00", "0.00", "70.00") and await money(engine, b) == ("30.00", "0.00", "30.00")
    assert result.transfer is not None
    async with engine.connect() as conn:
        types = await conn.execute(
            text("SELECT type FROM outbox WHERE payload->>'transfer_id' = :t"), {"t": str(result.transfer.id)}
        )
        assert sorted(row.type for row in types) == ["HoldCaptured", "TransferCompleted"]
    await assert_audit_clean(engine)


async def test_replays_answer_the_first_result(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await pair(engine)
    results = await asyncio.gather(*(place(bank, a, b, "10.00", key="order-9") for _ in range(10)))
    assert len({r.hold.id for r in results}) == 1 and [r.replayed for r in results].count(False) == 1
    with pytest.raises(Exception, match="different hold"):
        await place(bank, a, b, "10.01", key="order-9")
    hold = results[0].hold
    first = await close(bank, hold, amount="4.00", key="cap")
    again = await close(bank, hold, amount="4.00", key="cap")
    assert again.replayed and again.transfer == first.transfer and again.hold.transfer_id == first.hold.transfer_id
    with pytest.raises(errors.HoldClosed, match="captured"):
        await close(bank, hold, Action.VOID, key="void")
    assert await money(engine, a) == ("96.00", "0.00", "96.00")
    await assert_audit_clean(engine)


async def test_twenty_concurrent_captures_capture_once(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await pair(engine)
    hold = (await place(bank, a, b, "50.00")).hold
    outcomes = await asyncio.gather(
        *(close(bank, hold, Action.CAPTURE if i % 4 else Action.VOID, amount="") for i in range(20)),
        return_exceptions=True,
    )
    won = [o for o in outcomes if isinstance(o, hold_service.HoldResult)]
    assert len(won) == 1, outcomes
    assert all(isinstance(o, errors.HoldClosed) for o in outcomes if o not in won), outcomes
    async with engine.connect() as conn:
        count = await conn.execute(text("SELECT count(*) FROM transfers WHERE hold_id = :h"), {"h": hold.id})
        assert count.scalar_one() == (1 if won[0].hold.status is HoldStatus.CAPTURED else 0)
    assert len(await events_of(engine, hold.id)) == 2  # placed, then captured or voided: once
    await assert_audit_clean(engine)


async def test_holds_and_transfers_racing_on_the_same_accounts_keep_the_invariants(
    bank: Bank, engine: AsyncEngine
) -> None:
    payers = await create_accounts(engine, *["100.00"] * 4)
    merchants = await create_accounts(engine, *["0.00"] * 2, owner=MALLORY.id)
    rng = random.Random(13)
    open_holds: list[Hold] = []
    expected = (errors.InsufficientFunds, errors.HoldClosed)

    async def one(i: int) -> None:
        a = rng.choice(payers)
        try:
            if i % 3 == 0 or not open_holds:
                open_holds.append(
                    (await place(bank, a, rng.choice(merchants), f"{rng.randint(1, 4000) / 100:.2f}")).hold
                )
            elif i % 3 == 1:
                hold = rng.choice(open_holds)
                action = rng.choice([Action.CAPTURE, Action.VOID])
                amount = f"{min(hold.amount, Decimal(rng.randint(1, 4000)) / 100):.2f}" if rng.random() < 0.5 else ""
                await close(bank, hold, action, amount if action is Action.CAPTURE else "")
            else:
                request = model.TransferRequest.parse(
                    str(a), str(rng.choice([p for p in payers if p != a])), f"{rng.randint(1, 3000) / 100:.2f}", "RUB"
                )
                await transfer_service.transfer_money(bank.transfers, request, PAYER)
        except expected:
            pass

    in_flight = asyncio.Semaphore(12)  # within the Bank's pool (10 + 10 overflow), with the transfer lanes' own

    async def bounded(i: int) -> None:
        async with in_flight:
            await one(i)

    await asyncio.gather(*(bounded(i) for i in range(240)))
    async with engine.connect() as conn:
        lowest = await conn.execute(
            text("SELECT min(balance - held) FROM accounts WHERE id = ANY(:ids)"), {"ids": payers + merchants}
        )
        assert lowest.scalar_one() >= 0
        captures = await conn.execute(
            text("SELECT count(*) FROM holds h WHERE (SELECT count(*) FROM transfers t WHERE t.hold_id = h.id) > 1")
        )
        assert captures.scalar_one() == 0
        total = await conn.execute(
            text("SELECT sum(amount) FROM entries WHERE account_id = ANY(:ids)"), {"ids": payers + merchants}
        )
        assert total.scalar_one() == Decimal("400.00")  # money only moved among them
    await assert_audit_clean(engine)


async def test_a_capture_or_void_after_expiry_is_refused_and_expires_the_hold(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await pair(engine)
    hold = (await place(bank, a, b, "30.00")).hold
    await make_due(engine, hold.id)
    with pytest.raises(errors.HoldExpired):
        await close(bank, hold)
    assert await status_of(engine, hold.id) == "expired" and await money(engine, a) == ("100.00", "0.00", "100.00")
    with pytest.raises(errors.HoldExpired):
        await close(bank, hold, Action.VOID)
    assert await events_of(engine, hold.id) == ["HoldPlaced", "HoldExpired"]
    await assert_audit_clean(engine)


@pytest.fixture
def eight_days_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The expiry worker's clock, in this test, 8 days on: a hold of the default 7-day expiry is due for the workers the
    test runs, while the session's Bank process (its own worker, on the same database) still sees it in the future
    and leaves it alone."""
    later = clock.now() + timedelta(days=8)
    monkeypatch.setattr(hold_service, "now", lambda: later)


@pytest.mark.usefixtures("eight_days_on")
async def test_the_worker_expires_due_holds_only(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await pair(engine)
    due = (await place(bank, a, b, "30.00")).hold  # 7 days
    later = (await place(bank, a, b, "5.00", expires=30 * 86_400)).hold
    expired: list[Hold] = []
    while batch := await hold_service.expire_due(bank.holds_uow, 100):  # other tests' due holds too
        expired += batch
    assert due.id in {h.id for h in expired} and later.id not in {h.id for h in expired}
    assert (await status_of(engine, due.id), await status_of(engine, later.id)) == ("expired", "placed")
    assert await money(engine, a) == ("100.00", "5.00", "95.00")
    await assert_audit_clean(engine)


class WorkerKilled(Exception):
    pass


class CrashingUnitOfWork(PostgresHoldUnitOfWork):
    """A worker that dies after its writes, before its commit."""

    async def commit(self) -> None:
        raise WorkerKilled("worker killed before commit")


@pytest.mark.usefixtures("eight_days_on")
async def test_expiry_after_a_worker_crash_and_with_two_workers(bank: Bank, engine: AsyncEngine) -> None:
    a, b = await pair(engine, "1000.00")
    holds = [(await place(bank, a, b, "10.00")).hold for _ in range(30)]  # due in 7 days: now, for this test's workers
    ids = [h.id for h in holds]
    crashing = lambda: CrashingUnitOfWork(bank.engine, 1000)  # noqa: E731
    with pytest.raises(WorkerKilled):
        await hold_service.expire_due(crashing, 100)
    assert {await status_of(engine, i) for i in ids} == {"placed"}  # nothing of the crashed run stayed
    assert await money(engine, a) == ("1000.00", "300.00", "700.00")

    async def worker() -> int:
        expired = 0
        while batch := await hold_service.expire_due(bank.holds_uow, 4):
            expired += len(batch)
        return expired

    await asyncio.gather(worker(), worker())
    assert {await status_of(engine, i) for i in ids} == {"expired"}
    async with engine.connect() as conn:
        counts = await conn.execute(
            text(
                "SELECT payload->>'hold_id', count(*) FROM outbox WHERE type = 'HoldExpired' "
                "AND payload->>'hold_id' = ANY(:ids) GROUP BY 1"
            ),
            {"ids": [str(i) for i in ids]},
        )
        assert dict(counts.all()) == {str(i): 1 for i in ids}  # each expired exactly once
    assert await money(engine, a) == ("1000.00", "0.00", "1000.00")
    await assert_audit_clean(engine)
