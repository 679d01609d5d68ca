"""GET /accounts/{accountId}/balance."""

from fastapi import APIRouter

from gateway import schemas
from gateway.deps import AccountId, BankDep
from gateway.problem_details import problem_responses

router = APIRouter(tags=["accounts"])


@router.get(
    "/accounts/{accountId}/balance",
    response_model=schemas.Balance,
    responses=problem_responses(400, 404, 503, 504),
    summary="Current balance of an account",
    operation_id="getBalance",
)
async def get_balance(account_id: AccountId, bank: BankDep) -> schemas.Balance:
    return await bank.balance(str(account_id))
