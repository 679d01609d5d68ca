"""Use case: move money between two accounts, exactly once per idempotency key, only by the sender's owner."""

import uuid
from dataclasses import dataclass
from typing import Protocol

from bank.domain import events, model
from bank.domain.errors import RecipientNotFound
from bank.domain.events import OutboxEvent
from bank.domain.ledger import AccountKind
from bank.domain.users import Caller
from bank.service_layer.retry import retry_conflicts
from kernel import idempotency, tracing
from kernel.errors import AccountNotFound, ConcurrencyConflict, IdempotencyKeyReused


@dataclass(frozen=True)
class TransferResult:
    transfer: model.Transfer
    replayed: bool


@dataclass(frozen=True)
class TransferAttempt:
    """What one attempt did: the transfer made (balances, transfer and outbox row committed together), or nothing,
    with the accounts as it locked them and the transfer already made under the idempotency key, if any."""

    done: bool
    accounts: dict[uuid.UUID, model.Account]
    earlier: model.Transfer | None = None


class TransferWriter(Protocol):
    async def try_transfer(self, transfer: model.Transfer, event: OutboxEvent, owner: uuid.UUID) -> TransferAttempt:
        """Make `transfer` if the sender is `owner`'s, both accounts hold its currency, the sender has the amount
        and its key is unused; all or nothing."""

    async def find_transfer(self, from_account_id: uuid.UUID, key: str) -> model.Transfer | None: ...


async def transfer_money(writer: TransferWriter, request: model.TransferRequest, caller: Caller) -> TransferResult:
    """Only the sender's owner may move its money; to anyone else the sender does not exist."""
    caller.require_customer()
    return await retry_conflicts(lambda: _transfer_once(writer, request, caller))


async def _transfer_once(writer: TransferWriter, request: model.TransferRequest, caller: Caller) -> TransferResult:
    transfer = model.new_transfer(request)
    event = events.transfer_completed(transfer, tracing.traceparent())
    attempt = await writer.try_transfer(transfer, event, caller.subject)
    if attempt.done:
        return TransferResult(transfer, replayed=False)
    # Refused: the domain's rules, applied to what the attempt saw, name the reason.
    sender = attempt.accounts.get(request.from_account_id)
    _require_owner(caller, sender, request)
    reused = IdempotencyKeyReused("this idempotency key was used for a different transfer")
    if earlier := await made_under_key(writer, transfer, attempt, reused):
        return TransferResult(earlier, replayed=True)
    recipient = attempt.accounts.get(request.to_account_id)
    if recipient is None or recipient.kind != AccountKind.CUSTOMER:  # internal accounts take no transfers
        raise RecipientNotFound(f"recipient account {request.to_account_id} does not exist")
    assert sender is not None
    model.move(transfer, sender, recipient)  # raises the rule the attempt refused on
    raise ConcurrencyConflict("the transfer was refused although every rule held; retrying")


async def made_under_key(
    writer: TransferWriter, transfer: model.Transfer, attempt: TransferAttempt, reused: IdempotencyKeyReused
) -> model.Transfer | None:
    """After a refused attempt: the transfer made earlier under its key (a replay), None if none; `reused` raised if
    that one was another request."""
    earlier = attempt.earlier
    if earlier is None and transfer.idempotency_key:  # taken by a concurrent request while this one waited
        earlier = await writer.find_transfer(transfer.from_account_id, transfer.idempotency_key)
    return idempotency.replay(earlier, transfer.request_fingerprint, reused)


def _require_owner(caller: Caller, sender: model.Account | None, request: model.TransferRequest) -> None:
    if sender is None:
        raise AccountNotFound(f"account {request.from_account_id} does not exist")
    caller.require_owner(sender)
