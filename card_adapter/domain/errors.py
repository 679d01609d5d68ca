"""The Card Adapter's exception tree: the errors every service shares (kernel.errors), and the Card Adapter's own
under CardAdapterError. A RejectedRequest means nothing was charged."""

from kernel.errors import RejectedRequest, ServiceError
from kernel.reasons import Reason


class CardAdapterError(ServiceError):
    """Base of the errors only the Card Adapter reports."""


class InvalidCardNumber(CardAdapterError, RejectedRequest):
    reason = Reason.INVALID_CARD_NUMBER


class InvalidCardExpiry(CardAdapterError, RejectedRequest):
    reason = Reason.INVALID_CARD_EXPIRY


class CardExpired(CardAdapterError, RejectedRequest):
    reason = Reason.CARD_EXPIRED


class InvalidCvc(CardAdapterError, RejectedRequest):
    reason = Reason.INVALID_CVC


class InvalidHolderName(CardAdapterError, RejectedRequest):
    reason = Reason.INVALID_HOLDER_NAME


class TopUpNotFound(CardAdapterError):
    reason = Reason.TOPUP_NOT_FOUND
