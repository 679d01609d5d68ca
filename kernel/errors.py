"""The errors every service shares, under the base of each service's own tree: a machine-readable reason
(kernel.reasons) shared with clients, and a message. A service raises these for what is the same everywhere (an
invalid amount, a reused idempotency key, an unavailable database) and its own subclasses for its own rules."""

from kernel.reasons import Reason


class ServiceError(Exception):
    reason: Reason = Reason.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RejectedRequest(ServiceError):
    """The request is invalid or breaks a rule; retrying it unchanged fails again (and nothing was done)."""


class InvalidAmount(RejectedRequest):
    reason = Reason.INVALID_AMOUNT


class InvalidCurrency(RejectedRequest):
    reason = Reason.INVALID_CURRENCY


class InvalidRequest(RejectedRequest):
    reason = Reason.INVALID_REQUEST


class InvalidTimeRange(RejectedRequest):
    """An instant or period that is malformed, without an offset, in the future, backwards or too long."""

    reason = Reason.INVALID_TIME_RANGE


class CurrencyMismatch(RejectedRequest):
    reason = Reason.CURRENCY_MISMATCH


class AccountNotFound(ServiceError):
    reason = Reason.ACCOUNT_NOT_FOUND


class IdempotencyKeyReused(ServiceError):
    """The key was already used for a different request (kernel.idempotency)."""

    reason = Reason.IDEMPOTENCY_KEY_REUSED


class IdempotencyKeyInFlight(ServiceError):
    """Another request with the same key still holds it."""

    reason = Reason.IDEMPOTENCY_KEY_IN_FLIGHT


class DatabaseUnavailable(ServiceError):
    reason = Reason.DATABASE_UNAVAILABLE


class ConcurrencyConflict(ServiceError):
    """The data changed under the request (a serialization failure, a deadlock, a row updated meanwhile); the work
    may be done again on fresh data."""

    reason = Reason.CONCURRENCY_CONFLICT
