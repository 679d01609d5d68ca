"""Bank use cases over the in-memory unit of work."""

import uuid
from decimal import Decimal

import pytest

from bank.domain import errors, model
from bank.domain.users import Caller, Role
from bank.service_layer import balance_service, deposit_service, transfer_service
from bank.service_layer.retry import retry_conflicts
from kernel import clock
from kernel import errors as kernel_errors
from tests.unit.fake_unit_of_work import FakeStore, FakeTransfers, FakeUnitOfWork

OWNER = Caller(subject=uuid.uuid4(), role=Role.CUSTOMER)
STRANGER = Caller(subject=uuid.uuid4(), role=Role.CUSTOMER)
AUDITOR = Caller(subject=uuid.uuid4(), role=Role.AUDITOR)


def make_store(*balances: str) -> tuple[FakeStore, list[uuid.UUID]]:
    """Accounts of OWNER."""
    accounts = [
        model.Account(
            id=uuid.uuid4(), balance=Decimal(b), currency="RUB", updated_at=clock.now(), owner_id=OWNER.subject
        )
        for b in balances
    ]
    return FakeStore(accounts), [a.id for a in accounts]


def factory(store: FakeStore):
    return lambda: FakeUnitOfWork(store)


def transfer_request(a: uuid.UUID, b: uuid.UUID, amount: str = "10.00", key: str = "") -> model.TransferRequest:
    return model.TransferRequest.parse(str(a), str(b), amount, "RUB", "rent", key)


async def test_transfer_writes_balances_transfer_and_one_event() -> None:
    store, (a, b) = make_store("100.00", "0.00")
    result = await transfer_service.transfer_money(FakeTransfers(store), transfer_request(a, b), OWNER)
    assert not result.replayed
    assert store.accounts[a].balance == Decimal("90.00") and store.accounts[b].balance == Decimal("10.00")
    assert store.transfers == [result.transfer]
    [event] = store.events
    assert event.type == "TransferCompleted" and event.aggregateid == str(a)
    assert event.payload["transfer_id"] == str(result.transfer.id) and event.payload["amount"] == "10.00"
    assert event.payload["event_id"] == str(event.id)


async def test_failed_transfer_leaves_no_trace() -> None:
    store, (a, b) = make_store("5.00", "0.00")
    with pytest.raises(errors.InsufficientFunds):
        await transfer_service.transfer_money(FakeTransfers(store), transfer_request(a, b), OWNER)
    assert store.accounts[a].balance == Decimal("5.00") and not store.transfers and not store.events


@pytest.mark.parametrize("missing", ["sender", "recipient"])
async def test_unknown_accounts(missing: str) -> None:
    store, (a,) = make_store("5.00")
    ghost = uuid.uuid4()
    request = transfer_request(ghost, a) if missing == "sender" else transfer_request(a, ghost)
    expected = kernel_errors.AccountNotFound if missing == "sender" else errors.RecipientNotFound
    with pytest.raises(expected) as raised:
        await transfer_service.transfer_money(FakeTransfers(store), request, OWNER)
    assert type(raised.value) is expected


async def test_same_key_same_request_replays_without_second_effect() -> None:
    store, (a, b) = make_store("100.00", "0.00")
    first = await transfer_service.transfer_money(FakeTransfers(store), transfer_request(a, b, key="k"), OWNER)
    again = await transfer_service.transfer_money(FakeTransfers(store), transfer_request(a, b, key="k"), OWNER)
    assert again.replayed and again.transfer.id == first.transfer.id
    assert store.accounts[a].balance == Decimal("90.00") and len(store.events) == 1


async def test_same_key_different_request_is_rejected() -> None:
    store, (a, b) = make_store("100.00", "0.00")
    await transfer_service.transfer_money(FakeTransfers(store), transfer_request(a, b, key="k"), OWNER)
    with pytest.raises(kernel_errors.IdempotencyKeyReused):
        await transfer_service.transfer_money(FakeTransfers(store), transfer_request(a, b, "11.00", key="k"), OWNER)


