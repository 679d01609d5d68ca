"""Card Adapter errors as gRPC statuses carrying a google.rpc.ErrorInfo with the machine-readable reason."""

import grpc
from google.rpc import code_pb2

from card_adapter.domain import errors
from kernel import grpc_status

DOMAIN = "wallet.card_adapter"

_CODES: dict[type, int] = {
    errors.RejectedRequest: code_pb2.INVALID_ARGUMENT,
    errors.AccountNotFound: code_pb2.NOT_FOUND,
    errors.TopUpNotFound: code_pb2.NOT_FOUND,
    errors.IdempotencyKeyReused: code_pb2.ALREADY_EXISTS,
    errors.IdempotencyKeyInFlight: code_pb2.ABORTED,
    errors.ConcurrencyConflict: code_pb2.ABORTED,
    errors.DatabaseUnavailable: code_pb2.UNAVAILABLE,
}


def to_grpc_status(error: errors.CardAdapterError) -> grpc.Status:
    return grpc_status.to_status(error, grpc_status.status_code(error, _CODES), DOMAIN)
