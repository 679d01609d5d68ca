"""Holds over the in-memory unit of work: placing, capturing (whole, part), voiding and expiring move `held` and the
balances right; who may do what; idempotent replays; the events."""

import dataclasses
import uuid
from datetime import timedelta
from decimal import Decimal

import jsonschema
import pytest

from bank.domain import errors, ledger, model
from bank.domain.holds import Action, CloseRequest, Hold, HoldRequest, HoldStatus, parse_status
from bank.domain.users import Caller, Role
from bank.service_layer import hold_service
from kernel import clock
from kernel import errors as kernel_errors
from tests.unit.fake_holds import FakeHoldStore, FakeHoldUnitOfWork
from tests.unit.test_contracts import schema

PAYER = Caller(subject=uuid.uuid4(), role=Role.CUSTOMER)
MERCHANT = Caller(subject=uuid.uuid4(), role=Role.CUSTOMER)
STRANGER = Caller(subject=uuid.uuid4(), role=Role.CUSTOMER)
AUDITOR = Caller(subject=uuid.uuid4(), role=Role.AUDITOR)


def account(owner: Caller, balance: str, currency: str = "RUB", kind: str = "customer") -> model.Account:
    return model.Account(uuid.uuid4(), Decimal(balance), currency, clock.now(), owner_id=owner.subject, kind=kind)


def setup(balance: str = "100.00", currency: str = "RUB") -> tuple[FakeHoldStore, uuid.UUID, uuid.UUID]:
    payer, merchant = account(PAYER, balance), account(MERCHANT, "0.00", currency)
    return FakeHoldStore([payer, merchant]), payer.id, merchant.id


def factory(store: FakeHoldStore):
    return lambda: FakeHoldUnitOfWork(store)


def hold_request(a: uuid.UUID, b: uuid.UUID, amount: str = "30.00", key: str = "", expires: int = 0) -> HoldRequest:
    return HoldRequest.parse(str(a), str(b), amount, "RUB", "order 7", expires, key)


def capture(hold: Hold, amount: str = "", key: str = "") -> CloseRequest:
    return CloseRequest.parse(str(hold.id), Action.CAPTURE, amount, key)


def void(hold: Hold, key: str = "") -> CloseRequest:
    return CloseRequest.parse(str(hold.id), Action.VOID, "", key)


def amounts(store: FakeHoldStore, account_id: uuid.UUID) -> tuple[str, str, str]:
    a = store.accounts[account_id]
    return str(a.balance), str(a.held), str(a.available)


async def placed(store: FakeHoldStore, a: uuid.UUID, b: uuid.UUID, amount: str = "30.00") -> Hold:
    return (await hold_service.place_hold(factory(store), hold_request(a, b, amount), PAYER)).hold


def fits_schema(event) -> None:
    jsonschema.validate(event.payload, schema("hold_event.json"), format_checker=jsonschema.FormatChecker())


async def test_placing_holds_the_amount_and_keeps_the_balance() -> None:
    store, a, b = setup()
    hold = await placed(store, a, b)
    assert amounts(store, a) == ("100.00", "30.00", "70.00") and amounts(store, b) == ("0.00", "0.00", "0.00")
    assert hold.status is HoldStatus.PLACED and hold.expires_at - hold.created_at == timedelta(days=7)
    [event] = store.events
    assert event.type == "HoldPlaced" and event.aggregateid == str(a) and event.payload["amount"] == "30.00"
    assert "captured_amount" not in event.payload
    fits_schema(event)


async def test_a_hold_must_be_covered_by_the_available_balance() -> None:
    store, a, b = setup("50.00")
    await placed(store, a, b, "30.00")
    with pytest.raises(errors.InsufficientFunds):
        await placed(store, a, b, "20.01")
    await placed(store, a, b, "20.00")
    assert amounts(store, a) == ("50.00", "50.00", "0.00")
    with pytest.raises(errors.InsufficientFunds):  # a transfer cannot spend held money either
        model.transfer(store.accounts[a], store.accounts[b], model.TransferRequest.parse(str(a), str(b), "0.01", "RUB"))


@pytest.mark.parametrize("expires", [-1, 30 * 24 * 3600 + 1])
def test_expiry_is_bounded(expires: int) -> None:
    with pytest.raises(kernel_errors.InvalidRequest, match="expires_in_s"):
        hold_request(uuid.uuid4(), uuid.uuid4(), expires=expires)


