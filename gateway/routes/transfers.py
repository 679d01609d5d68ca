"""POST /accounts/{accountId}/transfers."""

from fastapi import APIRouter, Response, status

from gateway import schemas
from gateway.deps import AccountId, BankDep, IdempotencyKey
from gateway.problem_details import problem_responses
from gateway.security import MoneyMover

router = APIRouter(tags=["transfers"])


@router.post(
    "/accounts/{accountId}/transfers",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Transfer,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 429, 503, 504),
    summary="Transfer money to another account",
    operation_id="createTransfer",
)
async def create_transfer(
    account_id: AccountId,
    body: schemas.TransferCreate,
    user: MoneyMover,
    bank: BankDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> schemas.Transfer:
    """Moves `amount` from the path account, which the user must own, to `to_account_id` (anyone's) atomically. With an `Idempotency-Key`, a retry returns the original transfer (header `Idempotent-Replayed: true`)."""  # noqa: E501
    transfer, replayed = await bank.transfer(user, str(account_id), body, idempotency_key)
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
    return transfer
