"""What the use cases need from the analytics store."""

from typing import Protocol

from analytics.domain.account_summary import Counterparty, CounterpartyQuery, PeriodSummary, SummaryQuery
from analytics.domain.history import HistoryFilter, Operation, Position


class OperationsRepository(Protocol):
    async def newest_first(self, history_filter: HistoryFilter, after: Position | None, limit: int) -> list[Operation]:
        """At most `limit` operations matching the filter, strictly older than `after`, newest first,
        each event once even when the store still holds duplicate deliveries of it.
        Raises StoreUnavailable (or StoreTimeout) when the store cannot answer."""
        ...


class AccountAnalyticsRepository(Protocol):
    async def period_summaries(self, query: SummaryQuery) -> list[PeriodSummary]:
        """Per period and currency with operations in the query's range, oldest first, each event counted once even
        when the store still holds duplicate deliveries of it. Raises StoreUnavailable (or StoreTimeout)."""
        ...

    async def counterparties(self, query: CounterpartyQuery) -> list[Counterparty]:
        """The query's `limit` counterparties with the largest in + out over its range, largest first (ties by account
        id), each event counted once. Raises StoreUnavailable (or StoreTimeout)."""
        ...
