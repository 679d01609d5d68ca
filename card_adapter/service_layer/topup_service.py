"""Use cases: accept a top-up request exactly once per idempotency key, and read a top-up."""

import uuid
from functools import partial

from card_adapter.domain.errors import TopUpNotFound
from card_adapter.domain.topup import TopUp, TopUpRequest
from card_adapter.service_layer.ports import Bank, UnitOfWorkFactory
from kernel import idempotency
from kernel.errors import IdempotencyKeyReused


async def accept_topup(uow_factory: UnitOfWorkFactory, bank: Bank, request: TopUpRequest) -> tuple[TopUp, bool]:
    """Record a new top-up (state requested), or return the one an earlier request with the same key made.

    The bool is True for such a replay. Nothing is charged here: the settlement does that."""
    # Before anything is recorded: never charge a card for an account that cannot take the money.
    await bank.check_account(request.account_id, request.currency)
    async with uow_factory() as uow:
        if key := request.idempotency_key:
            reused = IdempotencyKeyReused("this idempotency key was used for a different top-up")
            find = partial(uow.find_topup_by_key, request.account_id)
            scope = f"topup:{request.account_id}"
            if earlier := await idempotency.find_earlier(uow, scope, key, find, request.fingerprint, reused):
                return earlier, True
        topup = TopUp.new(request)
        await uow.add_topup(topup)
        await uow.commit()
    return topup, False


async def get_topup(uow_factory: UnitOfWorkFactory, account_id: uuid.UUID, topup_id: uuid.UUID) -> TopUp:
    async with uow_factory() as uow:
        topup = await uow.get_topup(topup_id)
    if topup is None or topup.account_id != account_id:
        raise TopUpNotFound(f"top-up {topup_id} of account {account_id} does not exist")
    return topup
