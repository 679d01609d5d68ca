"""Use case: credit an account for a settled card payment, exactly once per payment id, against the card network's
settlement account."""

from dataclasses import dataclass

from bank.domain import events, ledger, model
from bank.service_layer.retry import retry_conflicts
from bank.service_layer.unit_of_work import UnitOfWorkFactory
from kernel import idempotency, tracing
from kernel.errors import AccountNotFound, IdempotencyKeyReused


@dataclass(frozen=True)
class DepositResult:
    deposit: model.Deposit
    replayed: bool


async def deposit_money(uow_factory: UnitOfWorkFactory, request: model.DepositRequest) -> DepositResult:
    return await retry_conflicts(lambda: _deposit_once(uow_factory, request))


async def _deposit_once(uow_factory: UnitOfWorkFactory, request: model.DepositRequest) -> DepositResult:
    async with uow_factory() as uow:
        reused = IdempotencyKeyReused("this payment id was deposited with different details")
        key = request.payment_id
        earlier = await idempotency.find_earlier(uow, "deposit", key, uow.find_deposit, request.fingerprint, reused)
        if earlier:
            return DepositResult(earlier, replayed=True)
        accounts = await uow.lock_accounts([request.account_id])
        account = accounts.get(request.account_id)
        if account is None or account.kind != ledger.AccountKind.CUSTOMER:  # internal accounts take no deposits
            raise AccountNotFound(f"account {request.account_id} does not exist")
        deposit = model.deposit(account, request)
        await uow.save_accounts([account])
        await uow.add_deposit(deposit)
        await uow.add_entries(ledger.deposit_entries(deposit))
        await uow.add_event(events.topup_completed(deposit, tracing.traceparent()))
        await uow.commit()
        return DepositResult(deposit, replayed=False)
