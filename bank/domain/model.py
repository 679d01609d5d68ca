"""Accounts, transfers and deposits, and the rules that move money between them."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from bank.domain.errors import InsufficientFunds, SameAccount
from kernel.clock import now
from kernel.errors import CurrencyMismatch, InvalidRequest
from kernel.free_text import check_text
from kernel.idempotency import MAX_KEY, fingerprint
from kernel.ids import parse_uuid
from kernel.money import format_amount, parse_amount, parse_currency

MAX_DESCRIPTION = 255
MAX_BRAND = 32
Made = TypeVar("Made")


@dataclass
class Account:
    id: uuid.UUID
    balance: Decimal
    currency: str
    updated_at: datetime
    version: int = 0
    owner_id: uuid.UUID | None = None  # the user who owns it; None for internal and legacy accounts
    held: Decimal = Decimal("0.00")  # reserved by its open holds: part of the balance, not available to spend
    kind: str = "customer"  # bank.domain.ledger.AccountKind: only a customer's account must stay covered

    @property
    def available(self) -> Decimal:
        return self.balance - self.held

    def withdraw(self, amount: Decimal) -> None:
        self._require_available(amount)
        self._change(-amount)

    def deposit(self, amount: Decimal) -> None:
        self._change(amount)

    def reserve(self, amount: Decimal) -> None:
        """Hold `amount` of the available balance (bank.domain.holds); the balance stays."""
        self._require_available(amount)
        self._change(Decimal(0), amount)

    def release(self, amount: Decimal) -> None:
        """Give back `amount` a hold reserved."""
        self._change(Decimal(0), -amount)

    def require_currency(self, currency: str, operation: str) -> None:
        if self.currency != currency:
            raise CurrencyMismatch(f"account {self.id} holds {self.currency}, {operation} is in {currency}")

    def _require_available(self, amount: Decimal) -> None:
        if self.available < amount:
            raise InsufficientFunds(
                f"account {self.id} has {format_amount(self.available)} {self.currency} available, "
                f"needs {format_amount(amount)}"
            )

    def _change(self, delta: Decimal, held: Decimal = Decimal(0)) -> None:
        self.balance += delta
        self.held += held
        self.version += 1
        self.updated_at = now()


@dataclass(frozen=True)
class TransferRequest:
    from_account_id: uuid.UUID
    to_account_id: uuid.UUID
    amount: Decimal
    currency: str
    description: str | None = None
    idempotency_key: str | None = None

    @classmethod
    def parse(
        cls,
        from_account_id: str,
        to_account_id: str,
        amount: str,
        currency: str,
        description: str | None = None,
        idempotency_key: str | None = None,
    ) -> "TransferRequest":
        """Validate everything that needs no database: ids, amount, currency, text lengths and characters."""
        request = cls(
            from_account_id=parse_uuid(from_account_id, "from_account_id"),
            to_account_id=parse_uuid(to_account_id, "to_account_id"),
            amount=parse_amount(amount),
            currency=parse_currency(currency),
            description=description or None,
            idempotency_key=idempotency_key or None,
        )
        if request.from_account_id == request.to_account_id:
            raise SameAccount("cannot transfer to the same account")
        check_text(request.description, "description", MAX_DESCRIPTION)
        check_text(request.idempotency_key, "idempotency key", MAX_KEY)
        return request

    @property
    def fingerprint(self) -> str:
        return fingerprint(
            {
                "from": str(self.from_account_id),
                "to": str(self.to_account_id),
                "amount": format_amount(self.amount),
                "currency": self.currency,
                "description": self.description,
            }
        )


@dataclass
class Transfer:
    from_account_id: uuid.UUID
    to_account_id: uuid.UUID
    amount: Decimal
    currency: str
    description: str | None
    idempotency_key: str | None
    request_fingerprint: str
    status: str = "completed"
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=now)
    kind: str = "transfer"  # "transfer"; "reversal" of the transfer it names; "capture" of the hold it names
    reverses_transfer_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None


def new_transfer(request: TransferRequest) -> Transfer:
    """The transfer `request` asks for, with its id and time, before any account is touched."""
    return _record(Transfer, request)


def move(transfer: Transfer, sender: Account, recipient: Account) -> None:
    """Move `transfer.amount` from sender to recipient, or raise (the rule it breaks) without changing either."""
    for account in (sender, recipient):
        account.require_currency(transfer.currency, "transfer")
    sender.withdraw(transfer.amount)
    recipient.deposit(transfer.amount)


def transfer(sender: Account, recipient: Account, request: TransferRequest) -> Transfer:
    """Move `request.amount` from sender to recipient, or raise without changing either."""
    made = new_transfer(request)
    move(made, sender, recipient)
    return made


@dataclass(frozen=True)
class CardPayment:
    """A settled card payment to credit to an account: what a deposit request asks and its deposit records."""

    account_id: uuid.UUID
    amount: Decimal
    currency: str
    payment_id: str
    topup_id: str
    card_last4: str
    card_brand: str


@dataclass(frozen=True)
class DepositRequest(CardPayment):
    @classmethod
    def parse(
        cls,
        account_id: str,
        amount: str,
        currency: str,
        payment_id: str,
        topup_id: str,
        card_last4: str,
        card_brand: str,
    ) -> "DepositRequest":
        if not payment_id:
            raise InvalidRequest("payment_id is required (at most 255 characters)")
        check_text(payment_id, "payment_id", MAX_KEY)
        check_text(topup_id, "topup_id", MAX_KEY)
        check_text(card_brand, "card_brand", MAX_BRAND)
        if not (len(card_last4) == 4 and card_last4.isdigit()):
            raise InvalidRequest("card_last4 must be exactly four digits")
        return cls(
            account_id=parse_uuid(account_id, "account_id"),
            amount=parse_amount(amount),
            currency=parse_currency(currency),
            payment_id=payment_id,
            topup_id=topup_id or payment_id,
            card_last4=card_last4,
            card_brand=card_brand or "unknown",
        )

    @property
    def fingerprint(self) -> str:
        return fingerprint(
            {
                "account": str(self.account_id),
                "amount": format_amount(self.amount),
                "currency": self.currency,
            }
        )


@dataclass(frozen=True)
class Deposit(CardPayment):
    request_fingerprint: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=now)


def deposit(account: Account, request: DepositRequest) -> Deposit:
    """Credit `account` for a settled card payment."""
    account.require_currency(request.currency, "deposit")
    account.deposit(request.amount)
    return _record(Deposit, request)


def _record(kind: Callable[..., Made], request: TransferRequest | DepositRequest) -> Made:
    """What `request` made: every field of the request under the same name, its id and time, and the request's
    fingerprint (a later request under the same key is told from a retry by it, kernel.idempotency)."""
    return kind(**vars(request), request_fingerprint=request.fingerprint)


def open_account(owner_id: uuid.UUID, currency: str) -> Account:
    """A new account of `owner_id`, empty."""
    return Account(id=uuid.uuid4(), balance=Decimal("0.00"), currency=currency, updated_at=now(), owner_id=owner_id)
