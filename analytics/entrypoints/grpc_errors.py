"""Analytics errors as gRPC statuses carrying a google.rpc.ErrorInfo with the machine-readable reason."""

import grpc
from google.rpc import code_pb2

from analytics.domain import errors
from kernel import grpc_status
from kernel.errors import ServiceError

DOMAIN = "wallet.analytics"

_CODES: dict[type[ServiceError], int] = {
    **grpc_status.SHARED_CODES,
    errors.StoreUnavailable: code_pb2.UNAVAILABLE,
    errors.StoreTimeout: code_pb2.DEADLINE_EXCEEDED,
}


def to_grpc_status(error: ServiceError) -> grpc.Status:
    return grpc_status.to_status(error, grpc_status.status_code(error, _CODES), DOMAIN)
