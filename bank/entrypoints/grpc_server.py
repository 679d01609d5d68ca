"""The Bank's gRPC server: BankService plus the standard health service."""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from grpc_health.v1 import health

from bank import metrics
from bank.adapters import outbox_retention
from bank.bootstrap import Bank, bootstrap, reconciliation_sides
from bank.config import Settings, get_settings
from bank.domain import holds
from bank.domain.errors import Unauthenticated
from bank.domain.holds import Action, CloseRequest, Hold, HoldRequest
from bank.domain.model import Account, Deposit, DepositRequest, Transfer, TransferRequest
from bank.domain.reversals import ReversalRequest
from bank.domain.statement import BalanceAt, Statement, StatementLine
from bank.domain.users import Caller, Registration, Role, User
from bank.entrypoints.grpc_errors import to_grpc_status
from bank.entrypoints.hold_expiry_job import HoldExpiryJob
from bank.entrypoints.reconciliation_job import ReconciliationJob
from bank.service_layer import (
    balance_service,
    deposit_service,
    hold_service,
    statement_service,
    transfer_service,
    user_service,
)
from bank.service_layer.reversal_service import get_transfer, reverse_transfer
from generated import bank_pb2, bank_pb2_grpc
from kernel import callers, grpc_status
from kernel.clock import now
from kernel.errors import ServiceError
from kernel.grpc_server import new_server, run, serve_until_signalled
from kernel.grpc_status import Context
from kernel.ids import parse_uuid
from kernel.money import format_amount

log = logging.getLogger("bank")
SERVICE_NAME = "wallet.bank.v1.BankService"
R = TypeVar("R")


