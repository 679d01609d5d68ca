"""The Bank's hold expiry job: batch after batch until nothing more is due, counted; a failed run is logged and the
next one comes."""

import asyncio
from datetime import timedelta

import pytest

from bank import metrics
from bank.entrypoints.hold_expiry_job import HoldExpiryJob
from kernel import clock
from tests.unit.fake_holds import FakeHoldUnitOfWork
from tests.unit.test_hold_rules import factory, placed, setup


def expired_count() -> float:
    return metrics.HOLDS.labels("expired")._value.get()


async def test_it_expires_every_due_hold_batch_after_batch() -> None:
    store, a, b = setup()
    holds = [await placed(store, a, b, "5.00") for _ in range(5)]
    for hold in holds[:4]:
        store.holds[hold.id].expires_at = clock.now() - timedelta(seconds=1)
    before = expired_count()
    assert await HoldExpiryJob(factory(store), 0.01, batch=3).expire() == 4
    assert expired_count() - before == 4
    assert store.accounts[a].held == holds[4].amount


async def test_a_failing_run_does_not_stop_the_job(caplog: pytest.LogCaptureFixture) -> None:
    store, a, b = setup()
    hold = await placed(store, a, b)
    store.holds[hold.id].expires_at = clock.now() - timedelta(seconds=1)
    calls = 0

    def flaky() -> FakeHoldUnitOfWork:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database away")
        return FakeHoldUnitOfWork(store)

    job = asyncio.create_task(HoldExpiryJob(flaky, 0.01, batch=10).run())
    for _ in range(200):
        if store.holds[hold.id].status == "expired":
            break
        await asyncio.sleep(0.01)
    job.cancel()
    assert store.holds[hold.id].status == "expired" and "hold expiry could not run" in caplog.text
