"""Every machine-readable reason a service may put on a failed call (google.rpc.ErrorInfo): one list, from which the
gateway's HTTP table is built (gateway/grpc_errors.py) and which each service's errors name."""

from enum import StrEnum


class Reason(StrEnum):
    """The value is what travels on the wire; a new one needs its HTTP answer in gateway/grpc_errors.py REASONS."""

    INTERNAL = "INTERNAL"  # no reason of its own: the gateway answers with the gRPC code's fixed problem
    # A request invalid or breaking a rule: retrying it unchanged fails again.
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_REQUEST = "INVALID_REQUEST"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    SAME_ACCOUNT = "SAME_ACCOUNT"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    INVALID_USERNAME = "INVALID_USERNAME"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    INVALID_CARD_NUMBER = "INVALID_CARD_NUMBER"
    INVALID_CARD_EXPIRY = "INVALID_CARD_EXPIRY"
    CARD_EXPIRED = "CARD_EXPIRED"
    INVALID_CVC = "INVALID_CVC"
    INVALID_HOLDER_NAME = "INVALID_HOLDER_NAME"
    INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE"
    INVALID_PAGE_TOKEN = "INVALID_PAGE_TOKEN"
    INVALID_TIME_RANGE = "INVALID_TIME_RANGE"
    NOT_REVERSIBLE = "NOT_REVERSIBLE"  # a reversal is not reversed in turn
    # Something asked for that does not exist (for this caller).
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    RECIPIENT_NOT_FOUND = "RECIPIENT_NOT_FOUND"
    TOPUP_NOT_FOUND = "TOPUP_NOT_FOUND"
    TRANSFER_NOT_FOUND = "TRANSFER_NOT_FOUND"  # or one the caller may not read (answered alike)
    USER_NOT_FOUND = "USER_NOT_FOUND"
    HOLD_NOT_FOUND = "HOLD_NOT_FOUND"
    # Who is asking.
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    FORBIDDEN = "FORBIDDEN"
    # Conflicts with other requests.
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    IDEMPOTENCY_KEY_IN_FLIGHT = "IDEMPOTENCY_KEY_IN_FLIGHT"
    CONCURRENCY_CONFLICT = "CONCURRENCY_CONFLICT"
    USERNAME_TAKEN = "USERNAME_TAKEN"
    ALREADY_REVERSED = "ALREADY_REVERSED"  # a transfer is reversed at most once
    HOLD_CLOSED = "HOLD_CLOSED"  # captured or voided already
    HOLD_EXPIRED = "HOLD_EXPIRED"  # past its expiry: released, whether or not the expiry worker has run yet
    # A store the service needs cannot answer now.
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    ANALYTICS_STORE_UNAVAILABLE = "ANALYTICS_STORE_UNAVAILABLE"
    ANALYTICS_STORE_TIMEOUT = "ANALYTICS_STORE_TIMEOUT"
