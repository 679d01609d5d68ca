"""Card input rules: Luhn, brand, expiry, CVC, holder name; the PAN and CVC never show in errors or repr."""

from datetime import date

import pytest

from card_adapter.domain import errors
from card_adapter.domain.card import Card, brand_of, luhn_valid

TODAY = date(2026, 11, 26)
VISA = "4242424242424242"


def card(number: str = VISA, month: int = 12, year: int = 2030, cvc: str = "123", name: str = "Alice Smith") -> Card:
    return Card.parse(number, month, year, cvc, name, TODAY)


@pytest.mark.parametrize(
    "number", [VISA, "5555555555554444", "378282246310005", "2200000000000004", "4000000000000259"]
)
def test_luhn_accepts_valid_numbers(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["4242424242424241", "5555555555554445", "1234567812345678"])
def test_luhn_rejects_a_wrong_check_digit(number: str) -> None:
    assert not luhn_valid(number)


@pytest.mark.parametrize(
    ("number", "brand"),
    [(VISA, "visa"), ("5555555555554444", "mastercard"), ("2221000000000009", "mastercard"),
     ("378282246310005", "amex"), ("2200000000000004", "mir"), ("6011111111111117", "unknown")],
)  # fmt: skip
def test_brand_from_the_number(number: str, brand: str) -> None:
    assert brand_of(number) == brand


def test_a_valid_card_keeps_digits_last4_and_brand() -> None:
    parsed = card("4242 4242-4242 4242", name="  Jean-Luc   O'Neil Jr. ")
    assert (parsed.number, parsed.last4, parsed.brand) == (VISA, "4242", "visa")
    assert parsed.holder_name == "Jean-Luc O'Neil Jr."


def test_repr_hides_the_number_and_cvc() -> None:
    text = repr(card(cvc="987"))
    assert VISA not in text and "987" not in text and "4242" not in text


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"number": "4242424242424241"}, errors.InvalidCardNumber),
        ({"number": "42424242"}, errors.InvalidCardNumber),
        ({"number": "4242x24242424242"}, errors.InvalidCardNumber),
        ({"number": ""}, errors.InvalidCardNumber),
        ({"month": 0}, errors.InvalidCardExpiry),
        ({"month": 13}, errors.InvalidCardExpiry),
        ({"year": 30}, errors.InvalidCardExpiry),
        ({"year": 2099}, errors.InvalidCardExpiry),
        ({"month": 10, "year": 2026}, errors.CardExpired),
        ({"month": 12, "year": 2025}, errors.CardExpired),
        ({"cvc": "12"}, errors.InvalidCvc),
        ({"cvc": "12345"}, errors.InvalidCvc),
        ({"cvc": "12a"}, errors.InvalidCvc),
        ({"name": "A"}, errors.InvalidHolderName),
        ({"name": "R2D2"}, errors.InvalidHolderName),
        ({"name": "..."}, errors.InvalidHolderName),
        ({"name": "x" * 101}, errors.InvalidHolderName),
        ({"name": "Alice\x00Smith"}, errors.InvalidHolderName),  # PostgreSQL and the gateway refuse NUL
        ({"name": "Alice\tSmith"}, errors.InvalidHolderName),
        ({"name": "Alice\nSmith"}, errors.InvalidHolderName),
    ],
)
def test_invalid_card_input_is_rejected_without_echoing_secrets(
    kwargs: dict, error: type[errors.CardAdapterError]
) -> None:
    with pytest.raises(error) as raised:
        card(**kwargs)
    assert raised.value.reason == error.reason
    assert "42424242" not in raised.value.message and "4241" not in raised.value.message


def test_a_card_is_valid_through_its_expiry_month() -> None:
    assert card(month=11, year=2026).exp_month == 11
