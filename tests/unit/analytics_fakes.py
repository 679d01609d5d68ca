"""An in-memory operations store for the Analytics use cases, with the same promises as ClickHouse's."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from analytics.domain.account_summary import (
    Counterparty,
    CounterpartyQuery,
    PeriodSummary,
    SummaryQuery,
    day_of,
    period_start,
)
from analytics.domain.errors import StoreUnavailable
from analytics.domain.history import Direction, HistoryFilter, Operation, OperationType, Position

START_US = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)


def operation(
    account_id: uuid.UUID, at_us: int, op_type: OperationType = OperationType.TRANSFER, **fields: object
) -> tuple[uuid.UUID, Operation]:
    values: dict[str, object] = {
        "event_id": uuid.uuid4(),
        "occurred_at_us": at_us,
        "type": op_type,
        "direction": Direction.DEBIT if op_type is OperationType.TRANSFER else Direction.CREDIT,
        "amount": Decimal("10.00"),
        "currency": "RUB",
        "operation_id": str(uuid.uuid4()),
        "counterparty_id": str(uuid.uuid4()) if op_type is OperationType.TRANSFER else None,
        "description": None,
    }
    return account_id, Operation(**{**values, **fields})  # type: ignore[arg-type]


class FakeOperations:
    """Rows per account, duplicates kept (as before a ClickHouse merge); reads return each event once."""

    def __init__(self) -> None:
        self.rows: list[tuple[uuid.UUID, Operation]] = []
        self.down = False
        self.calls: list[tuple[HistoryFilter, Position | None, int]] = []

    def add(self, *rows: tuple[uuid.UUID, Operation]) -> None:
        self.rows.extend(rows)

    async def newest_first(self, history_filter: HistoryFilter, after: Position | None, limit: int) -> list[Operation]:
        self.calls.append((history_filter, after, limit))
        if self.down:
            raise StoreUnavailable("the analytics store is unavailable")
        matching = {
            o.event_id: o
            for account, o in self.rows
            if account == history_filter.account_id and _matches(o, history_filter, after)
        }
        return sorted(matching.values(), key=lambda o: (o.occurred_at_us, o.event_id), reverse=True)[:limit]


def _matches(o: Operation, f: HistoryFilter, after: Position | None) -> bool:
    return (
        (not f.types or o.type in f.types)
        and (f.from_us is None or o.occurred_at_us >= f.from_us)
        and (f.to_us is None or o.occurred_at_us < f.to_us)
        and (after is None or (o.occurred_at_us, o.event_id) < (after.occurred_at_us, after.event_id))
    )


class FakeAnalytics(FakeOperations):
    """FakeOperations that also aggregates, in plain Python over each event once: a second formulation of the
    ClickHouse queries (analytics/adapters/account_analytics_sql.py)."""

    def _events(self, account_id: uuid.UUID, from_us: int, to_us: int) -> list[Operation]:
        if self.down:
            raise StoreUnavailable("the analytics store is unavailable")
        unique = {o.event_id: o for a, o in self.rows if a == account_id and from_us <= o.occurred_at_us < to_us}
        return sorted(unique.values(), key=lambda o: (o.occurred_at_us, o.event_id))

    async def period_summaries(self, query: SummaryQuery) -> list[PeriodSummary]:
        groups: dict[tuple[date, str], list[Operation]] = {}
        for o in self._events(query.account_id, query.from_us, query.to_us):
            groups.setdefault((period_start(day_of(o.occurred_at_us), query.period), o.currency), []).append(o)
        return [
            PeriodSummary(
                start=start,
                period=query.period,
                currency=currency,
                total_in=sum((o.amount for o in ops if o.direction is Direction.CREDIT), Decimal("0.00")),
                total_out=sum((o.amount for o in ops if o.direction is Direction.DEBIT), Decimal("0.00")),
                count_in=sum(o.direction is Direction.CREDIT for o in ops),
                count_out=sum(o.direction is Direction.DEBIT for o in ops),
                largest=max(ops, key=lambda o: (o.amount, o.occurred_at_us, o.event_id)),
            )
            for (start, currency), ops in sorted(groups.items())
        ]

    async def counterparties(self, query: CounterpartyQuery) -> list[Counterparty]:
        groups: dict[tuple[str, str], list[Operation]] = {}
        for o in self._events(query.account_id, query.from_us, query.to_us):
            if o.type is OperationType.TRANSFER and o.counterparty_id:
                groups.setdefault((o.counterparty_id, o.currency), []).append(o)
        found = [
            Counterparty(
                account,
                currency,
                sum((o.amount for o in ops if o.direction is Direction.CREDIT), Decimal("0.00")),
                sum((o.amount for o in ops if o.direction is Direction.DEBIT), Decimal("0.00")),
                len(ops),
            )
            for (account, currency), ops in groups.items()
        ]
        found.sort(key=lambda c: (-c.total, c.account_id, c.currency))
        return found[: query.limit]
