from decimal import Decimal

import pytest

from kernel.errors import InvalidAmount, InvalidCurrency
from kernel.money import format_amount, parse_amount, parse_currency


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", "1.00"), ("0.01", "0.01"), ("10.5", "10.50"), ("9999999999999999.99", "9999999999999999.99")],
)
def test_valid_amounts_are_exact(text: str, expected: str) -> None:
    assert format_amount(parse_amount(text)) == expected
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    ["0", "0.00", "-1", "-0.01", "1.001", "1e3", "01", "", " 1", "1.", ".5", "NaN", "Infinity", "10000000000000000"],
)
def test_invalid_amounts_are_rejected(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount(text)


@pytest.mark.parametrize("text", ["rub", "RU", "RUBB", "", "R1B"])
def test_invalid_currencies_are_rejected(text: str) -> None:
    with pytest.raises(InvalidCurrency):
        parse_currency(text)
