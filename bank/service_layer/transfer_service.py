"""Use case: move money between two accounts, exactly once per idempotency key."""

from dataclasses import dataclass

from bank.domain import events, model
from bank.domain.errors import AccountNotFound, IdempotencyKeyReused, RecipientNotFound
from bank.domain.users import Caller
from bank.service_layer.retry import retry_conflicts
from bank.service_layer.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class TransferResult:
    transfer: model.Transfer
    replayed: bool


async def transfer_money(
    uow_factory: UnitOfWorkFactory, request: model.TransferRequest, caller: Caller
) -> TransferResult:
    """Only the sender's owner may move its money; to anyone else the sender does not exist."""
    caller.require_customer()
    return await retry_conflicts(lambda: _transfer_once(uow_factory, request, caller))


async def _transfer_once(
    uow_factory: UnitOfWorkFactory, request: model.TransferRequest, caller: Caller
) -> TransferResult:
    async with uow_factory() as uow:
        if request.idempotency_key:
            await uow.lock_idempotency_key(f"transfer:{request.from_account_id}", request.idempotency_key)
            earlier = await uow.find_transfer(request.from_account_id, request.idempotency_key)
            if earlier:
                _require_owner(caller, await uow.get_account(request.from_account_id), request)
                if earlier.request_fingerprint != request.fingerprint:
                    raise IdempotencyKeyReused("this idempotency key was used for a different transfer")
                return TransferResult(earlier, replayed=True)
        accounts = await uow.lock_accounts([request.from_account_id, request.to_account_id])
        _require_owner(caller, accounts.get(request.from_account_id), request)
        if request.to_account_id not in accounts:
            raise RecipientNotFound(f"recipient account {request.to_account_id} does not exist")
        sender, recipient = accounts[request.from_account_id], accounts[request.to_account_id]
        transfer = model.transfer(sender, recipient, request)
        await uow.save_accounts([sender, recipient])
        await uow.add_transfer(transfer)
        await uow.add_event(events.transfer_completed(transfer))
        await uow.commit()
        return TransferResult(transfer, replayed=False)


def _require_owner(caller: Caller, sender: model.Account | None, request: model.TransferRequest) -> None:
    if sender is None:
        raise AccountNotFound(f"account {request.from_account_id} does not exist")
    caller.require_owner(sender)
