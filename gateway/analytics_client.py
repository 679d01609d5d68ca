"""The gateway's client of the Analytics gRPC API: operation history pages and account analytics, errors as
problems."""

from datetime import datetime

import grpc

from gateway import schemas
from gateway.circuit_breakers import CircuitBreakers
from gateway.grpc_errors import call
from generated import analytics_pb2, analytics_pb2_grpc

TYPES = {"transfer": analytics_pb2.OPERATION_TYPE_TRANSFER, "topup": analytics_pb2.OPERATION_TYPE_TOPUP}
TYPE_NAMES = {proto: name for name, proto in TYPES.items()}
PERIODS = {"day": analytics_pb2.PERIOD_DAY, "week": analytics_pb2.PERIOD_WEEK, "month": analytics_pb2.PERIOD_MONTH}
DIRECTIONS = {analytics_pb2.DIRECTION_DEBIT: "debit", analytics_pb2.DIRECTION_CREDIT: "credit"}


TimeBounded = (
    analytics_pb2.GetOperationsRequest
    | analytics_pb2.GetAccountSummaryRequest
    | analytics_pb2.GetTopCounterpartiesRequest
)


class AnalyticsClient:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float, breakers: CircuitBreakers | None = None) -> None:
        self._stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
        self._timeout = timeout_s
        self._breakers = breakers

    async def operations(self, account_id: str, query: schemas.OperationsQuery) -> schemas.OperationsPage:
        request = analytics_pb2.GetOperationsRequest(
            account_id=account_id,
            page_size=query.limit,
            page_token=query.cursor or "",
            types=[TYPES[t] for t in query.types],
        )
        _set_time(request, "from_time", query.start)
        _set_time(request, "to_time", query.end)
        reply = await call(self._stub.GetOperations, request, self._timeout, "analytics", breakers=self._breakers)
        return schemas.OperationsPage(
            items=[_item(o) for o in reply.operations], next_cursor=reply.next_page_token or None
        )

    async def summary(self, account_id: str, query: schemas.SummaryQuery) -> schemas.AccountSummary:
        request = analytics_pb2.GetAccountSummaryRequest(account_id=account_id, period=PERIODS[query.period])
        _set_time(request, "from_time", query.start)
        _set_time(request, "to_time", query.end)
        reply = await call(self._stub.GetAccountSummary, request, self._timeout, "analytics", breakers=self._breakers)
        return schemas.AccountSummary(periods=[_period(p) for p in reply.periods])

    async def counterparties(self, account_id: str, query: schemas.CounterpartiesQuery) -> schemas.Counterparties:
        request = analytics_pb2.GetTopCounterpartiesRequest(account_id=account_id, limit=query.limit)
        _set_time(request, "from_time", query.start)
        _set_time(request, "to_time", query.end)
        reply = await call(
            self._stub.GetTopCounterparties, request, self._timeout, "analytics", breakers=self._breakers
        )
        return schemas.Counterparties(
            items=[
                schemas.Counterparty(
                    account_id=c.account_id,
                    currency=c.currency,
                    total_in=c.total_in,
                    total_out=c.total_out,
                    count=c.count,
                )
                for c in reply.counterparties
            ]
        )


def _set_time(request: TimeBounded, field: str, value: datetime | None) -> None:
    if value is not None:
        getattr(request, field).FromDatetime(value)


def _item(o: analytics_pb2.Operation) -> schemas.Operation:
    return schemas.Operation(
        event_id=o.event_id,
        type=TYPE_NAMES[o.type],
        direction=DIRECTIONS[o.direction],
        amount=o.amount,
        currency=o.currency,
        occurred_at=o.occurred_at,
        counterparty_account_id=o.counterparty_account_id or None,
        operation_id=o.operation_id,
        description=o.description or None,
        kind=o.kind or TYPE_NAMES[o.type],
        reverses_operation_id=o.reverses_operation_id or None,
        hold_id=o.hold_id or None,
    )


def _period(p: analytics_pb2.PeriodSummary) -> schemas.PeriodSummary:
    return schemas.PeriodSummary(
        period_start=p.period_start,
        period_end=p.period_end,
        currency=p.currency,
        total_in=p.total_in,
        total_out=p.total_out,
        count=p.count,
        count_in=p.count_in,
        count_out=p.count_out,
        largest_operation=_item(p.largest_operation),
    )
