"""The gateway's client of the Card Adapter's gRPC API: deadlines, request ids, errors as problems."""

import grpc

from gateway import schemas
from gateway.circuit_breakers import CircuitBreakers
from gateway.grpc_errors import Reply, Req, call, internal_idempotency_key
from generated import card_adapter_pb2, card_adapter_pb2_grpc


class CardAdapterClient:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float, breakers: CircuitBreakers | None = None) -> None:
        self._stub = card_adapter_pb2_grpc.CardAdapterServiceStub(channel)
        self._timeout = timeout_s
        self._breakers = breakers

    async def top_up(
        self, account_id: str, body: schemas.TopUpCreate, idempotency_key: str | None
    ) -> tuple[schemas.TopUp, bool]:
        card = body.card
        request = card_adapter_pb2.ProcessCardTopUpRequest(
            account_id=account_id,
            amount=body.amount,
            currency=body.currency,
            card=card_adapter_pb2.Card(
                number=card.number,
                exp_month=card.exp_month,
                exp_year=card.exp_year,
                cvc=card.cvc,
                holder_name=card.holder_name,
            ),
            idempotency_key=idempotency_key or internal_idempotency_key(),
        )
        reply = await self._call(self._stub.ProcessCardTopUp, request)
        return _topup(reply.topup), reply.replayed and idempotency_key is not None

    async def get(self, account_id: str, topup_id: str) -> schemas.TopUp:
        request = card_adapter_pb2.GetTopUpRequest(account_id=account_id, topup_id=topup_id)
        return _topup((await self._call(self._stub.GetTopUp, request)).topup)

    async def _call(self, method: "grpc.aio.UnaryUnaryMultiCallable[Req, Reply]", request: Req) -> Reply:
        return await call(method, request, self._timeout, "card_adapter", breakers=self._breakers)


def status_url(account_id: str, topup_id: str) -> str:
    return f"/accounts/{account_id}/topups/{topup_id}"


def _topup(t: card_adapter_pb2.TopUp) -> schemas.TopUp:
    return schemas.TopUp(
        topup_id=t.topup_id,
        account_id=t.account_id,
        amount=t.amount,
        currency=t.currency,
        status=t.status,
        reason=t.reason or None,
        state=t.state,
        card_last4=t.card_last4,
        card_brand=t.card_brand,
        payment_id=t.payment_id or None,
        status_url=status_url(t.account_id, t.topup_id),
        created_at=t.created_at,
        updated_at=t.updated_at,
    )
