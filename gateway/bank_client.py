"""The gateway's client of the Bank's gRPC API: deadlines, request ids, the caller, errors as problems."""

from datetime import datetime

import grpc

from gateway import schemas
from gateway.access_tokens import Principal
from gateway.circuit_breakers import CircuitBreakers
from gateway.grpc_errors import Reply, Req, call, internal_idempotency_key
from generated import bank_pb2, bank_pb2_grpc


class BankClient:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float, breakers: CircuitBreakers | None = None) -> None:
        self._stub = bank_pb2_grpc.BankServiceStub(channel)
        self._timeout = timeout_s
        self._breakers = breakers

    async def transfer(
        self, caller: Principal, account_id: str, body: schemas.TransferCreate, idempotency_key: str | None
    ) -> tuple[schemas.Transfer, bool]:
        request = bank_pb2.TransferMoneyRequest(
            from_account_id=account_id,
            to_account_id=str(body.to_account_id),
            amount=body.amount,
            currency=body.currency,
            description=body.description or "",
            idempotency_key=idempotency_key or internal_idempotency_key(),
        )
        reply = await self._call(self._stub.TransferMoney, request, caller)
        transfer = transfer_of(reply.transfer)
        # A replay of the key we minted is our own retry of this request: for the client it is the first answer.
        return transfer, reply.replayed and idempotency_key is not None

    async def balance(self, caller: Principal, account_id: str, at: datetime | None = None) -> schemas.Balance:
        """The account (at `at`, else now) if `caller` may read it; else 404, as for an account that does not exist."""
        request = bank_pb2.GetBalanceRequest(account_id=account_id, at=at.isoformat() if at else "")
        return _balance(await self._call(self._stub.GetBalance, request, caller))

    async def statement(self, caller: Principal, account_id: str, query: schemas.StatementQuery) -> schemas.Statement:
        request = bank_pb2.GetStatementRequest(
            account_id=account_id, from_time=query.start.isoformat(), to_time=query.end.isoformat()
        )
        return _statement(await self._call(self._stub.GetStatement, request, caller))

    async def reverse(
        self, caller: Principal, transfer_id: str, body: schemas.ReversalCreate, idempotency_key: str | None
    ) -> tuple[schemas.Transfer, bool]:
        request = bank_pb2.ReverseTransferRequest(
            transfer_id=transfer_id,
            amount=body.amount or "",
            description=body.description or "",
            idempotency_key=idempotency_key or internal_idempotency_key(),
        )
        reply = await self._call(self._stub.ReverseTransfer, request, caller)
        # As for a transfer: a replay of the key we minted is our own retry, the first answer for the client.
        return transfer_of(reply.transfer), reply.replayed and idempotency_key is not None

    async def transfer_by_id(self, caller: Principal, transfer_id: str) -> schemas.TransferWithReversal:
        """The transfer if `caller` may read one of its accounts; else 404, as for a transfer that does not exist."""
        reply = await self._call(self._stub.GetTransfer, bank_pb2.GetTransferRequest(transfer_id=transfer_id), caller)
        return schemas.TransferWithReversal(
            **transfer_of(reply.transfer).model_dump(), reversed_by_transfer_id=reply.reversed_by_transfer_id or None
        )

    async def register(self, body: schemas.UserCreate) -> schemas.UserProfile:
        request = bank_pb2.RegisterUserRequest(username=body.username, password=body.password, currency=body.currency)
        reply = await self._call(self._stub.RegisterUser, request)
        return _profile(reply.user, [reply.account])

    async def authenticate(self, username: str, password: str) -> bank_pb2.User:
        request = bank_pb2.AuthenticateRequest(username=username, password=password)
        return (await self._call(self._stub.Authenticate, request)).user

    async def user(self, caller: Principal) -> schemas.UserProfile:
        reply = await self._call(self._stub.GetUser, bank_pb2.GetUserRequest(), caller)
        return _profile(reply.user, reply.accounts)

    async def open_account(self, caller: Principal, body: schemas.AccountCreate) -> schemas.Balance:
        request = bank_pb2.OpenAccountRequest(
            currency=body.currency, provision_username=caller.provision_username or ""
        )
        return _balance((await self._call(self._stub.OpenAccount, request, caller)).account)

    async def place_hold(
        self, caller: Principal, account_id: str, body: schemas.HoldCreate, idempotency_key: str | None
    ) -> tuple[schemas.Hold, bool]:
        request = bank_pb2.PlaceHoldRequest(
            account_id=account_id,
            to_account_id=str(body.to_account_id),
            amount=body.amount,
            currency=body.currency,
            description=body.description or "",
            expires_in_s=body.expires_in_s,
            idempotency_key=idempotency_key or internal_idempotency_key(),
        )
        reply = await self._call(self._stub.PlaceHold, request, caller)
        # As for a transfer: a replay of the key we minted is our own retry, the first answer for the client.
        return hold_of(reply.hold), reply.replayed and idempotency_key is not None

    async def capture_hold(
        self, caller: Principal, hold_id: str, body: schemas.HoldCapture, idempotency_key: str | None
    ) -> tuple[schemas.Hold, bool]:
        request = bank_pb2.CaptureHoldRequest(
            hold_id=hold_id, amount=body.amount or "", idempotency_key=idempotency_key or internal_idempotency_key()
        )
        reply = await self._call(self._stub.CaptureHold, request, caller)
        return hold_of(reply.hold), reply.replayed and idempotency_key is not None

    async def void_hold(
        self, caller: Principal, hold_id: str, idempotency_key: str | None
    ) -> tuple[schemas.Hold, bool]:
        request = bank_pb2.VoidHoldRequest(
            hold_id=hold_id, idempotency_key=idempotency_key or internal_idempotency_key()
        )
        reply = await self._call(self._stub.VoidHold, request, caller)
        return hold_of(reply.hold), reply.replayed and idempotency_key is not None

    async def hold(self, caller: Principal, hold_id: str) -> schemas.Hold:
        reply = await self._call(self._stub.GetHold, bank_pb2.GetHoldRequest(hold_id=hold_id), caller)
        return hold_of(reply.hold)

    async def holds(self, caller: Principal, account_id: str, status: str | None) -> schemas.HoldList:
        request = bank_pb2.ListHoldsRequest(account_id=account_id, status=status or "")
        reply = await self._call(self._stub.ListHolds, request, caller)
        return schemas.HoldList(items=[hold_of(h) for h in reply.holds])

    async def _call(
        self, method: "grpc.aio.UnaryUnaryMultiCallable[Req, Reply]", request: Req, caller: Principal | None = None
    ) -> Reply:
        return await call(method, request, self._timeout, "bank", caller, self._breakers)


