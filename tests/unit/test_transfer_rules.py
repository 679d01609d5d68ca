import uuid
from decimal import Decimal

import pytest
from google.rpc import code_pb2

from bank.domain import errors, model
from bank.entrypoints.grpc_errors import status_code
from kernel import clock
from kernel import errors as kernel_errors


def account(balance: str, currency: str = "RUB") -> model.Account:
    return model.Account(id=uuid.uuid4(), balance=Decimal(balance), currency=currency, updated_at=clock.now())


def request(
    sender: model.Account, recipient: model.Account, amount: str = "10.00", currency: str = "RUB", key: str = ""
) -> model.TransferRequest:
    return model.TransferRequest.parse(str(sender.id), str(recipient.id), amount, currency, None, key)


def test_transfer_moves_the_amount_and_bumps_versions() -> None:
    sender, recipient = account("100.00"), account("5.00")
    transfer = model.transfer(sender, recipient, request(sender, recipient, "40.25"))
    assert (sender.balance, recipient.balance) == (Decimal("59.75"), Decimal("45.25"))
    assert (sender.version, recipient.version) == (1, 1)
    assert transfer.amount == Decimal("40.25") and transfer.status == "completed"


def test_whole_balance_can_be_sent() -> None:
    sender, recipient = account("10.00"), account("0.00")
    model.transfer(sender, recipient, request(sender, recipient, "10.00"))
    assert sender.balance == 0


def test_insufficient_funds_changes_nothing() -> None:
    sender, recipient = account("10.00"), account("0.00")
    with pytest.raises(errors.InsufficientFunds):
        model.transfer(sender, recipient, request(sender, recipient, "10.01"))
    assert (sender.balance, recipient.balance, sender.version) == (Decimal("10.00"), Decimal("0.00"), 0)


@pytest.mark.parametrize("holder", ["sender", "recipient"])
def test_currency_must_match_both_accounts(holder: str) -> None:
    sender = account("100.00", "USD" if holder == "sender" else "RUB")
    recipient = account("0.00", "USD" if holder == "recipient" else "RUB")
    with pytest.raises(kernel_errors.CurrencyMismatch):
        model.transfer(sender, recipient, request(sender, recipient))
    assert sender.balance == Decimal("100.00")


def test_transfer_to_self_is_rejected_before_any_lookup() -> None:
    same = account("100.00")
    with pytest.raises(errors.SameAccount):
        request(same, same)


@pytest.mark.parametrize("bad_id", ["", "not-a-uuid", "123"])
def test_account_ids_must_be_uuids(bad_id: str) -> None:
    with pytest.raises(kernel_errors.InvalidRequest):
        model.TransferRequest.parse(bad_id, str(uuid.uuid4()), "1.00", "RUB")


def test_long_description_and_key_are_rejected() -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    with pytest.raises(kernel_errors.InvalidRequest):
        model.TransferRequest.parse(a, b, "1.00", "RUB", "x" * 256)
    with pytest.raises(kernel_errors.InvalidRequest):
        model.TransferRequest.parse(a, b, "1.00", "RUB", None, "k" * 256)


@pytest.mark.parametrize("text", ["a\x00b", "two\nlines", "tab\there", "red\x1b[31m", "csi\x9b2J", "del\x7f"])
def test_control_characters_in_description_and_key_are_invalid_arguments(text: str) -> None:
    """PostgreSQL refuses NUL in text and JSONB: a direct gRPC caller gets INVALID_ARGUMENT, not INTERNAL."""
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    with pytest.raises(kernel_errors.InvalidRequest) as raised:
        model.TransferRequest.parse(a, b, "1.00", "RUB", text)
    assert status_code(raised.value) == code_pb2.INVALID_ARGUMENT
    with pytest.raises(kernel_errors.InvalidRequest):
        model.TransferRequest.parse(a, b, "1.00", "RUB", None, text)


def test_any_other_unicode_description_is_kept() -> None:
    text = "Обед \"у Пушкина\" — 50% ☕ 'ok' <b>"
    assert model.TransferRequest.parse(str(uuid.uuid4()), str(uuid.uuid4()), "1", "RUB", text).description == text


def test_fingerprint_ignores_the_key_but_not_the_amount() -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    first = model.TransferRequest.parse(a, b, "1.5", "RUB", None, "k1")
    same = model.TransferRequest.parse(a, b, "1.50", "RUB", None, "k2")
    other = model.TransferRequest.parse(a, b, "1.51", "RUB", None, "k1")
    assert first.fingerprint == same.fingerprint != other.fingerprint


def test_deposit_credits_and_checks_currency() -> None:
    target = account("1.00")
    req = model.DepositRequest.parse(str(target.id), "2.50", "RUB", "pay-1", "top-1", "4242", "visa")
    deposit = model.deposit(target, req)
    assert target.balance == Decimal("3.50") and deposit.payment_id == "pay-1"
    with pytest.raises(kernel_errors.CurrencyMismatch):
        model.deposit(target, model.DepositRequest.parse(str(target.id), "1", "USD", "pay-2", "", "4242", ""))


@pytest.mark.parametrize(("payment_id", "last4"), [("", "4242"), ("p", "42"), ("p", "abcd")])
def test_deposit_request_validation(payment_id: str, last4: str) -> None:
    with pytest.raises(kernel_errors.InvalidRequest):
        model.DepositRequest.parse(str(uuid.uuid4()), "1.00", "RUB", payment_id, "", last4, "visa")


@pytest.mark.parametrize(
    ("payment_id", "topup_id", "brand"),
    [
        ("p\x00", "t", "visa"),
        ("p", "t\x00", "visa"),
        ("p", "t", "vi\x00sa"),
        ("p", "t" * 256, "visa"),
        ("p", "t", "b" * 33),
    ],
)
def test_deposit_text_the_store_cannot_keep_is_rejected(payment_id: str, topup_id: str, brand: str) -> None:
    with pytest.raises(kernel_errors.InvalidRequest):
        model.DepositRequest.parse(str(uuid.uuid4()), "1.00", "RUB", payment_id, topup_id, "4242", brand)
