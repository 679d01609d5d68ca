"""Bank errors -> gRPC status with ErrorInfo -> gateway problem, end to end of the mapping."""

import grpc
import pytest
from google.rpc import code_pb2

from bank.domain import errors
from bank.entrypoints.grpc_errors import status_code
from gateway.grpc_errors import to_problem
from kernel import errors as kernel_errors
from kernel.errors import ServiceError
from tests.unit.fake_rpc_errors import FakeRpcError, rpc_error_for


@pytest.mark.parametrize(
    ("error", "grpc_code", "http_status", "problem_code"),
    [
        (kernel_errors.InvalidAmount("x"), code_pb2.INVALID_ARGUMENT, 400, "invalid_amount"),
        (errors.SameAccount("x"), code_pb2.INVALID_ARGUMENT, 400, "same_account"),
        (kernel_errors.CurrencyMismatch("x"), code_pb2.INVALID_ARGUMENT, 400, "currency_mismatch"),
        (errors.InsufficientFunds("x"), code_pb2.FAILED_PRECONDITION, 400, "insufficient_funds"),
        (kernel_errors.AccountNotFound("x"), code_pb2.NOT_FOUND, 404, "account_not_found"),
        (errors.RecipientNotFound("x"), code_pb2.NOT_FOUND, 404, "recipient_not_found"),
        (kernel_errors.IdempotencyKeyInFlight("x"), code_pb2.ABORTED, 409, "idempotency_key_in_flight"),
        (kernel_errors.IdempotencyKeyReused("x"), code_pb2.ALREADY_EXISTS, 422, "idempotency_key_reused"),
        (kernel_errors.DatabaseUnavailable("x"), code_pb2.UNAVAILABLE, 503, "database_unavailable"),
    ],
)
def test_every_bank_error_reaches_the_client_with_its_code(
    error: ServiceError, grpc_code: int, http_status: int, problem_code: str
) -> None:
    assert status_code(error) == grpc_code
    problem = to_problem(rpc_error_for(error), "bank")
    assert (problem.status, problem.code, problem.detail) == (http_status, problem_code, "x")


@pytest.mark.parametrize(
    ("code", "http_status", "problem_code"),
    [
        (grpc.StatusCode.UNAVAILABLE, 503, "bank_unavailable"),
        (grpc.StatusCode.DEADLINE_EXCEEDED, 504, "bank_timeout"),
        (grpc.StatusCode.INTERNAL, 502, "bank_error"),
    ],
)
def test_transport_failures_without_reason(code: grpc.StatusCode, http_status: int, problem_code: str) -> None:
    problem = to_problem(FakeRpcError(code, "boom"), "bank")
    assert (problem.status, problem.code) == (http_status, problem_code)
    assert problem.headers == ({"Retry-After": "1"} if http_status == 503 else None)


def test_unknown_error_class_is_internal() -> None:
    assert status_code(errors.BankError("x")) == code_pb2.INTERNAL