def transfer_of(t: bank_pb2.Transfer) -> schemas.Transfer:
    return schemas.Transfer(
        transfer_id=t.transfer_id,
        from_account_id=t.from_account_id,
        to_account_id=t.to_account_id,
        amount=t.amount,
        currency=t.currency,
        description=t.description or None,
        status=t.status,
        created_at=t.created_at,
        kind=t.kind or "transfer",
        reverses_transfer_id=t.reverses_transfer_id or None,
        hold_id=t.hold_id or None,
    )


def hold_of(h: bank_pb2.Hold) -> schemas.Hold:
    return schemas.Hold(
        hold_id=h.hold_id,
        account_id=h.account_id,
        to_account_id=h.to_account_id,
        amount=h.amount,
        currency=h.currency,
        description=h.description or None,
        status=h.status,
        expires_at=h.expires_at,
        created_at=h.created_at,
        captured_amount=h.captured_amount or None,
        closed_at=h.closed_at or None,
        transfer_id=h.transfer_id or None,
    )


def _balance(reply: bank_pb2.GetBalanceResponse) -> schemas.Balance:
    return schemas.Balance(
        account_id=reply.account_id,
        balance=reply.balance,
        held=reply.held or "0.00",
        available=reply.available or reply.balance,
        currency=reply.currency,
        updated_at=reply.updated_at,
        at=reply.at or reply.updated_at,
    )


def _statement(reply: bank_pb2.GetStatementResponse) -> schemas.Statement:
    return schemas.Statement(
        account_id=reply.account_id,
        currency=reply.currency,
        start=reply.from_time,
        end=reply.to_time,
        opening_balance=reply.opening_balance,
        closing_balance=reply.closing_balance,
        total_in=reply.total_in,
        total_out=reply.total_out,
        count=reply.count,
        operations=[
            schemas.StatementLine(
                movement_id=line.movement_id,
                kind=line.kind,
                amount=line.amount,
                direction=line.direction,
                counterparty_account_id=line.counterparty_account_id or None,
                description=line.description or None,
                occurred_at=line.occurred_at,
                balance_after=line.balance_after,
            )
            for line in reply.lines
        ],
    )


def _profile(user: bank_pb2.User, accounts) -> schemas.UserProfile:
    return schemas.UserProfile(
        user_id=user.user_id,
        username=user.username,
        role=user.role,
        created_at=user.created_at,
        accounts=[_balance(a) for a in accounts],
    )
