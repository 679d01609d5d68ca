"""Card Adapter use cases with fakes: accept, settle (charge, deposit retries, refund, late captures), resume."""

import asyncio
import uuid
from datetime import timedelta

import pytest

from card_adapter.domain import errors
from card_adapter.domain.outcomes import DepositNotSent, DepositOutcomeUnknown, DepositRejected, PaymentGatewayTimeout
from card_adapter.domain.topup import State, TopUp, TopUpRequest
from card_adapter.service_layer import topup_service
from kernel import errors as kernel_errors
from tests.polling import eventually
from tests.unit.settlement_world import ACCOUNT, CARD, DECLINED, TIMES_OUT, World


async def test_success_charges_once_and_deposits_once() -> None:
    world = World()
    topup = await world.settle()
    assert (topup.state, topup.status) == (State.DEPOSITED, "completed")
    assert world.bank.deposits == [topup.charge_id] and len(world.gateway.charges) == 1


async def test_declined_card_is_never_deposited() -> None:
    world = World()
    topup = await world.settle(DECLINED)
    assert (topup.state, topup.reason) == (State.DECLINED, "card_declined")
    assert world.bank.attempts == 0 and not world.gateway.charges


async def test_capture_then_error_is_reconciled_to_one_charge() -> None:
    world = World()
    world.gateway.capture_then_fail = True
    topup = await world.settle()
    assert topup.state == State.DEPOSITED
    assert world.gateway.calls == ["charge", "find_charge"] and len(world.gateway.charges) == 1


async def test_a_charge_timeout_with_no_charge_found_is_declined_and_watched() -> None:
    world = World()
    topup = await world.settle(TIMES_OUT)
    assert (topup.state, topup.status, topup.reason) == (State.FAILING, "declined", "payment_gateway_timeout")
    assert world.gateway.calls == ["charge", "find_charge"] and world.bank.attempts == 0


async def test_a_capture_after_the_decline_is_refunded_and_the_answer_stays_declined() -> None:
    world = World()
    topup = await world.settle(TIMES_OUT)
    charge = world.gateway.capture(str(topup.id))  # the gateway acted after all
    settled = await world.settlement.settle(topup.id)
    assert settled is not None and (settled.state, settled.status) == (State.REFUNDED, "declined")
    assert (settled.reason, settled.charge_id) == ("payment_gateway_timeout", charge.id)
    assert world.gateway.refunds == [charge.id] and world.bank.attempts == 0


async def test_a_declined_topup_with_no_late_capture_fails_for_good_once_the_window_closes() -> None:
    world = World()
    topup = await world.settle(TIMES_OUT)
    looked = await world.settlement.settle(topup.id)
    assert looked is not None and looked.state == State.FAILING  # nothing yet, the window is open
    world.created_long_ago(topup)
    settled = await world.settlement.settle(topup.id)
    assert settled is not None and (settled.state, settled.reason) == (State.FAILED, "payment_gateway_timeout")
    assert not world.gateway.refunds


async def test_no_answer_on_a_late_look_decides_nothing() -> None:
    world = World()
    topup = await world.settle(TIMES_OUT)
    world.created_long_ago(topup)
    world.gateway.outages = 1
    looked = await world.settlement.settle(topup.id)
    assert looked is not None and looked.state == State.FAILING  # the gateway may yet say it captured
    world.gateway.capture(str(topup.id))
    settled = await world.settlement.settle(topup.id)
    assert settled is not None and settled.state == State.REFUNDED


async def test_no_charge_found_once_the_window_is_closed_fails_at_once() -> None:
    world = World(window_s=0)
    topup = await world.settle(TIMES_OUT)
    assert (topup.state, topup.reason) == (State.FAILED, "payment_gateway_timeout")


async def test_lookups_are_retried_until_the_gateway_answers() -> None:
    world = World()
    world.gateway.outages = 3  # the charge and two look-ups fail
    topup = await world.settle()
    assert (topup.state, topup.reason) == (State.FAILING, "payment_gateway_error")
    assert world.gateway.calls == ["charge", "find_charge", "find_charge", "find_charge"]


