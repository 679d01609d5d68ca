"""GET /transfers/{transferId} and POST /transfers/{transferId}/reversal."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Path, Response, status

from gateway import schemas
from gateway.deps import BankDep, IdempotencyKey
from gateway.problem_details import Problem, problem_responses
from gateway.security import Reverser, User

router = APIRouter(tags=["transfers"])
TransferId = Annotated[UUID, Path(alias="transferId", description="Transfer UUID")]


@router.get(
    "/transfers/{transferId}",
    response_model=schemas.TransferWithReversal,
    responses={
        **problem_responses(400, 401, 404, 503, 504),
        404: {"model": Problem, "description": "transfer_not_found: no such transfer, or not the user's to read"},
    },
    summary="One transfer, and its reversal if any",
    operation_id="getTransfer",
)
async def get_transfer(transfer_id: TransferId, user: User, bank: BankDep) -> schemas.TransferWithReversal:
    """A transfer, for the owner of its sender or recipient account (auditors and operators: any); anyone else gets 404, as for a transfer that does not exist. `reversed_by_transfer_id` names its reversal once it has one; a reversal names the transfer it corrects in `reverses_transfer_id`."""  # noqa: E501
    return await bank.transfer_by_id(user, str(transfer_id))


@router.post(
    "/transfers/{transferId}/reversal",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Transfer,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 413, 422, 429, 503, 504),  # 403, 404, 409 told more below
        403: {
            "model": Problem,
            "description": "forbidden: the user may read the transfer but not reverse it (its sender, an auditor)",
        },
        404: {
            "model": Problem,
            "description": "transfer_not_found: no such transfer, or one whose accounts the user may not read",
        },
        409: {
            "model": Problem,
            "description": "already_reversed: the transfer has its reversal (named in `detail`); or a request with "
            "the same Idempotency-Key is still in progress",
        },
    },
    summary="Reverse a transfer: give its money back to the sender",
    operation_id="reverseTransfer",
)
async def reverse_transfer(
    transfer_id: TransferId,
    user: Reverser,
    bank: BankDep,
    response: Response,
    body: Annotated[schemas.ReversalCreate | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> schemas.Transfer:
    """Creates a transfer of kind `reversal` (with `reverses_transfer_id`) from the transfer's recipient back to its sender: the whole amount, or `amount` (at most the original's). A transfer is reversed at most once: any later reversal is 409 `already_reversed`. Who may: the owner of the recipient account (giving back what it received) or a user with role `operator` (any transfer). The sender and auditors, who may read the transfer, get 403; anyone else 404, as for a transfer that does not exist. The recipient must have the amount available (else 400 `insufficient_funds`); a reversal cannot be reversed (400 `not_reversible`). With an `Idempotency-Key`, a retry returns the same reversal (201, header `Idempotent-Replayed: true`)."""  # noqa: E501
    reversal, replayed = await bank.reverse(user, str(transfer_id), body or schemas.ReversalCreate(), idempotency_key)
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
    return reversal
