"""GET /accounts/{accountId}/balance, now or at a past instant."""

from typing import Annotated

from fastapi import APIRouter, Query

from gateway import schemas
from gateway.deps import AccountId, BankDep
from gateway.problem_details import problem_responses
from gateway.security import User

router = APIRouter(tags=["accounts"])


@router.get(
    "/accounts/{accountId}/balance",
    response_model=schemas.Balance,
    responses=problem_responses(400, 401, 404, 503, 504),
    summary="Balance of an account, now or at a past instant",
    operation_id="getBalance",
)
async def get_balance(
    account_id: AccountId, query: Annotated[schemas.BalanceQuery, Query()], user: User, bank: BankDep
) -> schemas.Balance:
    """The user's own account (an auditor: any). Another user's account answers 404, like one that does not exist. With `at`, the balance at that instant, exact from the ledger: every movement at or before `at` counts, and `held` is what the holds open at `at` reserved. An `at` in the future, malformed or without an offset answers 400; one before the account existed, 0.00. The balance at `to` equals a statement's closing balance for a period ending at `to` plus any movement at exactly `to`."""  # noqa: E501
    return await bank.balance(user, str(account_id), query.at)
