"""The Card Adapter's client of the Bank's gRPC API, and what each failure means for the money."""

import asyncio
import uuid

import grpc

from card_adapter.domain.outcomes import DepositNotSent, DepositOutcomeUnknown, DepositRejected
from card_adapter.domain.topup import TopUp
from generated import bank_pb2, bank_pb2_grpc
from kernel.errors import AccountNotFound, CurrencyMismatch
from kernel.grpc_status import error_reason
from kernel.money import format_amount
from kernel.reasons import Reason

# The Bank refuses these for good; it checks the payment id first, so a refusal also means "not credited".
FINAL_REJECTIONS = {
    Reason.INVALID_AMOUNT,
    Reason.INVALID_CURRENCY,
    Reason.INVALID_REQUEST,
    Reason.ACCOUNT_NOT_FOUND,
    Reason.CURRENCY_MISMATCH,
}


class GrpcBank:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float) -> None:
        self._channel = channel
        self._stub = bank_pb2_grpc.BankServiceStub(channel)
        self._timeout = timeout_s

    async def check_account(self, account_id: uuid.UUID, currency: str) -> None:
        try:
            reply = await self._stub.GetBalance(
                bank_pb2.GetBalanceRequest(account_id=str(account_id)), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error_reason(error) == Reason.ACCOUNT_NOT_FOUND:
                raise AccountNotFound(f"account {account_id} does not exist") from None
            return  # the Bank cannot say now; the deposit step retries and refunds if it must
        if reply.currency != currency:
            raise CurrencyMismatch(f"account {account_id} holds {reply.currency}, the top-up is in {currency}")

    async def deposit(self, topup: TopUp) -> None:
        request = bank_pb2.DepositMoneyRequest(
            account_id=str(topup.account_id),
            amount=format_amount(topup.amount),
            currency=topup.currency,
            payment_id=topup.charge_id or "",
            topup_id=str(topup.id),
            card_last4=topup.card_last4,
            card_brand=topup.card_brand,
        )
        # Sent only over a READY channel, so "never READY" proves "never sent" without reading grpcio's wording of an
        # error. Any failure after the check counts as maybe sent, even a connection lost before the call left.
        if not await self._connected():
            raise DepositNotSent(f"no connection to the Bank within {self._timeout}s")
        try:
            await self._stub.DepositMoney(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            raise deposit_failure(error) from None

    async def _connected(self) -> bool:
        """Whether the channel is READY, or becomes so within the timeout (it connects if idle)."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._channel.channel_ready()
        except TimeoutError:
            return False
        return True


def deposit_failure(error: grpc.aio.AioRpcError) -> Exception:
    """DepositRejected, or DepositOutcomeUnknown: the call left over a connected channel, so even UNAVAILABLE (the
    connection reset mid-call) may come after the Bank got it; only a retry, idempotent by payment id, can tell."""
    reason = error_reason(error)
    if reason in FINAL_REJECTIONS:
        return DepositRejected(reason.lower())
    return DepositOutcomeUnknown(f"{error.code().name}: {error.details()}")
