"""POST /accounts/{accountId}/topup and GET /accounts/{accountId}/topups/{topupId}."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response, status

from gateway import schemas
from gateway.deps import AccountId, BankDep, CardAdapterDep, IdempotencyKey
from gateway.problem_details import problem_responses
from gateway.security import MoneyMover, User

router = APIRouter(tags=["top-ups"])
TopUpId = Annotated[UUID, Path(alias="topupId", description="Top-up UUID")]


@router.post(
    "/accounts/{accountId}/topup",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.TopUp,
    responses={
        201: {"description": "The top-up settled: status completed, or declined with a reason (no money moved)"},
        202: {"model": schemas.TopUp, "description": "Accepted but still settling (status pending): poll status_url"},
        **problem_responses(400, 401, 403, 404, 409, 413, 422, 429, 503, 504),
    },
    summary="Top up an account from a card",
    operation_id="createTopUp",
)
async def create_topup(
    account_id: AccountId,
    body: schemas.TopUpCreate,
    user: MoneyMover,
    bank: BankDep,
    cards: CardAdapterDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> schemas.TopUp:
    """Charges the card and credits the account. A settled top-up answers 201 whatever its outcome: a decline is a result, not a bad request, and the top-up exists (GET it at `status_url`). 202 means it is still settling; it ends completed or declined, never with money lost. With an `Idempotency-Key`, a retry returns the same top-up (header `Idempotent-Replayed: true`) and never charges twice. The card number and CVC are never stored or logged."""  # noqa: E501
    await bank.balance(user, str(account_id))  # only the owner tops up: anyone else gets 404 before any charge
    topup, replayed = await cards.top_up(str(account_id), body, idempotency_key)
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
    if topup.status == "pending":
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Location"] = topup.status_url
    return topup


@router.get(
    "/accounts/{accountId}/topups/{topupId}",
    response_model=schemas.TopUp,
    responses=problem_responses(400, 401, 404, 503, 504),
    summary="The current state of a top-up",
    operation_id="getTopUp",
)
async def get_topup(
    account_id: AccountId, topup_id: TopUpId, user: User, bank: BankDep, cards: CardAdapterDep
) -> schemas.TopUp:
    await bank.balance(user, str(account_id))  # the owner's (or an auditor's) to read; 404 for anyone else
    return await cards.get(str(account_id), str(topup_id))
