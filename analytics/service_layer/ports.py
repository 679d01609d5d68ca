"""What the use cases need from the analytics store."""

from typing import Protocol

from analytics.domain.history import HistoryFilter, Operation, Position


class OperationsRepository(Protocol):
    async def newest_first(self, history_filter: HistoryFilter, after: Position | None, limit: int) -> list[Operation]:
        """At most `limit` operations matching the filter, strictly older than `after`, newest first,
        each event once even when the store still holds duplicate deliveries of it.
        Raises StoreUnavailable (or StoreTimeout) when the store cannot answer."""
        ...
