"""Holds (two-phase transfers): POST /accounts/{accountId}/holds, POST /holds/{holdId}/capture and /void, and reading
them: GET /holds/{holdId}, GET /accounts/{accountId}/holds."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response, status

from gateway import schemas
from gateway.deps import AccountId, BankDep, IdempotencyKey
from gateway.problem_details import problem_responses
from gateway.security import MoneyMover, User

router = APIRouter(tags=["holds"])
HoldId = Annotated[UUID, Path(alias="holdId", description="Hold UUID")]
WRITES = problem_responses(400, 401, 403, 404, 409, 413, 422, 429, 503, 504)


def _replayed(response: Response, replayed: bool) -> None:
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"


@router.post(
    "/accounts/{accountId}/holds",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Hold,
    responses={
        200: {"model": schemas.Hold, "description": "A replay: the hold placed under this Idempotency-Key"},
        **WRITES,
    },
    summary="Hold money toward another account (authorise now, capture later)",
    operation_id="placeHold",
)
async def place_hold(
    account_id: AccountId,
    body: schemas.HoldCreate,
    user: MoneyMover,
    bank: BankDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> schemas.Hold:
    """Reserves `amount` of the path account, which the user must own, toward `to_account_id` (a customer's account of the same currency): the account's `held` grows by it and its `available` drops, its `balance` stays. The available balance must cover it (else 400 insufficient_funds). The recipient's owner captures or voids it; at `expires_at` (`expires_in_s` from now, 7 days by default) it releases itself. With an `Idempotency-Key`, a retry answers 200 with the same hold (header `Idempotent-Replayed: true`); the key with a different request, 422."""  # noqa: E501
    hold, replayed = await bank.place_hold(user, str(account_id), body, idempotency_key)
    _replayed(response, replayed)
    if replayed:
        response.status_code = status.HTTP_200_OK
    return hold


@router.post(
    "/holds/{holdId}/capture",
    response_model=schemas.Hold,
    responses=WRITES,
    summary="Capture a hold: move its amount, or part of it, to the recipient",
    operation_id="captureHold",
)
async def capture_hold(
    hold_id: HoldId,
    user: MoneyMover,
    bank: BankDep,
    response: Response,
    body: schemas.HoldCapture | None = None,
    idempotency_key: IdempotencyKey = None,
) -> schemas.Hold:
    """Only the owner of the recipient account; the payer gets 403, other users 404. In one transaction the whole hold is released and `amount` (all of it if absent) moves to the recipient as a transfer of kind `capture` (`transfer_id`); the rest stays with the payer. A hold captures once: a captured or voided hold answers 409 `hold_closed`, one past `expires_at` 409 `hold_expired` (it is released then, if the expiry worker had not yet), unless the request is a retry, with the same `Idempotency-Key` and body, of the one that closed it: that answers the same hold again (`Idempotent-Replayed: true`)."""  # noqa: E501
    hold, replayed = await bank.capture_hold(user, str(hold_id), body or schemas.HoldCapture(), idempotency_key)
    _replayed(response, replayed)
    return hold


@router.post(
    "/holds/{holdId}/void",
    response_model=schemas.Hold,
    responses=WRITES,
    summary="Void a hold: release its money to the payer",
    operation_id="voidHold",
)
async def void_hold(
    hold_id: HoldId, user: MoneyMover, bank: BankDep, response: Response, idempotency_key: IdempotencyKey = None
) -> schemas.Hold:
    """Only the owner of the recipient account, with the same answers as a capture: 403 for the payer, 404 for other users, 409 `hold_closed` or `hold_expired`, a retry of the closing request answered the same."""  # noqa: E501
    hold, replayed = await bank.void_hold(user, str(hold_id), idempotency_key)
    _replayed(response, replayed)
    return hold


@router.get(
    "/holds/{holdId}",
    response_model=schemas.Hold,
    responses=problem_responses(400, 401, 404, 503, 504),
    summary="A hold",
    operation_id="getHold",
)
async def get_hold(hold_id: HoldId, user: User, bank: BankDep) -> schemas.Hold:
    """For the owners of its two accounts and auditors; anyone else gets 404, as for a hold that does not exist."""
    return await bank.hold(user, str(hold_id))


@router.get(
    "/accounts/{accountId}/holds",
    response_model=schemas.HoldList,
    responses=problem_responses(400, 401, 404, 503, 504),
    summary="Holds on an account or toward it",
    operation_id="listHolds",
)
async def list_holds(
    account_id: AccountId,
    user: User,
    bank: BankDep,
    hold_status: Annotated[schemas.HoldStatus | None, Query(alias="status", description="Only this status")] = None,
) -> schemas.HoldList:
    """Holds the account placed or is the recipient of, newest first, at most 100: the user's own account (an auditor: any); another user's answers 404."""  # noqa: E501
    return await bank.holds(user, str(account_id), hold_status)
