"""Translates a failed gRPC call into the gateway's problem, once, for every backend service."""

import logging
import uuid
from typing import TypeVar

import grpc

from gateway.access_tokens import Principal
from gateway.circuit_breakers import CircuitBreakers
from gateway.problem_details import ProblemError
from gateway.request_context import grpc_metadata, request_id
from kernel import callers, deadlines
from kernel.grpc_status import error_reason
from kernel.reasons import Reason

log = logging.getLogger("gateway")
Req = TypeVar("Req")
Reply = TypeVar("Reply")

# reason (google.rpc.ErrorInfo) -> (HTTP status, title): every Reason but INTERNAL (tests/unit/test_reasons_mapped.py)
REASONS: dict[Reason, tuple[int, str]] = {
    Reason.INVALID_AMOUNT: (400, "Invalid amount"),
    Reason.INVALID_CURRENCY: (400, "Invalid currency"),
    Reason.INVALID_REQUEST: (400, "Invalid request"),
    Reason.SAME_ACCOUNT: (400, "Cannot transfer to the same account"),
    Reason.CURRENCY_MISMATCH: (400, "Currency does not match the account"),
    Reason.INSUFFICIENT_FUNDS: (400, "Insufficient funds"),
    Reason.INVALID_CARD_NUMBER: (400, "Invalid card number"),
    Reason.INVALID_CARD_EXPIRY: (400, "Invalid card expiry date"),
    Reason.CARD_EXPIRED: (400, "The card has expired"),
    Reason.INVALID_CVC: (400, "Invalid card security code"),
    Reason.INVALID_HOLDER_NAME: (400, "Invalid card holder name"),
    Reason.ACCOUNT_NOT_FOUND: (404, "Account not found"),
    Reason.RECIPIENT_NOT_FOUND: (404, "Recipient account not found"),
    Reason.TOPUP_NOT_FOUND: (404, "Top-up not found"),
    Reason.IDEMPOTENCY_KEY_IN_FLIGHT: (409, "A request with this Idempotency-Key is in progress"),
    Reason.CONCURRENCY_CONFLICT: (409, "Concurrent update, retry the request"),
    Reason.IDEMPOTENCY_KEY_REUSED: (422, "Idempotency-Key reused with a different request"),
    Reason.DATABASE_UNAVAILABLE: (503, "Database unavailable"),
    Reason.UNAUTHENTICATED: (401, "Authentication required"),
    Reason.FORBIDDEN: (403, "Forbidden"),
    Reason.INVALID_USERNAME: (400, "Invalid username"),
    Reason.WEAK_PASSWORD: (400, "Password too weak"),
    Reason.USERNAME_TAKEN: (409, "Username taken"),
    Reason.USER_NOT_FOUND: (404, "User not found"),
    Reason.TRANSFER_NOT_FOUND: (404, "Transfer not found"),
    Reason.ALREADY_REVERSED: (409, "The transfer has been reversed already"),
    Reason.NOT_REVERSIBLE: (400, "A reversal cannot be reversed"),
    Reason.HOLD_NOT_FOUND: (404, "Hold not found"),
    Reason.HOLD_CLOSED: (409, "The hold is closed already"),
    Reason.HOLD_EXPIRED: (409, "The hold has expired"),
    Reason.INVALID_CREDENTIALS: (400, "Invalid username or password"),
    Reason.INVALID_PAGE_TOKEN: (400, "Invalid cursor"),
    Reason.INVALID_PAGE_SIZE: (400, "Invalid limit"),
    Reason.INVALID_TIME_RANGE: (400, "Invalid time range"),
    Reason.ANALYTICS_STORE_UNAVAILABLE: (503, "Operation history store unavailable"),
    Reason.ANALYTICS_STORE_TIMEOUT: (504, "Operation history store did not answer in time"),
}
# The conflicts that end by themselves, where a retry may succeed: their 409 says Retry-After, the others' (e.g.
# ALREADY_REVERSED) do not.
RETRY_LATER = {Reason.IDEMPOTENCY_KEY_IN_FLIGHT, Reason.CONCURRENCY_CONFLICT}

# status code when the service gave no reason -> (HTTP status, code suffix, title, what the client may do)
CODES: dict[grpc.StatusCode, tuple[int, str, str, str]] = {
    grpc.StatusCode.UNAVAILABLE: (503, "unavailable", "is unavailable", "retry later"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (504, "timeout", "did not answer in time", "retry later"),
    grpc.StatusCode.INVALID_ARGUMENT: (400, "invalid_request", "rejected the request", "check the request"),
    grpc.StatusCode.NOT_FOUND: (404, "not_found", "found nothing", "check the request"),
}
FAILED = (502, "error", "failed", "retry later or report the request id")


def to_problem(error: grpc.aio.AioRpcError, service: str) -> ProblemError:
    """`service` names the backend in codes and titles, e.g. 'bank' -> bank_unavailable."""
    reason = error_reason(error)
    if reason in REASONS:
        # A reason comes with a message our own service wrote for its callers (e.g. the balance short of an amount).
        status, title = REASONS[Reason(reason)]
        headers = {"Retry-After": "1"} if status == 503 or reason in RETRY_LATER else None
        return ProblemError(status, reason.lower(), title, error.details(), headers)
    # Without one the text is gRPC's own (addresses, resolver and TLS errors) or an unexpected failure's:
    # it goes to the log with the request id, and the client gets a fixed sentence.
    log.warning("%s call failed: %s %r request_id=%s", service, error.code().name, error.details(), request_id.get())
    return _fixed_problem(error.code(), service)


def _fixed_problem(grpc_code: grpc.StatusCode, service: str) -> ProblemError:
    status, suffix, verb, advice = CODES.get(grpc_code, FAILED)
    code = suffix if suffix in ("invalid_request", "not_found") else f"{service}_{suffix}"
    headers = {"Retry-After": "1"} if status == 503 else None
    title = f"The {service} service {verb}"
    return ProblemError(status, code, title, f"{title}; {advice}", headers)


def internal_idempotency_key() -> str:
    """The key of a money-moving request that came without one: gRPC may send the call again after a lost connection
    (kernel.grpc_channels), and with a key a repeat is answered with the first transfer instead of a second one.
    It lives for this one HTTP request; a client that retries needs its own Idempotency-Key."""
    return f"gateway-{uuid.uuid4()}"


async def call(
    method: "grpc.aio.UnaryUnaryMultiCallable[Req, Reply]",
    request: Req,
    timeout_s: float,
    service: str,
    caller: Principal | None = None,
    breakers: CircuitBreakers | None = None,
) -> Reply:
    """One unary call with what is left of the request's deadline (at most `timeout_s`), the request id and the user
    it is made for (kernel.callers), through `service`'s circuit breaker if given; a failure raises its problem."""
    if breakers is not None:
        return await breakers.call(service, lambda: call(method, request, timeout_s, service, caller))
    metadata = grpc_metadata() + (callers.to_metadata(caller.subject, caller.role) if caller else ())
    timeout = deadlines.remaining(timeout_s)
    if timeout <= 0:  # the request's time is spent: no call that could only time out
        raise _fixed_problem(grpc.StatusCode.DEADLINE_EXCEEDED, service)
    try:
        return await method(request, timeout=timeout, metadata=metadata)
    except grpc.aio.AioRpcError as error:
        raise to_problem(error, service) from error