async def test_resumed_requested_topup_without_a_charge_is_interrupted() -> None:
    world = World()
    topup = await world.accept()
    settled = await world.settlement.settle(topup.id, None)
    assert settled is not None and (settled.state, settled.reason) == (State.FAILING, "interrupted")


async def test_resumed_requested_topup_with_a_charge_is_deposited() -> None:
    world = World()
    topup = await world.accept()
    await world.gateway.charge(CARD, topup.amount, "RUB", str(topup.id))  # charged, then the adapter died
    settled = await world.settlement.settle(topup.id, None)
    assert settled is not None and settled.state == State.DEPOSITED and len(world.gateway.charges) == 1


async def test_deposit_is_retried_until_the_bank_answers() -> None:
    world = World()
    world.bank.script = [DepositNotSent("down"), DepositOutcomeUnknown("timeout"), DepositNotSent("down")]
    topup = await world.settle()
    assert topup.state == State.DEPOSITED
    assert (topup.deposit_attempts, topup.deposits_unsent, world.bank.attempts) == (4, 2, 4)
    assert not world.gateway.refunds


async def test_rejected_deposit_is_refunded() -> None:
    world = World()
    world.bank.script = [DepositRejected("account_not_found")]
    topup = await world.settle()
    assert (topup.state, topup.status, topup.reason) == (State.REFUNDED, "declined", "deposit_failed")
    assert world.gateway.refunds == [topup.charge_id] and not world.bank.deposits


async def test_unreachable_bank_past_the_budget_is_refunded() -> None:
    world = World(budget_s=0)
    world.bank.script = [DepositNotSent("down")] * 3
    topup = await world.settle()
    assert topup.state == State.REFUNDED and world.bank.attempts == 1
    assert world.gateway.refunds == [topup.charge_id]


async def test_a_deposit_that_may_have_landed_is_never_refunded() -> None:
    world = World(budget_s=0)
    world.bank.script = [DepositOutcomeUnknown("timeout"), DepositNotSent("down"), DepositNotSent("down")]
    topup = await world.settle()
    assert topup.state == State.DEPOSITED and world.bank.attempts == 4
    assert not world.gateway.refunds


async def test_refund_is_retried_and_resumed() -> None:
    world = World()
    world.bank.script = [DepositRejected("currency_mismatch")]
    world.gateway.outages = 0
    topup = await world.accept()
    original_refund = world.gateway.refund
    failures = iter([True, True, False])

    async def flaky_refund(charge_id: str) -> None:
        if next(failures):
            raise PaymentGatewayTimeout("slow")
        await original_refund(charge_id)

    world.gateway.refund = flaky_refund  # type: ignore[method-assign]
    settled = await world.settlement.settle(topup.id, CARD)
    assert settled is not None and settled.state == State.REFUNDED and len(world.gateway.refunds) == 1


async def test_refunding_topup_resumes_with_the_refund() -> None:
    world = World()
    topup = await world.accept()
    stored = world.topups[topup.id]
    stored.mark_charged("ch_x")
    stored.mark_refunding("deposit_failed")
    settled = await world.settlement.settle(topup.id)
    assert settled is not None and settled.state == State.REFUNDED and world.gateway.refunds == ["ch_x"]


async def test_a_topup_owned_elsewhere_is_left_alone() -> None:
    world = World()
    topup = await world.accept()
    world.claims.taken_elsewhere.add(topup.id)
    assert await world.settlement.settle(topup.id, CARD) is None
    assert world.topups[topup.id].state == State.REQUESTED and not world.gateway.calls


async def test_idempotency_key_replays_and_refuses_another_body() -> None:
    world = World()
    first = await world.accept(key="k1")
    request = TopUpRequest.parse(str(ACCOUNT), "10.00", "RUB", CARD, "k1")
    again, replayed = await topup_service.accept_topup(world.uow, world.bank, request)
    assert replayed and again.id == first.id and len(world.topups) == 1
    other = TopUpRequest.parse(str(ACCOUNT), "11.00", "RUB", CARD, "k1")
    with pytest.raises(kernel_errors.IdempotencyKeyReused):
        await topup_service.accept_topup(world.uow, world.bank, other)


