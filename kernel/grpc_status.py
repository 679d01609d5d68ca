"""Service errors as gRPC statuses carrying a google.rpc.ErrorInfo, and the reason read back by clients."""

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from kernel import deadlines, errors
from kernel.errors import ServiceError

R = TypeVar("R")
E = TypeVar("E", bound=Exception)
# The context of a call a grpc.aio servicer answers (the messages it carries are typed on the servicer's method).
Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"  # generic in grpc's stubs only
INTERNAL: int = code_pb2.INTERNAL
# The gRPC code of each error every service shares (kernel.errors); a service adds its own errors' codes.
SHARED_CODES: dict[type[ServiceError], int] = {
    errors.RejectedRequest: code_pb2.INVALID_ARGUMENT,
    errors.AccountNotFound: code_pb2.NOT_FOUND,
    errors.IdempotencyKeyReused: code_pb2.ALREADY_EXISTS,
    errors.IdempotencyKeyInFlight: code_pb2.ABORTED,
    errors.ConcurrencyConflict: code_pb2.ABORTED,
    errors.DatabaseUnavailable: code_pb2.UNAVAILABLE,
}


def status_code(error: Exception, codes: Mapping[type, int]) -> int:
    """The code of the most specific class in `codes`: e.g. InsufficientFunds before RejectedRequest."""
    for cls in type(error).__mro__:
        if cls in codes:
            return codes[cls]
    return INTERNAL


def to_status(error: ServiceError, code: int, domain: str) -> grpc.Status:
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=domain))
    status = status_pb2.Status(code=code, message=error.message, details=[detail])
    converted: grpc.Status = rpc_status.to_status(status)
    return converted


def error_reason(error: grpc.aio.AioRpcError) -> str | None:
    """The ErrorInfo reason a service attached to a failed call, if any."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    reason: str = info.reason
                    return reason
    return None


async def answer(
    context: Context,
    work: Callable[[], Awaitable[R]],
    expected: type[E],
    to_grpc_status: Callable[[E], grpc.Status],
    log: logging.Logger,
) -> R:
    """Run a use case within the caller's deadline (kernel.deadlines); an `expected` error becomes its gRPC status,
    anything else INTERNAL (logged)."""
    try:
        with deadlines.within(context.time_remaining()):
            return await work()
    except expected as error:
        await context.abort_with_status(to_grpc_status(error))
    except Exception:
        log.exception("unexpected error")
        await context.abort(grpc.StatusCode.INTERNAL, "internal error")
    raise AssertionError("unreachable")