class BankServicer(bank_pb2_grpc.BankServiceServicer):
    def __init__(self, bank: Bank) -> None:
        self.bank = bank

    async def TransferMoney(  # gRPC's method name
        self, request: bank_pb2.TransferMoneyRequest, context: Context
    ) -> bank_pb2.TransferMoneyResponse:
        async def work() -> bank_pb2.TransferMoneyResponse:
            try:
                command = TransferRequest.parse(
                    request.from_account_id,
                    request.to_account_id,
                    request.amount,
                    request.currency,
                    request.description,
                    request.idempotency_key,
                )
                result = await transfer_service.transfer_money(self.bank.transfers, command, _required_caller(context))
            except Exception as error:
                metrics.transfer_refused(error)
                raise
            metrics.transfer_answered(result.transfer.amount, result.transfer.currency, result.replayed)
            return bank_pb2.TransferMoneyResponse(transfer=_transfer(result.transfer), replayed=result.replayed)

        return await _answer(context, work)

    async def ReverseTransfer(  # gRPC's method name
        self, request: bank_pb2.ReverseTransferRequest, context: Context
    ) -> bank_pb2.TransferMoneyResponse:
        async def work() -> bank_pb2.TransferMoneyResponse:
            command = ReversalRequest.parse(
                request.transfer_id, request.amount, request.description, request.idempotency_key
            )
            caller = _required_caller(context)
            result = await reverse_transfer(self.bank.uow, self.bank.transfers, command, caller)
            return bank_pb2.TransferMoneyResponse(transfer=_transfer(result.transfer), replayed=result.replayed)

        return await _answer(context, work)

    async def GetTransfer(  # gRPC's method name
        self, request: bank_pb2.GetTransferRequest, context: Context
    ) -> bank_pb2.GetTransferResponse:
        async def work() -> bank_pb2.GetTransferResponse:
            transfer_id = parse_uuid(request.transfer_id, "transfer_id")
            view = await get_transfer(self.bank.uow, transfer_id, _required_caller(context))
            reversal = str(view.reversal.id) if view.reversal else ""
            return bank_pb2.GetTransferResponse(transfer=_transfer(view.transfer), reversed_by_transfer_id=reversal)

        return await _answer(context, work)

    async def GetBalance(  # gRPC's method name
        self, request: bank_pb2.GetBalanceRequest, context: Context
    ) -> bank_pb2.GetBalanceResponse:
        async def work() -> bank_pb2.GetBalanceResponse:
            account_id = parse_uuid(request.account_id, "account_id")
            if request.at:
                reads, caller = self.bank.ledger_reads, _caller(context)
                return _balance_at(
                    await statement_service.balance_at(self.bank.uow, reads, account_id, request.at, caller)
                )
            return _balance(await balance_service.get_balance(self.bank.uow, account_id, _caller(context)))

        return await _answer(context, work)

    async def GetStatement(  # gRPC's method name
        self, request: bank_pb2.GetStatementRequest, context: Context
    ) -> bank_pb2.GetStatementResponse:
        async def work() -> bank_pb2.GetStatementResponse:
            account_id = parse_uuid(request.account_id, "account_id")
            result = await statement_service.statement(
                self.bank.uow, self.bank.ledger_reads, account_id, request.from_time, request.to_time, _caller(context)
            )
            return _statement(result)

        return await _answer(context, work)

    async def DepositMoney(  # gRPC's method name
        self, request: bank_pb2.DepositMoneyRequest, context: Context
    ) -> bank_pb2.DepositMoneyResponse:
        async def work() -> bank_pb2.DepositMoneyResponse:
            try:
                command = DepositRequest.parse(
                    request.account_id,
                    request.amount,
                    request.currency,
                    request.payment_id,
                    request.topup_id,
                    request.card_last4,
                    request.card_brand,
                )
                result = await deposit_service.deposit_money(self.bank.uow, command)
            except Exception as error:
                metrics.deposit_refused(error)
                raise
            metrics.deposit_answered(result.deposit.amount, result.deposit.currency, result.replayed)
            return bank_pb2.DepositMoneyResponse(deposit=_deposit(result.deposit), replayed=result.replayed)

        return await _answer(context, work)

    async def RegisterUser(  # gRPC's method name
        self, request: bank_pb2.RegisterUserRequest, context: Context
    ) -> bank_pb2.RegisterUserResponse:
        async def work() -> bank_pb2.RegisterUserResponse:
            registration = Registration.parse(request.username, request.password, request.currency)
            result = await user_service.register_user(self.bank.uow, self.bank.passwords, registration)
            return bank_pb2.RegisterUserResponse(user=_user(result.user), account=_balance(result.accounts[0]))

        return await _answer(context, work)

    async def Authenticate(  # gRPC's method name
        self, request: bank_pb2.AuthenticateRequest, context: Context
    ) -> bank_pb2.AuthenticateResponse:
        async def work() -> bank_pb2.AuthenticateResponse:
            user = await user_service.authenticate(
                self.bank.uow, self.bank.passwords, request.username, request.password
            )
            return bank_pb2.AuthenticateResponse(user=_user(user))

        return await _answer(context, work)

    async def GetUser(  # gRPC's method name
        self, request: bank_pb2.GetUserRequest, context: Context
    ) -> bank_pb2.GetUserResponse:
        async def work() -> bank_pb2.GetUserResponse:
            result = await user_service.get_user(self.bank.uow, _required_caller(context))
            return bank_pb2.GetUserResponse(user=_user(result.user), accounts=[_balance(a) for a in result.accounts])

        return await _answer(context, work)

    async def OpenAccount(  # gRPC's method name
        self, request: bank_pb2.OpenAccountRequest, context: Context
    ) -> bank_pb2.OpenAccountResponse:
        async def work() -> bank_pb2.OpenAccountResponse:
            caller = _required_caller(context)
            account = await user_service.open_account(
                self.bank.uow, caller, request.currency, request.provision_username or None
            )
            return bank_pb2.OpenAccountResponse(account=_balance(account))

        return await _answer(context, work)

    async def PlaceHold(  # gRPC's method name
        self, request: bank_pb2.PlaceHoldRequest, context: Context
    ) -> bank_pb2.PlaceHoldResponse:
        async def work() -> bank_pb2.PlaceHoldResponse:
            command = HoldRequest.parse(
                request.account_id,
                request.to_account_id,
                request.amount,
                request.currency,
                request.description,
                request.expires_in_s,
                request.idempotency_key,
            )
            result = await hold_service.place_hold(self.bank.holds_uow, command, _required_caller(context))
            metrics.hold_event("placed", 0 if result.replayed else 1)
            return bank_pb2.PlaceHoldResponse(hold=_hold(result.hold), replayed=result.replayed)

        return await _answer(context, work)

    async def CaptureHold(  # gRPC's method name
        self, request: bank_pb2.CaptureHoldRequest, context: Context
    ) -> bank_pb2.CaptureHoldResponse:
        async def work() -> bank_pb2.CaptureHoldResponse:
            command = CloseRequest.parse(request.hold_id, Action.CAPTURE, request.amount, request.idempotency_key)
            result = await hold_service.close_hold(self.bank.holds_uow, command, _required_caller(context))
            metrics.hold_event("captured", 0 if result.replayed else 1)
            transfer = _transfer(result.transfer) if result.transfer else None
            return bank_pb2.CaptureHoldResponse(hold=_hold(result.hold), transfer=transfer, replayed=result.replayed)

        return await _answer(context, work)

    async def VoidHold(  # gRPC's method name
        self, request: bank_pb2.VoidHoldRequest, context: Context
    ) -> bank_pb2.VoidHoldResponse:
        async def work() -> bank_pb2.VoidHoldResponse:
            command = CloseRequest.parse(request.hold_id, Action.VOID, "", request.idempotency_key)
            result = await hold_service.close_hold(self.bank.holds_uow, command, _required_caller(context))
            metrics.hold_event("voided", 0 if result.replayed else 1)
            return bank_pb2.VoidHoldResponse(hold=_hold(result.hold), replayed=result.replayed)

        return await _answer(context, work)

    async def GetHold(  # gRPC's method name
        self, request: bank_pb2.GetHoldRequest, context: Context
    ) -> bank_pb2.GetHoldResponse:
        async def work() -> bank_pb2.GetHoldResponse:
            hold_id = parse_uuid(request.hold_id, "hold_id")
            hold = await hold_service.get_hold(self.bank.holds_uow, hold_id, _required_caller(context))
            return bank_pb2.GetHoldResponse(hold=_hold(hold))

        return await _answer(context, work)

    async def ListHolds(  # gRPC's method name
        self, request: bank_pb2.ListHoldsRequest, context: Context
    ) -> bank_pb2.ListHoldsResponse:
        async def work() -> bank_pb2.ListHoldsResponse:
            account_id = parse_uuid(request.account_id, "account_id")
            status = holds.parse_status(request.status)
            found = await hold_service.list_holds(self.bank.holds_uow, account_id, status, _required_caller(context))
            return bank_pb2.ListHoldsResponse(holds=[_hold(h) for h in found])

        return await _answer(context, work)