def test_requests_are_validated_before_any_database() -> None:
    a = uuid.uuid4()
    with pytest.raises(errors.SameAccount):
        hold_request(a, a)
    with pytest.raises(kernel_errors.InvalidAmount):
        hold_request(a, uuid.uuid4(), "0.00")
    with pytest.raises(kernel_errors.InvalidAmount):
        CloseRequest.parse(str(a), Action.CAPTURE, "-1")
    with pytest.raises(kernel_errors.InvalidRequest):
        parse_status("open")
    assert parse_status("") is None and parse_status("voided") is HoldStatus.VOIDED


async def test_only_the_owner_places_toward_a_customer_account_of_its_currency() -> None:
    store, a, b = setup()
    usd = account(MERCHANT, "0.00", "USD")
    settlement = account(MERCHANT, "0.00", kind=ledger.AccountKind.SETTLEMENT)
    store.accounts.update({usd.id: usd, settlement.id: settlement})
    with pytest.raises(kernel_errors.AccountNotFound):
        await hold_service.place_hold(factory(store), hold_request(a, b), STRANGER)
    with pytest.raises(errors.Forbidden):
        await hold_service.place_hold(factory(store), hold_request(a, b), AUDITOR)
    with pytest.raises(errors.RecipientNotFound):
        await placed(store, a, uuid.uuid4())
    with pytest.raises(errors.RecipientNotFound):
        await placed(store, a, settlement.id)
    with pytest.raises(kernel_errors.CurrencyMismatch):
        await placed(store, a, usd.id)
    assert amounts(store, a) == ("100.00", "0.00", "100.00") and not store.holds and not store.events


async def test_same_key_same_request_is_one_hold_a_different_request_is_refused() -> None:
    store, a, b = setup()
    first = await hold_service.place_hold(factory(store), hold_request(a, b, key="k"), PAYER)
    again = await hold_service.place_hold(factory(store), hold_request(a, b, key="k"), PAYER)
    assert again.replayed and not first.replayed and again.hold.id == first.hold.id
    with pytest.raises(kernel_errors.IdempotencyKeyReused):
        await hold_service.place_hold(factory(store), hold_request(a, b, "31.00", key="k"), PAYER)
    assert amounts(store, a) == ("100.00", "30.00", "70.00") and len(store.events) == 1


async def test_a_full_capture_is_a_transfer_of_the_whole_hold() -> None:
    store, a, b = setup()
    hold = await placed(store, a, b)
    result = await hold_service.close_hold(factory(store), capture(hold), MERCHANT)
    assert amounts(store, a) == ("70.00", "0.00", "70.00") and amounts(store, b) == ("30.00", "0.00", "30.00")
    transfer = result.transfer
    assert transfer is not None and transfer.kind == "capture" and transfer.hold_id == hold.id
    assert transfer.amount == Decimal("30.00") and store.transfers == [transfer]
    saved = store.holds[hold.id]
    assert saved.status is HoldStatus.CAPTURED and saved.captured_amount == Decimal("30.00") and saved.closed_at
    assert {e.amount for e in store.entries if e.movement_id == transfer.id} == {Decimal("-30.00"), Decimal("30.00")}
    placed_event, *closing = store.events
    assert [e.type for e in closing] == ["TransferCompleted", "HoldCaptured"]
    captured = closing[1].payload
    assert captured["captured_amount"] == "30.00" and captured["transfer_id"] == str(transfer.id)
    fits_schema(closing[1])


async def test_a_partial_capture_releases_the_rest() -> None:
    store, a, b = setup()
    hold = await placed(store, a, b)
    await placed(store, a, b, "10.00")  # another hold stays held
    await hold_service.close_hold(factory(store), capture(hold, "12.50"), MERCHANT)
    assert amounts(store, a) == ("87.50", "10.00", "77.50") and amounts(store, b) == ("12.50", "0.00", "12.50")
    with pytest.raises(kernel_errors.InvalidAmount):
        await hold_service.close_hold(factory(store), capture(await placed(store, a, b, "5.00"), "5.01"), MERCHANT)


async def test_a_void_releases_the_hold() -> None:
    store, a, b = setup()
    hold = await placed(store, a, b)
    result = await hold_service.close_hold(factory(store), void(hold), MERCHANT)
    assert result.hold.status is HoldStatus.VOIDED and result.transfer is None
    assert amounts(store, a) == ("100.00", "0.00", "100.00") and not store.transfers
    assert store.events[-1].type == "HoldVoided"
    fits_schema(store.events[-1])


