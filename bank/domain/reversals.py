"""Reversals: who may correct a transfer, by how much, and the correcting transfer from its recipient back to its
sender. At most one per transfer: the database's UNIQUE (reverses_transfer_id) decides between concurrent ones."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from bank.domain.errors import AlreadyReversed, Forbidden, NotReversible, TransferNotFound
from bank.domain.model import MAX_DESCRIPTION, Account, Transfer
from bank.domain.users import Caller, Role
from kernel.errors import IdempotencyKeyReused, InvalidAmount
from kernel.free_text import check_text
from kernel.idempotency import MAX_KEY, fingerprint, replay
from kernel.ids import parse_uuid
from kernel.money import format_amount, parse_amount

REVERSAL = "reversal"


@dataclass(frozen=True)
class ReversalRequest:
    transfer_id: uuid.UUID
    amount: Decimal | None  # None: the whole amount of the transfer
    description: str | None = None
    idempotency_key: str | None = None

    @classmethod
    def parse(
        cls, transfer_id: str, amount: str = "", description: str | None = None, idempotency_key: str | None = None
    ) -> "ReversalRequest":
        """Validate everything that needs no database; the amount's upper bound is the transfer's (`reversal`)."""
        request = cls(
            transfer_id=parse_uuid(transfer_id, "transfer_id"),
            amount=parse_amount(amount) if amount else None,
            description=description or None,
            idempotency_key=idempotency_key or None,
        )
        check_text(request.description, "description", MAX_DESCRIPTION)
        check_text(request.idempotency_key, "idempotency key", MAX_KEY)
        return request


def require_reader(caller: Caller, original: Transfer, sender: Account, recipient: Account) -> None:
    """A transfer is read by whoever may read one of its accounts; to anyone else it does not exist, as an account."""
    if not (caller.may_read(sender) or caller.may_read(recipient)):
        raise TransferNotFound(f"transfer {original.id} does not exist")


def require_reverser(caller: Caller, original: Transfer, sender: Account, recipient: Account) -> None:
    """The recipient's owner gives back what it received, or an operator corrects anyone's transfer. Whoever may not
    read the transfer (a stranger) is told it does not exist; whoever may read it but not reverse it (its sender,
    whose money it no longer is; an auditor) is told so."""
    require_reader(caller, original, sender, recipient)
    if caller.role is Role.OPERATOR or (caller.role is Role.CUSTOMER and recipient.owner_id == caller.subject):
        return
    raise Forbidden("only the owner of the transfer's recipient account or an operator may reverse it")


def reversal(original: Transfer, request: ReversalRequest) -> Transfer:
    """The transfer that gives `request.amount` (all of it by default) of `original` back to its sender."""
    if original.kind == REVERSAL:
        raise NotReversible(f"transfer {original.id} is a reversal itself; correct it with a new transfer")
    amount = original.amount if request.amount is None else request.amount
    if amount > original.amount:
        raise InvalidAmount(
            f"a reversal of transfer {original.id} is at most its amount, {format_amount(original.amount)}"
        )
    return Transfer(
        from_account_id=original.to_account_id,
        to_account_id=original.from_account_id,
        amount=amount,
        currency=original.currency,
        description=request.description,
        idempotency_key=request.idempotency_key,
        request_fingerprint=_fingerprint(original, amount, request.description),
        kind=REVERSAL,
        reverses_transfer_id=original.id,
    )


def replay_or_refuse(existing: Transfer, made: Transfer) -> Transfer:
    """The transfer has its reversal `existing`: the same request under the same key is answered with it again; a
    different request under that key is a reused key; any other request comes too late."""
    if made.idempotency_key and existing.idempotency_key == made.idempotency_key:
        reused = IdempotencyKeyReused("this idempotency key was used for a different reversal")
        answer = replay(existing, made.request_fingerprint, reused)
        assert answer is not None
        return answer
    raise AlreadyReversed(f"transfer {made.reverses_transfer_id} was reversed already by transfer {existing.id}")


def _fingerprint(original: Transfer, amount: Decimal, description: str | None) -> str:
    # The amount as decided: omitting it and naming the whole amount are the same request.
    return fingerprint({"reverses": str(original.id), "amount": format_amount(amount), "description": description})
