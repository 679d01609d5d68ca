"""GET /accounts/{accountId}/statement: an account's movements over a period, from the Bank's ledger."""

from typing import Annotated

from fastapi import APIRouter, Query

from gateway import schemas
from gateway.deps import AccountId, BankDep
from gateway.problem_details import problem_responses
from gateway.security import User

router = APIRouter(tags=["accounts"])


@router.get(
    "/accounts/{accountId}/statement",
    response_model=schemas.Statement,
    responses=problem_responses(400, 401, 404, 503, 504),
    summary="Statement of an account over [from, to): opening balance, operations, closing balance, totals",
    operation_id="getStatement",
)
async def get_statement(
    account_id: AccountId, query: Annotated[schemas.StatementQuery, Query()], user: User, bank: BankDep
) -> schemas.Statement:
    """Exact from the Bank's ledger (not the operation history's copy), with the same readers as the balance. The period is half-open: movements at or after `from` and before `to`, oldest first, each with the balance after it. So `opening_balance` is the balance just before `from`, `closing_balance` the balance just before `to` (GET …/balance?at=`to` less any movement at exactly `to`), and consecutive statements [a, b), [b, c) list every movement once. `to` must not be in the future and at most 366 days after `from`; a period of more than 1000 operations answers 400 (ask for a narrower one)."""  # noqa: E501
    return await bank.statement(user, str(account_id), query)
