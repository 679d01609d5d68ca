"""GET /accounts/{accountId}/analytics/summary and /analytics/counterparties: aggregates of an account's operations."""

from typing import Annotated

from fastapi import APIRouter, Query

from gateway import schemas
from gateway.account_reads import for_reader
from gateway.deps import AccountId, AnalyticsDep, BankDep
from gateway.problem_details import problem_responses
from gateway.security import User

router = APIRouter(tags=["analytics"])


@router.get(
    "/accounts/{accountId}/analytics/summary",
    response_model=schemas.AccountSummary,
    responses=problem_responses(400, 401, 404, 503, 504),
    summary="An account's totals in and out, counts and largest operation per day, week or month",
    operation_id="getAccountSummary",
)
async def account_summary(
    account_id: AccountId,
    query: Annotated[schemas.SummaryQuery, Query()],
    user: User,
    bank: BankDep,
    analytics: AnalyticsDep,
) -> schemas.AccountSummary:
    """Per calendar period (UTC) with operations in [from, to): what came in, what went out, how many operations and the largest one, each operation counted once. Computed from the operation history, so an operation counts here once the event pipeline has delivered it, usually within seconds."""  # noqa: E501
    return await for_reader(bank, user, str(account_id), analytics.summary(str(account_id), query))


@router.get(
    "/accounts/{accountId}/analytics/counterparties",
    response_model=schemas.Counterparties,
    responses=problem_responses(400, 401, 404, 503, 504),
    summary="The accounts an account exchanged the most money with",
    operation_id="listTopCounterparties",
)
async def top_counterparties(
    account_id: AccountId,
    query: Annotated[schemas.CounterpartiesQuery, Query()],
    user: User,
    bank: BankDep,
    analytics: AnalyticsDep,
) -> schemas.Counterparties:
    """The accounts with the largest transfers in + out with this one over [from, to), largest first."""
    return await for_reader(bank, user, str(account_id), analytics.counterparties(str(account_id), query))
