"""Use cases: read a transfer with its reversal; reverse a transfer, at most once, by its recipient's owner or an
operator, through the transfer statement (the one writer of transfers: balances, entries and outbox row at once)."""

import uuid
from dataclasses import dataclass

from bank.domain import events, model, reversals
from bank.domain.errors import AlreadyReversed, NotReversible, TransferNotFound
from bank.domain.reversals import ReversalRequest
from bank.domain.users import Caller
from bank.service_layer.retry import retry_conflicts
from bank.service_layer.transfer_service import TransferAttempt, TransferResult, TransferWriter, made_under_key
from bank.service_layer.unit_of_work import UnitOfWork, UnitOfWorkFactory
from kernel import tracing
from kernel.errors import ConcurrencyConflict, IdempotencyKeyReused


@dataclass(frozen=True)
class TransferView:
    transfer: model.Transfer
    reversal: model.Transfer | None  # its reversal, if it has one


async def get_transfer(uow_factory: UnitOfWorkFactory, transfer_id: uuid.UUID, caller: Caller) -> TransferView:
    """A transfer and its reversal, for whoever may read one of its accounts."""
    async with uow_factory() as uow:
        original, sender, recipient = await _read(uow, transfer_id)
        reversal = await uow.find_reversal(original.id)
    reversals.require_reader(caller, original, sender, recipient)
    return TransferView(original, reversal)


async def reverse_transfer(
    uow_factory: UnitOfWorkFactory, writer: TransferWriter, request: ReversalRequest, caller: Caller
) -> TransferResult:
    return await retry_conflicts(lambda: _reverse_once(uow_factory, writer, request, caller))


async def _reverse_once(
    uow_factory: UnitOfWorkFactory, writer: TransferWriter, request: ReversalRequest, caller: Caller
) -> TransferResult:
    async with uow_factory() as uow:
        original, sender, recipient = await _read(uow, request.transfer_id)
        existing = await uow.find_reversal(original.id)
    reversals.require_reverser(caller, original, sender, recipient)
    made = reversals.reversal(original, request)
    if existing is not None:  # a better answer than the statement's refusal; the UNIQUE constraint still decides
        return _replayed(reversals.replay_or_refuse(existing, made))
    if recipient.owner_id is None:  # a legacy account no one owns moves no money (the statement's guard)
        raise NotReversible(f"the recipient account of transfer {original.id} has no owner to give it back")
    event = events.transfer_completed(made, tracing.traceparent())
    try:
        # The statement's guard: the reversal's sender is its owner's, whoever asks (the owner or an operator).
        attempt = await writer.try_transfer(made, event, recipient.owner_id)
    except AlreadyReversed:  # a concurrent reversal committed first
        async with uow_factory() as uow:
            existing = await uow.find_reversal(original.id)
        assert existing is not None
        return _replayed(reversals.replay_or_refuse(existing, made))
    if attempt.done:
        return TransferResult(made, replayed=False)
    return await _refused(writer, made, attempt)


async def _refused(writer: TransferWriter, made: model.Transfer, attempt: TransferAttempt) -> TransferResult:
    """Nothing written: the key taken (a replay, or a reused key), else the rule the attempt broke."""
    reused = IdempotencyKeyReused("this idempotency key was used for a different request")
    if earlier := await made_under_key(writer, made, attempt, reused):
        return _replayed(earlier)
    sender, recipient = (attempt.accounts.get(i) for i in (made.from_account_id, made.to_account_id))
    if sender is not None and recipient is not None:
        model.move(made, sender, recipient)  # raises the rule the attempt refused on (insufficient funds)
    raise ConcurrencyConflict("the reversal was refused although every rule held; retrying")


async def _read(uow: UnitOfWork, transfer_id: uuid.UUID) -> tuple[model.Transfer, model.Account, model.Account]:
    """The transfer and its two accounts."""
    original = await uow.get_transfer(transfer_id)
    if original is None:
        raise TransferNotFound(f"transfer {transfer_id} does not exist")
    sender = await uow.get_account(original.from_account_id)
    recipient = await uow.get_account(original.to_account_id)
    assert sender is not None and recipient is not None  # foreign keys
    return original, sender, recipient


def _replayed(earlier: model.Transfer) -> TransferResult:
    return TransferResult(earlier, replayed=True)
