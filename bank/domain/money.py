"""The Bank's money parsing: the shared rules of kernel.money, failing with the Bank's own errors."""

from decimal import Decimal

from kernel import money
from kernel.errors import InvalidAmount, InvalidCurrency
from kernel.money import CENT, MAX_AMOUNT, format_amount

__all__ = ["CENT", "MAX_AMOUNT", "format_amount", "parse_amount", "parse_currency"]


def parse_amount(text: str) -> Decimal:
    return money.parse_amount(text, InvalidAmount)


def parse_currency(text: str) -> str:
    return money.parse_currency(text, InvalidCurrency)
