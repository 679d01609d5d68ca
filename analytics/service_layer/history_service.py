"""Use case: one page of an account's operations, newest first, continued by an opaque page token."""

from dataclasses import dataclass

from analytics.domain import history
from analytics.domain.history import HistoryFilter, Operation
from analytics.domain.page_token import PageTokens
from analytics.service_layer.ports import OperationsRepository


@dataclass(frozen=True)
class OperationsPage:
    operations: list[Operation]
    next_page_token: str  # "" on the last page


async def get_operations(
    repository: OperationsRepository,
    tokens: PageTokens,
    history_filter: HistoryFilter,
    page_size: int,
    page_token: str = "",
) -> OperationsPage:
    size = history.page_size(page_size)
    after = tokens.read(page_token, history_filter) if page_token else None
    page = history.Page.cut(await repository.newest_first(history_filter, after, size + 1), size)
    next_token = tokens.issue(page.next_after, history_filter) if page.next_after else ""
    return OperationsPage(page.operations, next_token)
