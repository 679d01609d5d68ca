"""A card top-up and its state machine: requested -> charged -> deposited, or declined, failing -> failed, refunded."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from card_adapter.domain.card import Card
from kernel.clock import now
from kernel.free_text import check_text
from kernel.idempotency import MAX_KEY, SPACED, fingerprint
from kernel.ids import parse_uuid
from kernel.money import format_amount, parse_amount, parse_currency


class State(StrEnum):
    REQUESTED = "requested"  # recorded, the charge may be in flight
    CHARGED = "charged"  # the card is charged, the deposit is due
    DEPOSITED = "deposited"
    DECLINED = "declined"  # the gateway refused the card
    FAILING = "failing"  # no charge found (gateway error, timeout, interrupted): declined, watched for a late capture
    FAILED = "failed"  # not charged, and too late for the gateway to capture now
    REFUNDING = "refunding"  # the deposit failed for good, or the gateway captured after the decline: refund due
    REFUNDED = "refunded"


FINAL = frozenset({State.DEPOSITED, State.DECLINED, State.FAILED, State.REFUNDED})
# The outcome is still open; from any other state on, the top-up stays completed or declined, whatever follows.
OPEN = {State.REQUESTED, State.CHARGED}
_NEXT = {
    State.REQUESTED: {State.CHARGED, State.DECLINED, State.FAILING, State.FAILED},
    State.CHARGED: {State.DEPOSITED, State.REFUNDING},
    State.FAILING: {State.FAILED, State.REFUNDING},
    State.REFUNDING: {State.REFUNDED},
}


class InvalidTransition(Exception):
    """A bug: the settlement tried to move a top-up along an edge the state machine lacks."""


@dataclass(frozen=True)
class TopUpRequest:
    account_id: uuid.UUID
    amount: Decimal
    currency: str
    card: Card
    idempotency_key: str | None = None

    @classmethod
    def parse(
        cls, account_id: str, amount: str, currency: str, card: Card, idempotency_key: str | None = None
    ) -> "TopUpRequest":
        account = parse_uuid(account_id, "account_id")
        check_text(idempotency_key, "idempotency key", MAX_KEY)
        return cls(
            account_id=account,
            amount=parse_amount(amount),
            currency=parse_currency(currency),
            card=card,
            idempotency_key=idempotency_key or None,
        )

    @property
    def fingerprint(self) -> str:
        """Tells a retry from another request under one key; built without the PAN or CVC on purpose."""
        fields = {
            "account": str(self.account_id),
            "amount": format_amount(self.amount),
            "currency": self.currency,
            "card": [self.card.last4, self.card.brand, self.card.exp_month, self.card.exp_year],
        }
        return fingerprint(fields, SPACED)  # the separators its stored top-ups' digests were made with


@dataclass
class TopUp:
    account_id: uuid.UUID
    amount: Decimal
    currency: str
    card_last4: str
    card_brand: str
    idempotency_key: str | None
    request_fingerprint: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    state: State = State.REQUESTED
    reason: str | None = None
    charge_id: str | None = None
    # A deposit attempt counts as unsent only once the Bank was proven unreachable for it.
    deposit_attempts: int = 0
    deposits_unsent: int = 0
    version: int = 0
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    charged_at: datetime | None = None

    @classmethod
    def new(cls, request: TopUpRequest) -> "TopUp":
        return cls(
            account_id=request.account_id,
            amount=request.amount,
            currency=request.currency,
            card_last4=request.card.last4,
            card_brand=request.card.brand,
            idempotency_key=request.idempotency_key,
            request_fingerprint=request.fingerprint,
        )

    @property
    def status(self) -> str:
        """The public outcome: completed, declined (with a reason) or pending."""
        if self.state == State.DEPOSITED:
            return "completed"
        return "pending" if self.state in OPEN else "declined"

    @property
    def decided(self) -> bool:
        """The public outcome is known and never changes again, though a refund or a watch may still run."""
        return self.state not in OPEN

    @property
    def final(self) -> bool:
        return self.state in FINAL

    @property
    def deposit_maybe_sent(self) -> bool:
        """True if some deposit attempt may have reached the Bank: a refund must then wait for its answer."""
        return self.deposit_attempts > self.deposits_unsent

    def mark_charged(self, charge_id: str) -> None:
        self._move(State.CHARGED)
        self.charge_id, self.charged_at = charge_id, now()

    def mark_declined(self, reason: str) -> None:
        self._move(State.DECLINED, reason)

    def mark_failing(self, reason: str) -> None:
        self._move(State.FAILING, reason)

    def mark_failed(self, reason: str | None = None) -> None:
        """Keeps the reason the top-up was declined with unless given one."""
        self._move(State.FAILED, reason or self.reason)

    def mark_captured_late(self, charge_id: str) -> None:
        """The gateway captured after the top-up was declined: the charge is refunded, the reason kept."""
        self._move(State.REFUNDING, self.reason)
        self.charge_id, self.charged_at = charge_id, now()

    def mark_deposited(self) -> None:
        self._move(State.DEPOSITED)

    def mark_refunding(self, reason: str) -> None:
        self._move(State.REFUNDING, reason)

    def mark_refunded(self) -> None:
        self._move(State.REFUNDED, self.reason)

    def _move(self, to: State, reason: str | None = None) -> None:
        if to not in _NEXT.get(self.state, set()):
            raise InvalidTransition(f"top-up {self.id} cannot go from {self.state} to {to}")
        self.state, self.reason, self.updated_at = to, reason, now()


def today() -> date:
    return now().date()
