"""Holds (two-phase transfers): money of an account reserved toward a recipient until the recipient captures it (all
or part, as one transfer), voids it, or it expires; the rules of each step and who may take it."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from bank.domain import model
from bank.domain.errors import Forbidden, HoldClosed, HoldExpired, HoldNotFound, RecipientNotFound, SameAccount
from bank.domain.ledger import AccountKind
from bank.domain.users import Caller
from kernel.clock import now
from kernel.errors import IdempotencyKeyReused, InvalidAmount, InvalidRequest
from kernel.free_text import check_text
from kernel.idempotency import MAX_KEY, fingerprint
from kernel.ids import parse_uuid
from kernel.money import format_amount, parse_amount, parse_currency

# How long a hold may stay open: long enough for a delivery, short enough that money is not locked away for good.
MIN_EXPIRY_S = 1
MAX_EXPIRY_S = 30 * 24 * 3600
DEFAULT_EXPIRY_S = 7 * 24 * 3600


class HoldStatus(StrEnum):
    PLACED = "placed"  # open: its amount is part of the payer's `held`
    CAPTURED = "captured"  # turned into a transfer of captured_amount; the rest released
    VOIDED = "voided"  # released by the recipient
    EXPIRED = "expired"  # released at expires_at (by the expiry worker, or by a capture or void that came too late)


def parse_status(text: str) -> "HoldStatus | None":
    """A status to filter by; empty: any."""
    if not text:
        return None
    try:
        return HoldStatus(text)
    except ValueError:
        raise InvalidRequest(f"status must be one of {', '.join(HoldStatus)}") from None


class Action(StrEnum):
    CAPTURE = "capture"
    VOID = "void"


@dataclass(frozen=True)
class HoldRequest:
    account_id: uuid.UUID
    to_account_id: uuid.UUID
    amount: Decimal
    currency: str
    description: str | None
    expires_in_s: int
    idempotency_key: str | None = None

    @classmethod
    def parse(
        cls,
        account_id: str,
        to_account_id: str,
        amount: str,
        currency: str,
        description: str | None = None,
        expires_in_s: int = 0,
        idempotency_key: str | None = None,
    ) -> "HoldRequest":
        """Everything that needs no database; `expires_in_s` 0 means the default (7 days)."""
        request = cls(
            account_id=parse_uuid(account_id, "account_id"),
            to_account_id=parse_uuid(to_account_id, "to_account_id"),
            amount=parse_amount(amount),
            currency=parse_currency(currency),
            description=description or None,
            expires_in_s=expires_in_s or DEFAULT_EXPIRY_S,
            idempotency_key=idempotency_key or None,
        )
        if not MIN_EXPIRY_S <= request.expires_in_s <= MAX_EXPIRY_S:
            raise InvalidRequest(f"expires_in_s must be {MIN_EXPIRY_S} to {MAX_EXPIRY_S} seconds (30 days)")
        if request.account_id == request.to_account_id:
            raise SameAccount("cannot hold money toward the same account")
        check_text(request.description, "description", model.MAX_DESCRIPTION)
        check_text(request.idempotency_key, "idempotency key", MAX_KEY)
        return request

    @property
    def fingerprint(self) -> str:
        return fingerprint(
            {
                "account": str(self.account_id),
                "to": str(self.to_account_id),
                "amount": format_amount(self.amount),
                "currency": self.currency,
                "description": self.description,
                "expires_in_s": self.expires_in_s,
            }
        )


@dataclass(frozen=True)
class CloseRequest:
    """A capture (of `amount`, the whole hold when None) or a void of one hold."""

    hold_id: uuid.UUID
    action: Action
    amount: Decimal | None = None
    idempotency_key: str | None = None

    @classmethod
    def parse(
        cls, hold_id: str, action: Action, amount: str = "", idempotency_key: str | None = None
    ) -> "CloseRequest":
        request = cls(
            hold_id=parse_uuid(hold_id, "hold_id"),
            action=action,
            amount=parse_amount(amount) if amount else None,
            idempotency_key=idempotency_key or None,
        )
        check_text(request.idempotency_key, "idempotency key", MAX_KEY)
        return request

    @property
    def fingerprint(self) -> str:
        amount = format_amount(self.amount) if self.amount is not None else None
        return fingerprint({"hold": str(self.hold_id), "action": self.action.value, "amount": amount})


@dataclass
class Hold:
    account_id: uuid.UUID
    to_account_id: uuid.UUID
    amount: Decimal
    currency: str
    description: str | None
    expires_at: datetime
    idempotency_key: str | None
    request_fingerprint: str
    status: HoldStatus = HoldStatus.PLACED
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=now)
    captured_amount: Decimal | None = None
    closing_idempotency_key: str | None = None  # the capture or void that closed it, to answer its retries
    closing_fingerprint: str | None = None
    closed_at: datetime | None = None
    transfer_id: uuid.UUID | None = None  # the capture's transfer (stored as transfers.hold_id)

    def is_due(self, at: datetime) -> bool:
        """Open past its expiry: released already in effect, whether or not the expiry worker has run."""
        return self.status is HoldStatus.PLACED and self.expires_at <= at


def place(payer: model.Account, recipient: model.Account | None, request: HoldRequest) -> Hold:
    """Reserve `request.amount` of the payer's available balance toward a customer's account, or raise."""
    if recipient is None or recipient.kind != AccountKind.CUSTOMER:  # internal accounts take no money from users
        raise RecipientNotFound(f"recipient account {request.to_account_id} does not exist")
    for account in (payer, recipient):
        account.require_currency(request.currency, "hold")
    payer.reserve(request.amount)
    created = now()
    return Hold(
        account_id=request.account_id,
        to_account_id=request.to_account_id,
        amount=request.amount,
        currency=request.currency,
        description=request.description,
        expires_at=created + timedelta(seconds=request.expires_in_s),
        idempotency_key=request.idempotency_key,
        request_fingerprint=request.fingerprint,
        created_at=created,
    )


def may_read(caller: Caller, payer: model.Account | None, recipient: model.Account | None) -> bool:
    """Whoever may read its payer's or its recipient's account (their owners, auditors, operators); to anyone else a
    hold does not exist."""
    return any(caller.may_read(account) for account in (payer, recipient) if account is not None)


def require_closer(caller: Caller, hold: Hold, payer: model.Account, recipient: model.Account) -> None:
    """Only the recipient's owner captures or voids: the money is reserved for it, and the payer may not take it
    back before the hold expires (a merchant's authorisation, as with cards)."""
    if not may_read(caller, payer, recipient):
        raise HoldNotFound(f"hold {hold.id} does not exist")
    caller.require_customer()
    if recipient.owner_id != caller.subject:
        raise Forbidden(f"only the owner of the recipient account may capture or void hold {hold.id}")


def is_replay(hold: Hold, request: CloseRequest) -> bool:
    """True when `request` repeats the capture or void that closed `hold` (answer it again); raises
    IdempotencyKeyReused when that key closed it for a different request."""
    key = request.idempotency_key
    if hold.status is HoldStatus.PLACED or key is None or hold.closing_idempotency_key != key:
        return False
    if hold.closing_fingerprint != request.fingerprint:
        raise IdempotencyKeyReused("this idempotency key closed the hold with a different request")
    return True


def require_open(hold: Hold, at: datetime) -> None:
    if hold.status is HoldStatus.EXPIRED or hold.is_due(at):
        raise HoldExpired(f"hold {hold.id} expired at {hold.expires_at.isoformat()}")
    if hold.status is not HoldStatus.PLACED:
        raise HoldClosed(f"hold {hold.id} is {hold.status.value} already")


def capture(hold: Hold, payer: model.Account, recipient: model.Account, request: CloseRequest) -> model.Transfer:
    """Release the whole hold and move the captured amount (all of it unless the request names less) from payer to
    recipient as one transfer; or raise, changing nothing."""
    at = now()
    require_open(hold, at)
    amount = hold.amount if request.amount is None else request.amount
    if amount > hold.amount:
        raise InvalidAmount(f"cannot capture {format_amount(amount)} of a hold of {format_amount(hold.amount)}")
    transfer = model.Transfer(
        from_account_id=hold.account_id,
        to_account_id=hold.to_account_id,
        amount=amount,
        currency=hold.currency,
        description=hold.description,
        idempotency_key=None,  # the capture's key is the hold's (closing_idempotency_key)
        request_fingerprint=request.fingerprint,
        created_at=at,
        kind="capture",
        hold_id=hold.id,
    )
    payer.release(hold.amount)
    model.move(transfer, payer, recipient)  # cannot fail: what was held is available again
    _close(hold, HoldStatus.CAPTURED, at, request)
    hold.captured_amount, hold.transfer_id = amount, transfer.id
    return transfer


def void(hold: Hold, payer: model.Account, request: CloseRequest) -> None:
    at = now()
    require_open(hold, at)
    payer.release(hold.amount)
    _close(hold, HoldStatus.VOIDED, at, request)


def expire(hold: Hold, payer: model.Account, at: datetime) -> None:
    payer.release(hold.amount)
    _close(hold, HoldStatus.EXPIRED, at)


def _close(hold: Hold, status: HoldStatus, at: datetime, request: CloseRequest | None = None) -> None:
    hold.status, hold.closed_at = status, at
    if request is not None:
        hold.closing_idempotency_key, hold.closing_fingerprint = request.idempotency_key, request.fingerprint
