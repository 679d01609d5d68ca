"""Use cases of holds: place one (the payer's owner), capture or void it (the recipient's owner), read them, and
expire the ones past their expiry (the Bank's worker). Each write is one transaction: the hold, the balances, the
capture's transfer and entries, and the outbox events commit together or not at all."""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bank.domain import events, holds, ledger, model
from bank.domain.errors import HoldExpired, HoldNotFound
from bank.domain.holds import Action, CloseRequest, Hold, HoldRequest, HoldStatus
from bank.domain.users import Caller
from bank.service_layer.retry import retry_conflicts
from bank.service_layer.unit_of_work import UnitOfWork
from kernel import idempotency, tracing
from kernel.clock import now
from kernel.errors import AccountNotFound, IdempotencyKeyReused


class HoldUnitOfWork(UnitOfWork, Protocol):
    async def add_hold(self, hold: Hold) -> None: ...

    async def find_hold(self, account_id: uuid.UUID, key: str) -> Hold | None:
        """The hold placed on `account_id` under idempotency key `key`."""

    async def get_hold(self, hold_id: uuid.UUID, lock: bool = False) -> Hold | None:
        """The hold, locked for update until the transaction ends if `lock`."""

    async def lock_due_holds(self, at: datetime, limit: int) -> list[Hold]:
        """Up to `limit` open holds expired at `at`, oldest expiry first, locked; those another transaction has
        locked are skipped (several workers share the work)."""

    async def holds_of(self, account_id: uuid.UUID, status: HoldStatus | None, limit: int) -> list[Hold]:
        """Holds on `account_id` or toward it, newest first."""

    async def save_hold(self, hold: Hold) -> None:
        """Its status and how it was closed."""

    async def add_transfer(self, transfer: model.Transfer) -> None: ...


HoldUnitOfWorkFactory = Callable[[], HoldUnitOfWork]
LIST_LIMIT = 100


@dataclass(frozen=True)
class HoldResult:
    hold: Hold
    replayed: bool
    transfer: model.Transfer | None = None  # a capture's


async def place_hold(uow_factory: HoldUnitOfWorkFactory, request: HoldRequest, caller: Caller) -> HoldResult:
    """Only the payer's owner places a hold on its account; to anyone else the account does not exist."""
    caller.require_customer()
    return await retry_conflicts(lambda: _place_once(uow_factory, request, caller))


async def _place_once(uow_factory: HoldUnitOfWorkFactory, request: HoldRequest, caller: Caller) -> HoldResult:
    async with uow_factory() as uow:
        payer = await uow.get_account(request.account_id)  # its owner never changes: checked before any lock
        if payer is None:
            raise AccountNotFound(f"account {request.account_id} does not exist")
        caller.require_owner(payer)
        if request.idempotency_key:
            reused = IdempotencyKeyReused("this idempotency key was used for a different hold")
            scope, key = f"hold:{request.account_id}", request.idempotency_key
            find = lambda k: uow.find_hold(request.account_id, k)  # noqa: E731
            if earlier := await idempotency.find_earlier(uow, scope, key, find, request.fingerprint, reused):
                return HoldResult(earlier, replayed=True)
        accounts = await uow.lock_accounts([request.account_id, request.to_account_id])
        payer = accounts[request.account_id]
        hold = holds.place(payer, accounts.get(request.to_account_id), request)
        await uow.save_accounts([payer])
        await uow.add_hold(hold)
        await uow.add_event(events.hold_placed(hold, tracing.traceparent()))
        await uow.commit()
        return HoldResult(hold, replayed=False)


async def close_hold(uow_factory: HoldUnitOfWorkFactory, request: CloseRequest, caller: Caller) -> HoldResult:
    """Capture or void: only the recipient's owner; the payer reads the hold but cannot take it back."""
    caller.require_customer()
    return await retry_conflicts(lambda: _close_once(uow_factory, request, caller))


