"""GET /accounts/{accountId}/balance."""

from fastapi import APIRouter

from gateway import schemas
from gateway.deps import AccountId, BankDep
from gateway.problem_details import problem_responses
from gateway.security import User

router = APIRouter(tags=["accounts"])


@router.get(
    "/accounts/{accountId}/balance",
    response_model=schemas.Balance,
    responses=problem_responses(400, 401, 404, 503, 504),
    summary="Current balance of an account",
    operation_id="getBalance",
)
async def get_balance(account_id: AccountId, user: User, bank: BankDep) -> schemas.Balance:
    """The user's own account (an auditor: any). Another user's account answers 404, like one that does not exist."""
    return await bank.balance(user, str(account_id))
