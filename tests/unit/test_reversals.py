"""Reversals over the in-memory unit of work: who may reverse, how much, at most once, replays."""

import uuid
from decimal import Decimal

import pytest
from google.rpc import code_pb2

from bank.domain import errors, model
from bank.domain.events import OutboxEvent
from bank.domain.reversals import ReversalRequest
from bank.domain.users import Caller, Role
from bank.entrypoints.grpc_errors import status_code
from bank.service_layer import reversal_service, transfer_service
from bank.service_layer.reversal_service import TransferView
from bank.service_layer.transfer_service import TransferAttempt
from gateway.grpc_errors import to_problem
from kernel import clock
from kernel import errors as kernel_errors
from tests.unit.fake_rpc_errors import rpc_error_for
from tests.unit.fake_unit_of_work import FakeStore, FakeTransfers, FakeUnitOfWork

PAYER = Caller(subject=uuid.uuid4(), role=Role.CUSTOMER)
PAYEE = Caller(subject=uuid.uuid4(), role=Role.CUSTOMER)
STRANGER = Caller(subject=uuid.uuid4(), role=Role.CUSTOMER)
AUDITOR = Caller(subject=uuid.uuid4(), role=Role.AUDITOR)
OPERATOR = Caller(subject=uuid.uuid4(), role=Role.OPERATOR)


class World:
    """The payer's account paid 30.00 to the payee's (which had 5.00)."""

    def __init__(self) -> None:
        self.a, self.b = (
            model.Account(id=uuid.uuid4(), balance=Decimal(b), currency="RUB", updated_at=clock.now(), owner_id=o)
            for b, o in (("100.00", PAYER.subject), ("5.00", PAYEE.subject))
        )
        self.store = FakeStore([self.a, self.b])
        self.transfers = FakeTransfers(self.store)

    async def pay(self, amount: str = "30.00") -> model.Transfer:
        request = model.TransferRequest.parse(str(self.a.id), str(self.b.id), amount, "RUB", "rent")
        return (await transfer_service.transfer_money(self.transfers, request, PAYER)).transfer

    async def reverse(
        self, transfer: model.Transfer, caller: Caller = PAYEE, amount: str = "", key: str = ""
    ) -> transfer_service.TransferResult:
        request = ReversalRequest.parse(str(transfer.id), amount, "refund", key)
        uow = lambda: FakeUnitOfWork(self.store)  # noqa: E731
        return await reversal_service.reverse_transfer(uow, self.transfers, request, caller)

    def balances(self) -> tuple[Decimal, Decimal]:
        return self.store.accounts[self.a.id].balance, self.store.accounts[self.b.id].balance


@pytest.mark.parametrize(("caller", "amount", "back"), [(PAYEE, "", "30.00"), (OPERATOR, "12.50", "12.50")])
async def test_the_recipient_or_an_operator_gives_money_back(caller: Caller, amount: str, back: str) -> None:
    world = World()
    original = await world.pay()
    result = await world.reverse(original, caller, amount)
    reversal = result.transfer
    assert not result.replayed and reversal.kind == "reversal" and reversal.reverses_transfer_id == original.id
    assert (reversal.from_account_id, reversal.to_account_id) == (world.b.id, world.a.id)
    assert reversal.amount == Decimal(back) and reversal.description == "refund"
    assert world.balances() == (Decimal("70.00") + Decimal(back), Decimal("35.00") - Decimal(back))
    assert world.store.events[-1].payload["transfer_id"] == str(reversal.id)
    assert sum(e.amount for e in world.store.entries) == 0


@pytest.mark.parametrize(
    ("caller", "error"),
    [(PAYER, errors.Forbidden), (AUDITOR, errors.Forbidden), (STRANGER, errors.TransferNotFound)],
)
async def test_others_may_not_reverse(caller: Caller, error: type[Exception]) -> None:
    world = World()
    original = await world.pay()
    with pytest.raises(error):
        await world.reverse(original, caller)
    assert world.balances() == (Decimal("70.00"), Decimal("35.00"))


async def test_an_unknown_transfer_is_not_found() -> None:
    world = World()
    ghost = model.Transfer(world.a.id, world.b.id, Decimal(1), "RUB", None, None, "")
    with pytest.raises(errors.TransferNotFound):
        await world.reverse(ghost, OPERATOR)


@pytest.mark.parametrize("amount", ["30.01", "1000.00"])
async def test_more_than_the_original_is_refused(amount: str) -> None:
    world = World()
    with pytest.raises(kernel_errors.InvalidAmount):
        await world.reverse(await world.pay(), amount=amount)


