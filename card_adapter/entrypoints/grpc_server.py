"""The Card Adapter's gRPC server: CardAdapterService plus the standard health service."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from card_adapter import metrics
from card_adapter.bootstrap import CardAdapter, bootstrap
from card_adapter.config import Settings, get_settings
from card_adapter.domain.card import Card
from card_adapter.domain.topup import TopUp, TopUpRequest, today
from card_adapter.entrypoints.grpc_errors import to_grpc_status
from card_adapter.service_layer import topup_service
from generated import card_adapter_pb2, card_adapter_pb2_grpc
from kernel import grpc_status
from kernel.errors import ServiceError
from kernel.grpc_server import new_server, run, serve_until_signalled
from kernel.grpc_status import Context
from kernel.ids import parse_uuid
from kernel.money import format_amount

log = logging.getLogger("card_adapter")
SERVICE_NAME = "wallet.card_adapter.v1.CardAdapterService"
R = TypeVar("R")
DEADLINE_MARGIN_S = 0.5


class CardAdapterServicer(card_adapter_pb2_grpc.CardAdapterServiceServicer):
    def __init__(self, adapter: CardAdapter) -> None:
        self.adapter = adapter

    async def ProcessCardTopUp(  # gRPC's method name
        self, request: card_adapter_pb2.ProcessCardTopUpRequest, context: Context
    ) -> card_adapter_pb2.ProcessCardTopUpResponse:
        answer_by = time.monotonic() + _answer_within(self.adapter.settings.respond_within_s, context)

        async def work() -> card_adapter_pb2.ProcessCardTopUpResponse:
            c = request.card
            card = Card.parse(c.number, c.exp_month, c.exp_year, c.cvc, c.holder_name, today())
            command = TopUpRequest.parse(
                request.account_id, request.amount, request.currency, card, request.idempotency_key
            )
            topup, replayed = await topup_service.accept_topup(self.adapter.uow, self.adapter.bank, command)
            if replayed:
                metrics.topup_replayed()
            else:
                self.adapter.workers.start(topup.id, card)
            settled = await self.adapter.workers.wait_decided(topup.id, answer_by - time.monotonic())
            return card_adapter_pb2.ProcessCardTopUpResponse(topup=_topup(settled or topup), replayed=replayed)

        return await _answer(context, work)

    async def GetTopUp(  # gRPC's method name
        self, request: card_adapter_pb2.GetTopUpRequest, context: Context
    ) -> card_adapter_pb2.GetTopUpResponse:
        async def work() -> card_adapter_pb2.GetTopUpResponse:
            topup = await topup_service.get_topup(
                self.adapter.uow, parse_uuid(request.account_id, "account_id"), parse_uuid(request.topup_id, "topup_id")
            )
            return card_adapter_pb2.GetTopUpResponse(topup=_topup(topup))

        return await _answer(context, work)


def _answer_within(respond_within_s: float, context: Context) -> float:
    """Seconds left to answer: the setting, but never past the caller's deadline (minus a margin for the reply)."""
    remaining: float | None = context.time_remaining()  # None without a deadline, whatever grpc's stubs say
    return respond_within_s if remaining is None else max(0.0, min(respond_within_s, remaining - DEADLINE_MARGIN_S))


async def _answer(context: Context, work: Callable[[], Awaitable[R]]) -> R:
    return await grpc_status.answer(context, work, ServiceError, to_grpc_status, log)


def _topup(t: TopUp) -> card_adapter_pb2.TopUp:
    return card_adapter_pb2.TopUp(
        topup_id=str(t.id),
        account_id=str(t.account_id),
        amount=format_amount(t.amount),
        currency=t.currency,
        status=t.status,
        state=t.state.value,
        reason=t.reason or "",
        card_last4=t.card_last4,
        card_brand=t.card_brand,
        payment_id=t.charge_id or "",
        created_at=t.created_at.isoformat(),
        updated_at=t.updated_at.isoformat(),
    )


async def serve(settings: Settings) -> None:
    adapter = bootstrap(settings)
    try:
        # Before the server takes requests, so that no fresh top-up is mistaken for an interrupted one.
        log.info("resumed %d unfinished top-ups", await adapter.workers.resume_unfinished())
    except ServiceError as error:
        log.warning("could not resume unfinished top-ups yet (%s); the sweep will", error.message)
    sweeper = asyncio.create_task(adapter.workers.sweep_forever(settings.sweep_interval_s))
    server = new_server()
    metrics.watch_pending(adapter.uow)
    card_adapter_pb2_grpc.add_CardAdapterServiceServicer_to_server(CardAdapterServicer(adapter), server)
    try:
        await serve_until_signalled(server, f"{settings.host}:{settings.port}", SERVICE_NAME, log, settings)
    finally:
        sweeper.cancel()
        await adapter.close()


def main() -> None:
    run(serve, get_settings())


if __name__ == "__main__":
    main()