def _caller(context: Context) -> Caller | None:
    """The user the gateway vouches for in the call's metadata (kernel.callers), if any."""
    named = callers.from_metadata(context.invocation_metadata())
    if named is None:
        return None
    subject, role = named
    try:
        return Caller(subject=uuid.UUID(subject), role=Role(role))
    except ValueError:
        raise Unauthenticated(f"the call names no valid user ({callers.SUBJECT}, {callers.ROLE})") from None


def _required_caller(context: Context) -> Caller:
    caller = _caller(context)
    if caller is None:
        raise Unauthenticated(f"this call needs the user it is made for ({callers.SUBJECT} metadata)")
    return caller


async def _answer(context: Context, work: Callable[[], Awaitable[R]]) -> R:
    """Run a use case; a Bank error becomes its gRPC status, anything else INTERNAL (logged)."""
    return await grpc_status.answer(context, work, ServiceError, to_grpc_status, log)


def _transfer(t: Transfer) -> bank_pb2.Transfer:
    return bank_pb2.Transfer(
        transfer_id=str(t.id),
        from_account_id=str(t.from_account_id),
        to_account_id=str(t.to_account_id),
        amount=format_amount(t.amount),
        currency=t.currency,
        description=t.description or "",
        status=t.status,
        created_at=t.created_at.isoformat(),
        kind=t.kind,
        reverses_transfer_id=str(t.reverses_transfer_id or ""),
        hold_id=str(t.hold_id or ""),
    )


def _hold(h: Hold) -> bank_pb2.Hold:
    return bank_pb2.Hold(
        hold_id=str(h.id),
        account_id=str(h.account_id),
        to_account_id=str(h.to_account_id),
        amount=format_amount(h.amount),
        currency=h.currency,
        description=h.description or "",
        status=h.status.value,
        expires_at=h.expires_at.isoformat(),
        created_at=h.created_at.isoformat(),
        captured_amount=format_amount(h.captured_amount) if h.captured_amount is not None else "",
        closed_at=h.closed_at.isoformat() if h.closed_at else "",
        transfer_id=str(h.transfer_id or ""),
    )


