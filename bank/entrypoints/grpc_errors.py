"""Bank errors as gRPC statuses carrying a google.rpc.ErrorInfo with the machine-readable reason."""

import grpc
from google.rpc import code_pb2

from bank.domain import errors
from kernel import grpc_status

DOMAIN = "wallet.bank"

_CODES: dict[type, int] = {
    errors.RejectedRequest: code_pb2.INVALID_ARGUMENT,
    errors.InsufficientFunds: code_pb2.FAILED_PRECONDITION,
    errors.AccountNotFound: code_pb2.NOT_FOUND,
    errors.IdempotencyKeyReused: code_pb2.ALREADY_EXISTS,
    errors.IdempotencyKeyInFlight: code_pb2.ABORTED,
    errors.ConcurrencyConflict: code_pb2.ABORTED,
    errors.DatabaseUnavailable: code_pb2.UNAVAILABLE,
    errors.Unauthenticated: code_pb2.UNAUTHENTICATED,
    errors.InvalidCredentials: code_pb2.UNAUTHENTICATED,
    errors.Forbidden: code_pb2.PERMISSION_DENIED,
    errors.UsernameTaken: code_pb2.ALREADY_EXISTS,
    errors.UserNotFound: code_pb2.NOT_FOUND,
}


def status_code(error: errors.BankError) -> int:
    return grpc_status.status_code(error, _CODES)


def to_grpc_status(error: errors.BankError) -> grpc.Status:
    return grpc_status.to_status(error, status_code(error), DOMAIN)
