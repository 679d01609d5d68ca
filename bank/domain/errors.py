"""The Bank's exception tree; each error names a machine-readable reason shared with clients."""

from kernel.errors import ServiceError


class BankError(ServiceError):
    """Base of every error the Bank reports to its callers."""


class RejectedRequest(BankError):
    """The request is invalid or breaks a money rule; retrying it unchanged fails again."""


class InvalidAmount(RejectedRequest):
    reason = "INVALID_AMOUNT"


class InvalidCurrency(RejectedRequest):
    reason = "INVALID_CURRENCY"


class InvalidRequest(RejectedRequest):
    reason = "INVALID_REQUEST"


class SameAccount(RejectedRequest):
    reason = "SAME_ACCOUNT"


class CurrencyMismatch(RejectedRequest):
    reason = "CURRENCY_MISMATCH"


class InsufficientFunds(RejectedRequest):
    reason = "INSUFFICIENT_FUNDS"


class AccountNotFound(BankError):
    reason = "ACCOUNT_NOT_FOUND"


class RecipientNotFound(AccountNotFound):
    reason = "RECIPIENT_NOT_FOUND"


class IdempotencyKeyReused(BankError):
    """The key was already used for a different request."""

    reason = "IDEMPOTENCY_KEY_REUSED"


class IdempotencyKeyInFlight(BankError):
    """Another request with the same key is still being processed."""

    reason = "IDEMPOTENCY_KEY_IN_FLIGHT"


class DatabaseUnavailable(BankError):
    reason = "DATABASE_UNAVAILABLE"


class ConcurrencyConflict(BankError):
    """A serialization failure or deadlock; the whole unit of work may be retried."""

    reason = "CONCURRENCY_CONFLICT"