async def test_unknown_account_is_refused_before_anything_is_recorded() -> None:
    world = World()
    world.bank.accounts = {uuid.uuid4(): "RUB"}
    with pytest.raises(kernel_errors.AccountNotFound):
        await world.accept()
    assert not world.topups


async def test_get_topup_only_under_its_account() -> None:
    world = World()
    topup = await world.accept()
    assert (await topup_service.get_topup(world.uow, ACCOUNT, topup.id)).id == topup.id
    with pytest.raises(errors.TopUpNotFound):
        await topup_service.get_topup(world.uow, uuid.uuid4(), topup.id)


async def test_workers_settle_in_the_background_and_resume_unfinished() -> None:
    world = World()
    workers = world.workers()
    fresh = await world.accept()
    workers.start(fresh.id, CARD)
    settled = await workers.wait_decided(fresh.id, timeout_s=5)
    assert settled is not None and settled.state == State.DEPOSITED
    stale = await world.accept(key="stale")
    world.topups[stale.id].updated_at -= timedelta(hours=1)
    assert await workers.resume_unfinished(untouched_for_s=60) == 1
    resumed = await workers.wait_decided(stale.id, timeout_s=5)
    assert resumed is not None and (resumed.state, resumed.reason) == (State.FAILING, "interrupted")
    await workers.close()


async def test_workers_answer_a_decline_at_once_then_watch_and_refund_a_late_capture() -> None:
    world = World()
    workers = world.workers()
    topup = await world.accept(TIMES_OUT)
    workers.start(topup.id, TIMES_OUT)
    started = asyncio.get_running_loop().time()
    declined = await workers.wait_decided(topup.id, timeout_s=5)
    assert declined is not None and (declined.state, declined.status) == (State.FAILING, "declined")
    assert asyncio.get_running_loop().time() - started < 1  # the watch runs on; nobody waits for it
    looks = world.gateway.calls.count("find_charge")
    await eventually(lambda: world.gateway.calls.count("find_charge") > looks + 2, 5, "more looks")
    charge = world.gateway.capture(str(topup.id))
    await eventually(lambda: world.topups[topup.id].state == State.REFUNDED, 5, "the late capture refunded")
    assert world.gateway.refunds == [charge.id] and world.bank.attempts == 0
    workers.start(topup.id)  # final: a new worker finds nothing to do
    assert (await workers.wait_decided(topup.id, timeout_s=5)) == world.topups[topup.id]
    await workers.close()


async def test_a_declined_topup_is_watched_again_after_a_restart() -> None:
    world = World()
    topup = await world.settle(TIMES_OUT)
    workers = world.workers()  # a new process
    assert await workers.resume_unfinished() == 1
    world.gateway.capture(str(topup.id))
    await eventually(lambda: world.topups[topup.id].state == State.REFUNDED, 5, "the late capture refunded")
    await workers.close()


async def test_a_crashing_worker_is_restarted_from_the_stored_state() -> None:
    world = World()
    workers = world.workers()
    topup = await world.accept()
    crashes = iter([True, False])
    deposit = world.bank.deposit

    async def crashing_deposit(topup: TopUp) -> None:
        if next(crashes):
            raise RuntimeError("bug")
        await deposit(topup)

    world.bank.deposit = crashing_deposit  # type: ignore[method-assign]
    workers.start(topup.id, CARD)
    settled = await workers.wait_decided(topup.id, timeout_s=5)
    assert settled is not None and settled.state == State.DEPOSITED and len(world.gateway.charges) == 1
    await workers.close()


async def test_wait_decided_gives_the_pending_state_on_timeout_and_close_stops_workers() -> None:
    world = World()
    world.settlement.sleep = asyncio.sleep
    world.bank.script = [DepositNotSent("down")] * 10_000
    workers = world.workers()
    topup = await world.accept()
    workers.start(topup.id, CARD)
    pending = await workers.wait_decided(topup.id, timeout_s=0.05)
    assert pending is not None and pending.status == "pending"
    await workers.close()
    assert world.topups[topup.id].state == State.CHARGED
