"""The top-up request and state machine: parsing, public status, legal moves, the fingerprint."""

import uuid
from datetime import date

import pytest

from card_adapter.domain.card import Card
from card_adapter.domain.topup import InvalidTransition, State, TopUp, TopUpRequest
from kernel import errors as kernel_errors

CARD = Card.parse("4242424242424242", 12, 2030, "123", "Alice Smith", date(2026, 1, 1))


def request(amount: str = "10.5", card: Card = CARD, key: str | None = "k") -> TopUpRequest:
    return TopUpRequest.parse(str(uuid.UUID(int=1)), amount, "RUB", card, key)


def test_request_parses_money_exactly() -> None:
    parsed = request("10.5")
    assert str(parsed.amount) == "10.50" and parsed.currency == "RUB"


@pytest.mark.parametrize(
    ("account", "amount", "currency", "key", "error"),
    [
        ("nope", "1", "RUB", None, kernel_errors.InvalidRequest),
        (str(uuid.uuid4()), "0", "RUB", None, kernel_errors.InvalidAmount),
        (str(uuid.uuid4()), "1.001", "RUB", None, kernel_errors.InvalidAmount),
        (str(uuid.uuid4()), "1", "rub", None, kernel_errors.InvalidCurrency),
        (str(uuid.uuid4()), "1", "RUB", "k" * 256, kernel_errors.InvalidRequest),
        (str(uuid.uuid4()), "1", "RUB", "k\x00", kernel_errors.InvalidRequest),  # PostgreSQL refuses NUL in text
    ],
)
def test_bad_requests_are_rejected(account: str, amount: str, currency: str, key: str | None, error: type) -> None:
    with pytest.raises(error):
        TopUpRequest.parse(account, amount, currency, CARD, key)


def test_fingerprint_tells_bodies_apart_without_the_pan() -> None:
    assert request().fingerprint == request().fingerprint
    assert request("10.50").fingerprint == request("10.5").fingerprint
    assert request("11").fingerprint != request().fingerprint
    other = Card.parse("5555555555554444", 12, 2030, "123", "Alice Smith", date(2026, 1, 1))
    assert request(card=other).fingerprint != request().fingerprint
    assert "4242424242424242" not in request().fingerprint


def test_happy_path_and_public_status() -> None:
    topup = TopUp.new(request())
    assert (topup.state, topup.status) == (State.REQUESTED, "pending")
    assert (topup.card_last4, topup.card_brand) == ("4242", "visa")
    topup.mark_charged("ch_1")
    assert topup.status == "pending" and topup.charged_at is not None
    topup.mark_deposited()
    assert (topup.status, topup.final) == ("completed", True)


def test_refund_path_keeps_the_reason() -> None:
    topup = TopUp.new(request())
    topup.mark_charged("ch_1")
    topup.mark_refunding("deposit_failed")
    assert (topup.status, topup.decided, topup.final) == ("declined", True, False)  # only a refund can follow
    topup.mark_refunded()
    assert (topup.state, topup.status, topup.reason) == (State.REFUNDED, "declined", "deposit_failed")


@pytest.mark.parametrize("move", ["mark_declined", "mark_failing", "mark_failed"])
def test_no_charge_outcomes_are_declined(move: str) -> None:
    topup = TopUp.new(request())
    getattr(topup, move)("why")
    assert (topup.status, topup.reason, topup.decided) == ("declined", "why", True)


def test_a_capture_after_the_decline_is_refunded_and_the_answer_never_changes() -> None:
    topup = TopUp.new(request())
    topup.mark_failing("payment_gateway_timeout")
    assert (topup.status, topup.final) == ("declined", False)  # still watched for a late capture
    topup.mark_captured_late("ch_late")
    assert (topup.state, topup.status, topup.charge_id) == (State.REFUNDING, "declined", "ch_late")
    topup.mark_refunded()
    assert (topup.state, topup.status, topup.reason) == (State.REFUNDED, "declined", "payment_gateway_timeout")


def test_no_late_capture_ends_failed_with_the_reason_of_the_decline() -> None:
    topup = TopUp.new(request())
    topup.mark_failing("interrupted")
    topup.mark_failed()
    assert (topup.state, topup.status, topup.reason, topup.final) == (State.FAILED, "declined", "interrupted", True)


@pytest.mark.parametrize(
    ("state", "status"),
    [(State.REQUESTED, "pending"), (State.CHARGED, "pending"), (State.DEPOSITED, "completed"),
     (State.DECLINED, "declined"), (State.FAILING, "declined"), (State.FAILED, "declined"),
     (State.REFUNDING, "declined"), (State.REFUNDED, "declined")],
)  # fmt: skip
def test_the_public_status_of_every_state(state: State, status: str) -> None:
    topup = TopUp.new(request())
    topup.state = state
    assert (topup.status, topup.decided) == (status, status != "pending")


def test_illegal_moves_are_refused() -> None:
    topup = TopUp.new(request())
    with pytest.raises(InvalidTransition):
        topup.mark_deposited()
    topup.mark_charged("ch_1")
    topup.mark_deposited()
    with pytest.raises(InvalidTransition):
        topup.mark_refunding("late")
    failing = TopUp.new(request())
    failing.mark_failing("payment_gateway_timeout")
    for move in (lambda: failing.mark_charged("ch_2"), failing.mark_deposited, lambda: failing.mark_declined("x")):
        with pytest.raises(InvalidTransition):
            move()
    declined = TopUp.new(request())
    declined.mark_declined("card_declined")
    with pytest.raises(InvalidTransition):
        declined.mark_captured_late("ch_3")


def test_a_deposit_may_have_been_sent_unless_every_attempt_was_proven_unsent() -> None:
    topup = TopUp.new(request())
    assert not topup.deposit_maybe_sent
    topup.deposit_attempts, topup.deposits_unsent = 3, 3
    assert not topup.deposit_maybe_sent
    topup.deposit_attempts = 4
    assert topup.deposit_maybe_sent