@pytest.mark.parametrize("amount", ["0", "0.00", "-1.00", "1.001"])
def test_a_zero_or_malformed_amount_is_refused_before_any_read(amount: str) -> None:
    with pytest.raises(kernel_errors.InvalidAmount):
        ReversalRequest.parse(str(uuid.uuid4()), amount)


async def test_a_reversal_is_not_reversed() -> None:
    world = World()
    reversal = (await world.reverse(await world.pay(), amount="10.00")).transfer
    with pytest.raises(errors.NotReversible):
        await world.reverse(reversal, OPERATOR)


async def test_a_transfer_is_reversed_once_and_a_retry_replays() -> None:
    world = World()
    original = await world.pay()
    first = await world.reverse(original, amount="10.00", key="r-1")
    again = await world.reverse(original, amount="10.00", key="r-1")
    assert again.replayed and again.transfer == first.transfer
    with pytest.raises(errors.AlreadyReversed, match=str(first.transfer.id)):
        await world.reverse(original, amount="5.00", key="r-2")
    with pytest.raises(errors.AlreadyReversed):
        await world.reverse(original, OPERATOR)
    with pytest.raises(kernel_errors.IdempotencyKeyReused):
        await world.reverse(original, amount="11.00", key="r-1")
    assert world.balances() == (Decimal("80.00"), Decimal("25.00"))


async def test_the_whole_amount_named_or_implied_is_one_request() -> None:
    world = World()
    original = await world.pay()
    first = await world.reverse(original, key="r-1")
    assert (await world.reverse(original, amount="30.00", key="r-1")).replayed
    assert first.transfer.amount == Decimal("30.00")


async def test_the_recipient_needs_the_amount_available() -> None:
    world = World()
    original = await world.pay()
    world.store.accounts[world.b.id].held = Decimal("10.00")  # 35.00 balance, 25.00 available
    with pytest.raises(errors.InsufficientFunds):
        await world.reverse(original)
    assert (await world.reverse(original, amount="25.00")).transfer.amount == Decimal("25.00")


async def test_a_reversal_that_loses_the_race_names_the_winner() -> None:
    """The read saw no reversal; a concurrent one committed before the write, whose UNIQUE constraint refuses."""
    world = World()
    original = await world.pay()
    rival = ReversalRequest.parse(str(original.id), "1.00", None, "rival")

    class Racing(FakeTransfers):
        async def try_transfer(self, transfer: model.Transfer, event: OutboxEvent, owner: uuid.UUID) -> TransferAttempt:
            if transfer.idempotency_key != "rival":
                uow = lambda: FakeUnitOfWork(world.store)  # noqa: E731
                await reversal_service.reverse_transfer(uow, FakeTransfers(world.store), rival, OPERATOR)
            return await super().try_transfer(transfer, event, owner)

    world.transfers = Racing(world.store)
    with pytest.raises(errors.AlreadyReversed) as refused:
        await world.reverse(original, key="mine")
    [winner] = [t for t in world.store.transfers if t.kind == "reversal"]
    assert str(winner.id) in str(refused.value) and winner.idempotency_key == "rival"


@pytest.mark.parametrize(
    ("error", "grpc_code", "http_status", "problem_code"),
    [
        (errors.TransferNotFound("x"), code_pb2.NOT_FOUND, 404, "transfer_not_found"),
        (errors.AlreadyReversed("x"), code_pb2.ALREADY_EXISTS, 409, "already_reversed"),
        (errors.NotReversible("x"), code_pb2.FAILED_PRECONDITION, 400, "not_reversible"),
    ],
)
def test_reversal_errors_reach_the_client_as_problems(
    error: kernel_errors.ServiceError, grpc_code: int, http_status: int, problem_code: str
) -> None:
    """A reversal that is refused stays refused: no Retry-After, even on the 409."""
    assert status_code(error) == grpc_code
    problem = to_problem(rpc_error_for(error), "bank")
    assert (problem.status, problem.code, problem.detail, problem.headers) == (http_status, problem_code, "x", None)


async def test_a_transfer_is_read_with_its_reversal_by_whoever_may_read_an_account() -> None:
    world = World()
    original = await world.pay()
    uow = lambda: FakeUnitOfWork(world.store)  # noqa: E731
    for caller in (PAYER, PAYEE, AUDITOR, OPERATOR):
        assert await reversal_service.get_transfer(uow, original.id, caller) == TransferView(original, None)
    with pytest.raises(errors.TransferNotFound):
        await reversal_service.get_transfer(uow, original.id, STRANGER)
    with pytest.raises(errors.TransferNotFound):
        await reversal_service.get_transfer(uow, uuid.uuid4(), OPERATOR)
    reversal = (await world.reverse(original, amount="1.00")).transfer
    view = await reversal_service.get_transfer(uow, original.id, PAYER)
    assert view.reversal == reversal
