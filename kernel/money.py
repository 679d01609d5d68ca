"""Exact money values: decimal strings in, Decimal with two places inside, never float."""

import re
from decimal import Decimal

from kernel.errors import InvalidAmount, InvalidCurrency

MAX_AMOUNT = Decimal("9999999999999999.99")  # fits NUMERIC(18, 2)
CENT = Decimal("0.01")
_AMOUNT = re.compile(r"^(0|[1-9]\d{0,15})(\.\d{1,2})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def parse_amount(text: str) -> Decimal:
    """A positive amount with at most two decimals; else InvalidAmount."""
    if not _AMOUNT.match(text or ""):
        raise InvalidAmount(f"amount must be a positive decimal string with at most 2 decimals, got {text!r}")
    amount = Decimal(text).quantize(CENT)
    if amount <= 0:
        raise InvalidAmount("amount must be greater than zero")
    return amount


def parse_currency(text: str) -> str:
    """A 3-letter ISO 4217 code; else InvalidCurrency."""
    if not _CURRENCY.match(text or ""):
        raise InvalidCurrency(f"currency must be a 3-letter ISO 4217 code, got {text!r}")
    return text


def format_amount(amount: Decimal) -> str:
    return str(amount.quantize(CENT))
