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


class Unauthenticated(BankError):
    """The call needs an authenticated caller (gRPC metadata x-wallet-subject) and has none."""

    reason = "UNAUTHENTICATED"


class Forbidden(BankError):
    """The caller's role may not do this (e.g. an auditor moving money)."""

    reason = "FORBIDDEN"


class InvalidCredentials(BankError):
    """Unknown username or wrong password; which of the two is never said."""

    reason = "INVALID_CREDENTIALS"


class InvalidUsername(RejectedRequest):
    reason = "INVALID_USERNAME"


class WeakPassword(RejectedRequest):
    reason = "WEAK_PASSWORD"


class UsernameTaken(BankError):
    reason = "USERNAME_TAKEN"


class UserNotFound(BankError):
    reason = "USER_NOT_FOUND"