async def _close_once(uow_factory: HoldUnitOfWorkFactory, request: CloseRequest, caller: Caller) -> HoldResult:
    async with uow_factory() as uow:
        # The hold's row first, then its accounts in id order: one capture or void at a time, no check-then-act.
        hold = await uow.get_hold(request.hold_id, lock=True)
        if hold is None:
            raise HoldNotFound(f"hold {request.hold_id} does not exist")
        accounts = await uow.lock_accounts([hold.account_id, hold.to_account_id])
        payer, recipient = accounts[hold.account_id], accounts[hold.to_account_id]
        holds.require_closer(caller, hold, payer, recipient)
        if holds.is_replay(hold, request):
            return HoldResult(hold, replayed=True, transfer=await _capture_of(uow, hold))
        try:
            if request.action is Action.CAPTURE:
                transfer = holds.capture(hold, payer, recipient, request)
                await _captured(uow, hold, transfer, payer, recipient)
                return HoldResult(hold, replayed=False, transfer=transfer)
            holds.void(hold, payer, request)
            await _closed(uow, hold, [payer], events.hold_voided(hold, tracing.traceparent()))
            return HoldResult(hold, replayed=False)
        except HoldExpired:
            if hold.is_due(now()):  # the worker has not reached it yet: expire it here, then refuse
                holds.expire(hold, payer, now())
                await _closed(uow, hold, [payer], events.hold_expired(hold, tracing.traceparent()))
            raise


async def _captured(
    uow: HoldUnitOfWork, hold: Hold, transfer: model.Transfer, payer: model.Account, recipient: model.Account
) -> None:
    await uow.add_transfer(transfer)
    await uow.add_entries(ledger.transfer_entries(transfer))
    await uow.add_event(events.transfer_completed(transfer, tracing.traceparent()))
    await _closed(uow, hold, [payer, recipient], events.hold_captured(hold, tracing.traceparent()))


async def _closed(
    uow: HoldUnitOfWork, hold: Hold, accounts: Iterable[model.Account], event: events.OutboxEvent
) -> None:
    await uow.save_accounts(accounts)
    await uow.save_hold(hold)
    await uow.add_event(event)
    await uow.commit()


async def _capture_of(uow: HoldUnitOfWork, hold: Hold) -> model.Transfer | None:
    return None if hold.transfer_id is None else await uow.get_transfer(hold.transfer_id)


async def get_hold(uow_factory: HoldUnitOfWorkFactory, hold_id: uuid.UUID, caller: Caller) -> Hold:
    async with uow_factory() as uow:
        hold = await uow.get_hold(hold_id)
        if hold is None or not holds.may_read(
            caller, await uow.get_account(hold.account_id), await uow.get_account(hold.to_account_id)
        ):
            raise HoldNotFound(f"hold {hold_id} does not exist")
        return hold


async def list_holds(
    uow_factory: HoldUnitOfWorkFactory, account_id: uuid.UUID, status: HoldStatus | None, caller: Caller
) -> list[Hold]:
    """The holds on an account or toward it, newest first, up to LIST_LIMIT: for the account's owner or an auditor."""
    async with uow_factory() as uow:
        account = await uow.get_account(account_id)
        if account is None or not caller.may_read(account):
            raise AccountNotFound(f"account {account_id} does not exist")
        return await uow.holds_of(account_id, status, LIST_LIMIT)


async def expire_due(uow_factory: HoldUnitOfWorkFactory, limit: int) -> list[Hold]:
    """Expire one batch of holds past their expiry in one transaction (all or none of it); what it expired."""
    async with uow_factory() as uow:
        at = now()
        due = await uow.lock_due_holds(at, limit)
        if not due:
            return []
        accounts = await uow.lock_accounts({hold.account_id for hold in due})
        for hold in due:
            holds.expire(hold, accounts[hold.account_id], at)
            await uow.save_hold(hold)
            await uow.add_event(events.hold_expired(hold))
        await uow.save_accounts(accounts.values())
        await uow.commit()
        return due
