"""Card Adapter errors -> gRPC status -> gateway problem; Bank failures -> what they mean for a deposit."""

import uuid
from datetime import date

import grpc
import pytest

from card_adapter.adapters.bank_client import GrpcBank, deposit_failure
from card_adapter.domain import errors
from card_adapter.domain.card import Card
from card_adapter.domain.outcomes import DepositNotSent, DepositOutcomeUnknown, DepositRejected
from card_adapter.domain.topup import TopUp, TopUpRequest
from card_adapter.entrypoints.grpc_errors import to_grpc_status
from gateway.grpc_errors import to_problem
from kernel import errors as kernel_errors
from kernel.errors import ServiceError
from tests.unit.card_adapter_fakes import FakeBankChannel
from tests.unit.fake_rpc_errors import FakeRpcError, rpc_error_for

NO_CONNECTION = "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:1: Connection refused"


def card_rpc_error(error: ServiceError) -> FakeRpcError:
    status = to_grpc_status(error)
    return FakeRpcError(status.code, status.details, tuple(status.trailing_metadata))


@pytest.mark.parametrize(
    ("error", "http_status", "problem_code"),
    [
        (errors.InvalidCardNumber("x"), 400, "invalid_card_number"),
        (errors.InvalidCardExpiry("x"), 400, "invalid_card_expiry"),
        (errors.CardExpired("x"), 400, "card_expired"),
        (errors.InvalidCvc("x"), 400, "invalid_cvc"),
        (errors.InvalidHolderName("x"), 400, "invalid_holder_name"),
        (kernel_errors.InvalidAmount("x"), 400, "invalid_amount"),
        (kernel_errors.CurrencyMismatch("x"), 400, "currency_mismatch"),
        (kernel_errors.AccountNotFound("x"), 404, "account_not_found"),
        (errors.TopUpNotFound("x"), 404, "topup_not_found"),
        (kernel_errors.IdempotencyKeyInFlight("x"), 409, "idempotency_key_in_flight"),
        (kernel_errors.IdempotencyKeyReused("x"), 422, "idempotency_key_reused"),
        (kernel_errors.DatabaseUnavailable("x"), 503, "database_unavailable"),
    ],
)
def test_every_card_adapter_error_reaches_the_client_with_its_code(
    error: ServiceError, http_status: int, problem_code: str
) -> None:
    problem = to_problem(card_rpc_error(error), "card_adapter")
    assert (problem.status, problem.code, problem.detail) == (http_status, problem_code, "x")


def test_adapter_down_is_named_in_the_problem() -> None:
    problem = to_problem(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down"), "card_adapter")
    assert (problem.status, problem.code) == (503, "card_adapter_unavailable")


def test_bank_refusals_are_final_rejections() -> None:
    failure = deposit_failure(rpc_error_for(kernel_errors.AccountNotFound("gone")))
    assert isinstance(failure, DepositRejected) and failure.reason == "account_not_found"


def charged_topup() -> TopUp:
    card = Card.parse("4242424242424242", 12, 2030, "123", "Alice Smith", date(2026, 1, 1))
    topup = TopUp.new(TopUpRequest.parse(str(uuid.uuid4()), "5.00", "RUB", card))
    topup.mark_charged("ch_1")
    return topup


async def test_a_channel_never_ready_means_the_deposit_was_never_sent() -> None:
    channel = FakeBankChannel(ready=False)
    with pytest.raises(DepositNotSent):
        await GrpcBank(channel, timeout_s=0.01).deposit(charged_topup())  # type: ignore[arg-type]
    assert channel.sent == []


@pytest.mark.parametrize("details", [NO_CONNECTION, "Socket closed", "Connection reset by peer"])
async def test_unavailable_over_a_ready_channel_may_have_landed_whatever_its_wording(details: str) -> None:
    channel = FakeBankChannel(ready=True, error=FakeRpcError(grpc.StatusCode.UNAVAILABLE, details))
    with pytest.raises(DepositOutcomeUnknown):
        await GrpcBank(channel, timeout_s=0.01).deposit(charged_topup())  # type: ignore[arg-type]
    assert channel.sent == ["DepositMoney"]


@pytest.mark.parametrize(
    ("code", "details"),
    [(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded"), (grpc.StatusCode.UNAVAILABLE, "Socket closed"),
     (grpc.StatusCode.UNAVAILABLE, NO_CONNECTION), (grpc.StatusCode.INTERNAL, "boom")],
)  # fmt: skip
def test_anything_else_may_have_landed(code: grpc.StatusCode, details: str) -> None:
    assert isinstance(deposit_failure(FakeRpcError(code, details)), DepositOutcomeUnknown)


def test_bank_side_database_outage_may_have_landed() -> None:
    assert isinstance(deposit_failure(rpc_error_for(kernel_errors.DatabaseUnavailable("db"))), DepositOutcomeUnknown)


class FakeContext:
    def __init__(self, remaining: float | None) -> None:
        self.remaining = remaining

    def time_remaining(self) -> float | None:
        return self.remaining


@pytest.mark.parametrize(("remaining", "expected"), [(None, 2.5), (10.0, 2.5), (2.0, 1.5), (0.2, 0.0)])
def test_the_answer_never_outlives_the_callers_deadline(remaining: float | None, expected: float) -> None:
    from card_adapter.entrypoints.grpc_server import _answer_within

    assert _answer_within(2.5, FakeContext(remaining)) == pytest.approx(expected)  # type: ignore[arg-type]