async def test_deposit_is_once_per_payment_id() -> None:
    store, (a,) = make_store("0.00")
    request = model.DepositRequest.parse(str(a), "25.00", "RUB", "pay-1", "top-1", "4242", "visa")
    first = await deposit_service.deposit_money(factory(store), request)
    again = await deposit_service.deposit_money(factory(store), request)
    assert again.replayed and again.deposit.id == first.deposit.id
    assert store.accounts[a].balance == Decimal("25.00")
    [event] = store.events
    assert event.type == "TopUpCompleted" and event.payload["card_last4"] == "4242"
    other = model.DepositRequest.parse(str(a), "26.00", "RUB", "pay-1", "top-1", "4242", "visa")
    with pytest.raises(kernel_errors.IdempotencyKeyReused):
        await deposit_service.deposit_money(factory(store), other)
    with pytest.raises(kernel_errors.AccountNotFound):
        ghost = model.DepositRequest.parse(str(uuid.uuid4()), "1", "RUB", "pay-2", "", "4242", "visa")
        await deposit_service.deposit_money(factory(store), ghost)


async def test_balance_of_unknown_account() -> None:
    store, (a,) = make_store("7.00")
    assert (await balance_service.get_balance(factory(store), a, OWNER)).balance == Decimal("7.00")
    with pytest.raises(kernel_errors.AccountNotFound):
        await balance_service.get_balance(factory(store), uuid.uuid4(), OWNER)


async def test_only_the_owner_an_auditor_or_a_service_reads_a_balance() -> None:
    store, (a,) = make_store("7.00")
    for reader in (OWNER, AUDITOR, None):
        assert (await balance_service.get_balance(factory(store), a, reader)).balance == Decimal("7.00")
    with pytest.raises(kernel_errors.AccountNotFound) as raised:
        await balance_service.get_balance(factory(store), a, STRANGER)
    assert str(raised.value) == f"account {a} does not exist"  # word for word what an unknown account gets


async def test_a_stranger_cannot_move_the_money_and_learns_nothing() -> None:
    store, (a, b) = make_store("100.00", "0.00")
    with pytest.raises(kernel_errors.AccountNotFound) as raised:
        await transfer_service.transfer_money(FakeTransfers(store), transfer_request(a, b), STRANGER)
    assert type(raised.value) is kernel_errors.AccountNotFound and str(raised.value) == f"account {a} does not exist"
    assert store.accounts[a].balance == Decimal("100.00") and not store.events


async def test_a_stranger_cannot_replay_an_owners_idempotency_key() -> None:
    store, (a, b) = make_store("100.00", "0.00")
    await transfer_service.transfer_money(FakeTransfers(store), transfer_request(a, b, key="k"), OWNER)
    with pytest.raises(kernel_errors.AccountNotFound):
        await transfer_service.transfer_money(FakeTransfers(store), transfer_request(a, b, key="k"), STRANGER)


async def test_an_auditor_moves_no_money() -> None:
    store, (a, b) = make_store("100.00", "0.00")
    with pytest.raises(errors.Forbidden):
        await transfer_service.transfer_money(FakeTransfers(store), transfer_request(a, b), AUDITOR)


async def test_anyone_may_receive() -> None:
    store, (a,) = make_store("100.00")
    someone_else = model.Account(id=uuid.uuid4(), balance=Decimal(0), currency="RUB", updated_at=clock.now())
    store.accounts[someone_else.id] = someone_else
    await transfer_service.transfer_money(FakeTransfers(store), transfer_request(a, someone_else.id), OWNER)
    assert store.accounts[someone_else.id].balance == Decimal("10.00")


async def test_conflicts_are_retried_then_surface() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise kernel_errors.ConcurrencyConflict("deadlock")
        return "done"

    assert await retry_conflicts(flaky) == "done" and calls == 3

    async def always() -> str:
        raise kernel_errors.ConcurrencyConflict("deadlock")

    with pytest.raises(kernel_errors.ConcurrencyConflict):
        await retry_conflicts(always, attempts=2)
