"""Bank errors as gRPC statuses carrying a google.rpc.ErrorInfo with the machine-readable reason."""

import grpc
from google.rpc import code_pb2

from bank.domain import errors
from kernel import grpc_status
from kernel.errors import ServiceError

DOMAIN = "wallet.bank"

_CODES: dict[type[ServiceError], int] = {
    **grpc_status.SHARED_CODES,
    errors.InsufficientFunds: code_pb2.FAILED_PRECONDITION,
    errors.Unauthenticated: code_pb2.UNAUTHENTICATED,
    errors.InvalidCredentials: code_pb2.UNAUTHENTICATED,
    errors.Forbidden: code_pb2.PERMISSION_DENIED,
    errors.UsernameTaken: code_pb2.ALREADY_EXISTS,
    errors.UserNotFound: code_pb2.NOT_FOUND,
    errors.TransferNotFound: code_pb2.NOT_FOUND,
    errors.AlreadyReversed: code_pb2.ALREADY_EXISTS,
    errors.NotReversible: code_pb2.FAILED_PRECONDITION,
    errors.HoldNotFound: code_pb2.NOT_FOUND,
    errors.HoldClosed: code_pb2.FAILED_PRECONDITION,
    errors.HoldExpired: code_pb2.FAILED_PRECONDITION,
}


def status_code(error: ServiceError) -> int:
    return grpc_status.status_code(error, _CODES)


def to_grpc_status(error: ServiceError) -> grpc.Status:
    return grpc_status.to_status(error, status_code(error), DOMAIN)
