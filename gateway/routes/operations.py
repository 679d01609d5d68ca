"""GET /accounts/{accountId}/operations."""

from typing import Annotated

from fastapi import APIRouter, Query

from gateway import schemas
from gateway.account_reads import for_reader
from gateway.deps import AccountId, AnalyticsDep, BankDep
from gateway.problem_details import problem_responses
from gateway.security import User

router = APIRouter(tags=["operations"])


@router.get(
    "/accounts/{accountId}/operations",
    response_model=schemas.OperationsPage,
    responses=problem_responses(400, 401, 404, 503, 504),
    summary="Operation history of an account, newest first",
    operation_id="listOperations",
)
async def list_operations(
    account_id: AccountId,
    query: Annotated[schemas.OperationsQuery, Query()],
    user: User,
    bank: BankDep,
    analytics: AnalyticsDep,
) -> schemas.OperationsPage:
    """Transfers and top-ups of the account, newest first, one page at a time: follow `next_cursor` until it is null. Pages are keyset-based, so operations made meanwhile neither shift nor repeat the pages still to come (they appear at the top of a new walk). An operation shows here once the event pipeline has delivered it, usually within seconds."""  # noqa: E501
    return await for_reader(bank, user, str(account_id), analytics.operations(str(account_id), query))
