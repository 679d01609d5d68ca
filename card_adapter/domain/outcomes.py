"""What the payment gateway and the Bank can answer, in the terms the settlement decides on."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Charge:
    id: str
    idempotency_id: str
    amount: Decimal
    currency: str
    status: str  # "captured" or "refunded"


class CardDeclined(Exception):
    """The gateway answered and refused the charge; nothing was captured."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # card_declined, insufficient_card_funds


class PaymentOutcomeUnknown(Exception):
    """The gateway failed or timed out: it may or may not have acted. Ask it before deciding."""

    reason = "payment_gateway_error"


class PaymentGatewayTimeout(PaymentOutcomeUnknown):
    reason = "payment_gateway_timeout"


class DepositRejected(Exception):
    """The Bank answered and refused the deposit for good; nothing was credited."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DepositNotSent(Exception):
    """The deposit never reached the Bank (no connection): certainly not credited."""


class DepositOutcomeUnknown(Exception):
    """The deposit may have reached the Bank (timeout, broken connection, Bank-side failure)."""
