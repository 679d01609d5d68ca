"""The Card Adapter's exception tree; each error names a machine-readable reason shared with clients."""

from kernel.errors import ServiceError


class CardAdapterError(ServiceError):
    """Base of every error the Card Adapter reports to its callers."""


class RejectedRequest(CardAdapterError):
    """The request is invalid; retrying it unchanged fails again. Nothing was charged."""


class InvalidAmount(RejectedRequest):
    reason = "INVALID_AMOUNT"


class InvalidCurrency(RejectedRequest):
    reason = "INVALID_CURRENCY"


class InvalidRequest(RejectedRequest):
    reason = "INVALID_REQUEST"


class InvalidCardNumber(RejectedRequest):
    reason = "INVALID_CARD_NUMBER"


class InvalidCardExpiry(RejectedRequest):
    reason = "INVALID_CARD_EXPIRY"


class CardExpired(RejectedRequest):
    reason = "CARD_EXPIRED"


class InvalidCvc(RejectedRequest):
    reason = "INVALID_CVC"


class InvalidHolderName(RejectedRequest):
    reason = "INVALID_HOLDER_NAME"


class CurrencyMismatch(RejectedRequest):
    reason = "CURRENCY_MISMATCH"


class AccountNotFound(CardAdapterError):
    reason = "ACCOUNT_NOT_FOUND"


class TopUpNotFound(CardAdapterError):
    reason = "TOPUP_NOT_FOUND"


class IdempotencyKeyReused(CardAdapterError):
    """The key was already used for a different top-up request."""

    reason = "IDEMPOTENCY_KEY_REUSED"


class IdempotencyKeyInFlight(CardAdapterError):
    """Another request with the same key still holds it."""

    reason = "IDEMPOTENCY_KEY_IN_FLIGHT"


class DatabaseUnavailable(CardAdapterError):
    reason = "DATABASE_UNAVAILABLE"


class ConcurrencyConflict(CardAdapterError):
    """A top-up changed under us; its worker reloads it and goes on."""

    reason = "CONCURRENCY_CONFLICT"
