"""The Analytics gRPC server: AnalyticsService plus the standard health service."""

import asyncio
import logging
from typing import Literal

from grpc_health.v1 import health

from analytics import metrics
from analytics.bootstrap import Analytics, bootstrap
from analytics.config import Settings, get_settings
from analytics.domain.account_summary import Counterparty, CounterpartyQuery, Period, PeriodSummary, SummaryQuery
from analytics.domain.history import Direction, HistoryFilter, Operation, OperationType, microseconds
from analytics.entrypoints.grpc_errors import to_grpc_status
from analytics.entrypoints.ingestion_health import IngestionHealth
from analytics.service_layer import account_analytics_service, history_service
from generated import analytics_pb2, analytics_pb2_grpc
from kernel import grpc_status
from kernel.errors import InvalidRequest, ServiceError
from kernel.grpc_server import new_server, run, serve_until_signalled
from kernel.grpc_status import Context
from kernel.money import format_amount

log = logging.getLogger("analytics")
SERVICE_NAME = "wallet.analytics.v1.AnalyticsService"

PROTO_TYPES: dict[OperationType, "analytics_pb2.OperationType.ValueType"] = {
    OperationType.TRANSFER: analytics_pb2.OPERATION_TYPE_TRANSFER,
    OperationType.TOPUP: analytics_pb2.OPERATION_TYPE_TOPUP,
}
TYPES: dict[int, OperationType] = {proto: domain for domain, proto in PROTO_TYPES.items()}
PERIODS: dict[int, Period] = {
    analytics_pb2.PERIOD_DAY: Period.DAY,
    analytics_pb2.PERIOD_WEEK: Period.WEEK,
    analytics_pb2.PERIOD_MONTH: Period.MONTH,
}
TimeBounded = (
    analytics_pb2.GetOperationsRequest
    | analytics_pb2.GetAccountSummaryRequest
    | analytics_pb2.GetTopCounterpartiesRequest
)
PROTO_DIRECTIONS = {Direction.DEBIT: analytics_pb2.DIRECTION_DEBIT, Direction.CREDIT: analytics_pb2.DIRECTION_CREDIT}


class AnalyticsServicer(analytics_pb2_grpc.AnalyticsServiceServicer):
    def __init__(self, analytics: Analytics) -> None:
        self.analytics = analytics

    async def GetOperations(  # gRPC's method name
        self, request: analytics_pb2.GetOperationsRequest, context: Context
    ) -> analytics_pb2.GetOperationsResponse:
        async def work() -> analytics_pb2.GetOperationsResponse:
            history_filter = HistoryFilter.parse(
                request.account_id,
                [_type(t) for t in request.types],
                _bound(request, "from_time"),
                _bound(request, "to_time"),
            )
            page = await history_service.get_operations(
                self.analytics.operations, self.analytics.tokens, history_filter, request.page_size, request.page_token
            )
            return analytics_pb2.GetOperationsResponse(
                operations=[to_proto(o) for o in page.operations], next_page_token=page.next_page_token
            )

        return await grpc_status.answer(context, work, ServiceError, to_grpc_status, log)

    async def GetAccountSummary(  # gRPC's method name
        self, request: analytics_pb2.GetAccountSummaryRequest, context: Context
    ) -> analytics_pb2.GetAccountSummaryResponse:
        async def work() -> analytics_pb2.GetAccountSummaryResponse:
            period = PERIODS.get(request.period)
            bounds = _bound(request, "from_time"), _bound(request, "to_time")
            query = SummaryQuery.parse(request.account_id, period, *bounds)
            summaries = await account_analytics_service.summarize(self.analytics.operations, query)
            return analytics_pb2.GetAccountSummaryResponse(periods=[summary_to_proto(s) for s in summaries])

        return await grpc_status.answer(context, work, ServiceError, to_grpc_status, log)

    async def GetTopCounterparties(  # gRPC's method name
        self, request: analytics_pb2.GetTopCounterpartiesRequest, context: Context
    ) -> analytics_pb2.GetTopCounterpartiesResponse:
        async def work() -> analytics_pb2.GetTopCounterpartiesResponse:
            query = CounterpartyQuery.parse(
                request.account_id, _bound(request, "from_time"), _bound(request, "to_time"), request.limit
            )
            found = await account_analytics_service.top_counterparties(self.analytics.operations, query)
            return analytics_pb2.GetTopCounterpartiesResponse(counterparties=[counterparty_to_proto(c) for c in found])

        return await grpc_status.answer(context, work, ServiceError, to_grpc_status, log)


def _type(value: int) -> OperationType:
    if value not in TYPES:
        raise InvalidRequest(f"unknown operation type {value} in types")
    return TYPES[value]


def _bound(request: TimeBounded, field: Literal["from_time", "to_time"]) -> int | None:
    if not request.HasField(field):
        return None
    timestamp = getattr(request, field)
    return microseconds(timestamp.seconds, timestamp.nanos)


def to_proto(o: Operation) -> analytics_pb2.Operation:
    return analytics_pb2.Operation(
        event_id=str(o.event_id),
        type=PROTO_TYPES[o.type],
        direction=PROTO_DIRECTIONS[o.direction],
        amount=format_amount(o.amount),
        currency=o.currency,
        occurred_at=o.occurred_at.isoformat(timespec="microseconds"),
        counterparty_account_id=o.counterparty_id or "",
        operation_id=o.operation_id,
        description=o.description or "",
        kind=o.kind or o.type.value,
        reverses_operation_id=o.reverses_operation_id or "",
        hold_id=o.hold_id or "",
    )


def summary_to_proto(s: PeriodSummary) -> analytics_pb2.PeriodSummary:
    return analytics_pb2.PeriodSummary(
        period_start=s.start.isoformat(),
        period_end=s.end.isoformat(),
        currency=s.currency,
        total_in=format_amount(s.total_in),
        total_out=format_amount(s.total_out),
        count=s.count,
        count_in=s.count_in,
        count_out=s.count_out,
        largest_operation=to_proto(s.largest),
    )


def counterparty_to_proto(c: Counterparty) -> analytics_pb2.Counterparty:
    return analytics_pb2.Counterparty(
        account_id=c.account_id,
        currency=c.currency,
        total_in=format_amount(c.total_in),
        total_out=format_amount(c.total_out),
        count=c.count,
    )


async def serve(settings: Settings) -> None:
    analytics = bootstrap(settings)
    server = new_server()
    analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server(AnalyticsServicer(analytics), server)
    monitors: list[asyncio.Task[None]] = []

    async def watch_ingestion(health_servicer: health.aio.HealthServicer) -> None:
        ingestion = IngestionHealth(settings, health_servicer)
        metrics.watch_pipeline(analytics.operations.ingestion_lag_s, ingestion.oldest_waiting_s)
        monitors.append(asyncio.create_task(ingestion.run()))

    try:
        await serve_until_signalled(
            server, f"{settings.host}:{settings.port}", SERVICE_NAME, log, settings, on_started=watch_ingestion
        )
    finally:
        for monitor in monitors:
            monitor.cancel()
        analytics.close()


def main() -> None:
    run(serve, get_settings())


if __name__ == "__main__":
    main()