def _balance(a: Account) -> bank_pb2.GetBalanceResponse:
    return bank_pb2.GetBalanceResponse(
        account_id=str(a.id),
        balance=format_amount(a.balance),
        currency=a.currency,
        updated_at=a.updated_at.isoformat(),
        held=format_amount(a.held),
        available=format_amount(a.available),
        at=now().isoformat(),  # read just now: the current balance
    )


def _balance_at(b: BalanceAt) -> bank_pb2.GetBalanceResponse:
    return bank_pb2.GetBalanceResponse(
        account_id=str(b.account_id),
        balance=format_amount(b.balance),
        currency=b.currency,
        updated_at=b.updated_at.isoformat(),
        held=format_amount(b.held),
        available=format_amount(b.available),
        at=b.at.isoformat(),
    )


def _statement(s: Statement) -> bank_pb2.GetStatementResponse:
    return bank_pb2.GetStatementResponse(
        account_id=str(s.account_id),
        currency=s.currency,
        from_time=s.period.start.isoformat(),
        to_time=s.period.end.isoformat(),
        opening_balance=format_amount(s.opening_balance),
        closing_balance=format_amount(s.closing_balance),
        total_in=format_amount(s.total_in),
        total_out=format_amount(s.total_out),
        count=len(s.lines),
        lines=[_statement_line(line) for line in s.lines],
    )


def _statement_line(line: StatementLine) -> bank_pb2.StatementLine:
    m = line.movement
    return bank_pb2.StatementLine(
        movement_id=str(m.movement_id),
        kind=m.kind.value,
        amount=format_amount(m.amount),
        direction="debit" if m.is_debit else "credit",
        counterparty_account_id=str(m.counterparty_account_id or ""),
        description=m.description or "",
        occurred_at=m.occurred_at.isoformat(),
        balance_after=format_amount(line.balance_after),
    )


def _user(u: User) -> bank_pb2.User:
    return bank_pb2.User(user_id=str(u.id), username=u.username, role=u.role, created_at=u.created_at.isoformat())


def _deposit(d: Deposit) -> bank_pb2.Deposit:
    return bank_pb2.Deposit(
        deposit_id=str(d.id),
        account_id=str(d.account_id),
        amount=format_amount(d.amount),
        currency=d.currency,
        payment_id=d.payment_id,
        topup_id=d.topup_id,
        created_at=d.created_at.isoformat(),
    )


async def serve(settings: Settings) -> None:
    bank = bootstrap(settings)
    server = new_server()
    metrics.watch_replication_slots(bank.engine)
    metrics.watch_open_holds(bank.engine)
    bank_pb2_grpc.add_BankServiceServicer_to_server(BankServicer(bank), server)
    cleaner = None
    if settings.outbox_retention_hours > 0:
        cleaner = asyncio.create_task(
            outbox_retention.purge_periodically(
                bank.engine,
                timedelta(hours=settings.outbox_retention_hours),
                timedelta(seconds=settings.outbox_purge_interval_s),
            )
        )
    ledger, store = reconciliation_sides(settings, bank.engine)
    jobs: list[asyncio.Task[None]] = []
    if settings.hold_expiry_interval_s > 0:
        expiry = HoldExpiryJob(bank.holds_uow, settings.hold_expiry_interval_s, settings.hold_expiry_batch)
        jobs.append(asyncio.create_task(expiry.run()))

    async def reconcile_continuously(health_servicer: health.aio.HealthServicer) -> None:
        if settings.reconcile_interval_s > 0:
            jobs.append(asyncio.create_task(ReconciliationJob(settings, ledger, store, health_servicer).run()))

    await serve_until_signalled(
        server, f"{settings.host}:{settings.port}", SERVICE_NAME, log, settings, on_started=reconcile_continuously
    )
    for job in jobs:
        job.cancel()
    if cleaner:
        cleaner.cancel()
    store.close()
    await bank.close()


def main() -> None:
    run(serve, get_settings())


if __name__ == "__main__":
    main()
