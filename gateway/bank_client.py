"""The gateway's client of the Bank's gRPC API: deadlines, request ids, errors as problems."""

import grpc

from gateway import schemas
from gateway.grpc_errors import call
from generated import bank_pb2, bank_pb2_grpc


class BankClient:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float) -> None:
        self._stub = bank_pb2_grpc.BankServiceStub(channel)
        self._timeout = timeout_s

    async def transfer(
        self, account_id: str, body: schemas.TransferCreate, idempotency_key: str | None
    ) -> tuple[schemas.Transfer, bool]:
        request = bank_pb2.TransferMoneyRequest(
            from_account_id=account_id,
            to_account_id=str(body.to_account_id),
            amount=body.amount,
            currency=body.currency,
            description=body.description or "",
            idempotency_key=idempotency_key or "",
        )
        reply = await self._call(self._stub.TransferMoney, request)
        t = reply.transfer
        transfer = schemas.Transfer(
            transfer_id=t.transfer_id,
            from_account_id=t.from_account_id,
            to_account_id=t.to_account_id,
            amount=t.amount,
            currency=t.currency,
            description=t.description or None,
            status=t.status,
            created_at=t.created_at,
        )
        return transfer, reply.replayed

    async def balance(self, account_id: str) -> schemas.Balance:
        reply = await self._call(self._stub.GetBalance, bank_pb2.GetBalanceRequest(account_id=account_id))
        return schemas.Balance(
            account_id=reply.account_id, balance=reply.balance, currency=reply.currency, updated_at=reply.updated_at
        )

    async def _call(self, method, request):  # type: ignore[no-untyped-def]
        return await call(method, request, self._timeout, "bank")
