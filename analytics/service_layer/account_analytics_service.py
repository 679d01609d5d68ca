"""Use cases: an account's summary per period and its top counterparties, aggregated by the analytics store."""

from analytics.domain.account_summary import Counterparty, CounterpartyQuery, PeriodSummary, SummaryQuery
from analytics.service_layer.ports import AccountAnalyticsRepository


async def summarize(repository: AccountAnalyticsRepository, query: SummaryQuery) -> list[PeriodSummary]:
    return await repository.period_summaries(query)


async def top_counterparties(repository: AccountAnalyticsRepository, query: CounterpartyQuery) -> list[Counterparty]:
    return await repository.counterparties(query)
