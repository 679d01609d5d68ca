"""gRPC errors as a client sees them, made without a server: a Bank error as its servicer would send it."""

import grpc

from bank.entrypoints.grpc_errors import to_grpc_status
from kernel.errors import ServiceError


class FakeRpcError(grpc.aio.AioRpcError):
    def __init__(self, code: grpc.StatusCode, details: str, trailing: tuple = ()) -> None:
        super().__init__(code, grpc.aio.Metadata(), grpc.aio.Metadata(*trailing), details)


def rpc_error_for(error: ServiceError) -> FakeRpcError:
    status = to_grpc_status(error)
    return FakeRpcError(status.code, status.details, tuple(status.trailing_metadata))
