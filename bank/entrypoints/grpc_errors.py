"""Bank errors as gRPC statuses carrying a google.rpc.ErrorInfo with the machine-readable reason."""

from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from bank.domain import errors

DOMAIN = "wallet.bank"

_CODES: dict[type[errors.BankError], int] = {
    errors.RejectedRequest: code_pb2.INVALID_ARGUMENT,
    errors.InsufficientFunds: code_pb2.FAILED_PRECONDITION,
    errors.AccountNotFound: code_pb2.NOT_FOUND,
    errors.IdempotencyKeyReused: code_pb2.ALREADY_EXISTS,
    errors.IdempotencyKeyInFlight: code_pb2.ABORTED,
    errors.ConcurrencyConflict: code_pb2.ABORTED,
    errors.DatabaseUnavailable: code_pb2.UNAVAILABLE,
}


def status_code(error: errors.BankError) -> int:
    """The code of the most specific class: InsufficientFunds is also a RejectedRequest."""
    for cls in type(error).__mro__:
        if cls in _CODES:
            return _CODES[cls]
    return code_pb2.INTERNAL


def to_grpc_status(error: errors.BankError):  # type: ignore[no-untyped-def]
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN))
    status = status_pb2.Status(code=status_code(error), message=error.message, details=[detail])
    return rpc_status.to_status(status)