async def test_only_the_recipients_owner_captures_or_voids() -> None:
    store, a, b = setup()
    hold = await placed(store, a, b)
    for caller, error in ((PAYER, errors.Forbidden), (AUDITOR, errors.Forbidden), (STRANGER, errors.HoldNotFound)):
        for request in (capture(hold), void(hold)):
            with pytest.raises(error):
                await hold_service.close_hold(factory(store), request, caller)
    with pytest.raises(errors.HoldNotFound):
        await hold_service.close_hold(factory(store), capture(dataclasses.replace(hold, id=uuid.uuid4())), MERCHANT)
    assert store.holds[hold.id].status is HoldStatus.PLACED


async def test_readers_are_the_payer_the_recipient_and_auditors() -> None:
    store, a, b = setup()
    hold = await placed(store, a, b)
    for caller in (PAYER, MERCHANT, AUDITOR):
        assert (await hold_service.get_hold(factory(store), hold.id, caller)).id == hold.id
    with pytest.raises(errors.HoldNotFound):
        await hold_service.get_hold(factory(store), hold.id, STRANGER)
    assert [h.id for h in await hold_service.list_holds(factory(store), b, HoldStatus.PLACED, MERCHANT)] == [hold.id]
    assert await hold_service.list_holds(factory(store), a, HoldStatus.VOIDED, AUDITOR) == []
    with pytest.raises(kernel_errors.AccountNotFound):
        await hold_service.list_holds(factory(store), a, None, STRANGER)


async def test_a_closed_hold_is_refused_unless_it_is_the_closing_requests_replay() -> None:
    store, a, b = setup()
    hold = await placed(store, a, b)
    first = await hold_service.close_hold(factory(store), capture(hold, "10.00", "cap-1"), MERCHANT)
    again = await hold_service.close_hold(factory(store), capture(hold, "10.00", "cap-1"), MERCHANT)
    assert first.transfer is not None and again.replayed and again.transfer == first.transfer
    assert again.hold.transfer_id == first.transfer.id
    with pytest.raises(kernel_errors.IdempotencyKeyReused):
        await hold_service.close_hold(factory(store), capture(hold, "11.00", "cap-1"), MERCHANT)
    for request in (capture(hold, "10.00", "cap-2"), void(hold), capture(hold)):
        with pytest.raises(errors.HoldClosed, match="captured"):
            await hold_service.close_hold(factory(store), request, MERCHANT)
    assert amounts(store, a) == ("90.00", "0.00", "90.00") and len(store.transfers) == 1


async def test_a_hold_past_its_expiry_is_refused_and_expired_on_the_spot() -> None:
    store, a, b = setup()
    hold = await placed(store, a, b)
    store.holds[hold.id].expires_at = clock.now() - timedelta(seconds=1)  # the worker has not run yet
    with pytest.raises(errors.HoldExpired):
        await hold_service.close_hold(factory(store), capture(hold), MERCHANT)
    assert store.holds[hold.id].status is HoldStatus.EXPIRED and store.events[-1].type == "HoldExpired"
    assert amounts(store, a) == ("100.00", "0.00", "100.00")
    with pytest.raises(errors.HoldExpired):
        await hold_service.close_hold(factory(store), void(hold), MERCHANT)
    assert [e.type for e in store.events] == ["HoldPlaced", "HoldExpired"]


async def test_the_worker_expires_due_holds_in_batches_and_leaves_the_others() -> None:
    store, a, b = setup()
    due = [await placed(store, a, b, "10.00") for _ in range(3)]
    later = await placed(store, a, b, "10.00")
    for hold in due:
        store.holds[hold.id].expires_at = clock.now() - timedelta(minutes=1)
    assert len(await hold_service.expire_due(factory(store), 2)) == 2
    assert len(await hold_service.expire_due(factory(store), 2)) == 1
    assert await hold_service.expire_due(factory(store), 2) == []
    assert {h.id for h in store.holds.values() if h.status is HoldStatus.EXPIRED} == {h.id for h in due}
    assert store.holds[later.id].status is HoldStatus.PLACED
    assert amounts(store, a) == ("100.00", "10.00", "90.00")
    expired = [e for e in store.events if e.type == "HoldExpired"]
    assert len(expired) == 3
    for event in expired:
        fits_schema(event)
