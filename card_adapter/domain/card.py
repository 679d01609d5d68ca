"""Card input rules (Luhn, expiry, CVC, holder name) and the card's brand; the PAN never leaves memory."""

import re
from dataclasses import dataclass, field
from datetime import date

from card_adapter.domain.errors import CardExpired, InvalidCardExpiry, InvalidCardNumber, InvalidCvc, InvalidHolderName
from kernel.free_text import has_control_characters

MAX_YEARS_AHEAD = 20
MAX_HOLDER_NAME = 100
_SEPARATORS = re.compile(r"[ -]")
_DIGITS = re.compile(r"^\d{12,19}$")
_CVC = re.compile(r"^\d{3,4}$")
_NAME_PUNCTUATION = set(" .'-")
# (brand, PAN prefixes as ranges of the first digits)
_BRANDS = [
    ("mir", [(2200, 2204)]),
    ("mastercard", [(51, 55), (2221, 2720)]),
    ("visa", [(4, 4)]),
    ("amex", [(34, 34), (37, 37)]),
]


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def brand_of(digits: str) -> str:
    for brand, ranges in _BRANDS:
        for low, high in ranges:
            if low <= int(digits[: len(str(low))]) <= high:
                return brand
    return "unknown"


@dataclass(frozen=True)
class Card:
    """A validated card. `number` and `cvc` are hidden from repr so no log line can carry them."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)
    holder_name: str

    @classmethod
    def parse(cls, number: str, exp_month: int, exp_year: int, cvc: str, holder_name: str, today: date) -> "Card":
        # Messages never quote the number or the CVC: they reach clients and logs.
        digits = _SEPARATORS.sub("", number or "")
        if not _DIGITS.match(digits):
            raise InvalidCardNumber("card number must have 12 to 19 digits")
        if not luhn_valid(digits):
            raise InvalidCardNumber("card number is not valid (checksum)")
        _check_expiry(exp_month, exp_year, today)
        if not _CVC.match(cvc or ""):
            raise InvalidCvc("cvc must be 3 or 4 digits")
        return cls(digits, exp_month, exp_year, cvc, _holder_name(holder_name))

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def brand(self) -> str:
        return brand_of(self.number)


def _check_expiry(month: int, year: int, today: date) -> None:
    if not 1 <= month <= 12:
        raise InvalidCardExpiry(f"exp_month must be 1 to 12, got {month}")
    if not 2000 <= year <= today.year + MAX_YEARS_AHEAD:
        raise InvalidCardExpiry(f"exp_year must be a four-digit year at most {MAX_YEARS_AHEAD} years ahead, got {year}")
    # A card is valid through the last day of its expiry month.
    if (year, month) < (today.year, today.month):
        raise CardExpired(f"the card expired in {month:02d}/{year}")


def _holder_name(text: str) -> str:
    # Checked before spaces are collapsed, so a tab or NUL is refused as it is at the gateway, not smoothed over.
    if has_control_characters(text or ""):
        raise InvalidHolderName("holder_name must not contain control characters (such as NUL or a tab)")
    name = " ".join((text or "").split())
    if not 2 <= len(name) <= MAX_HOLDER_NAME:
        raise InvalidHolderName(f"holder_name must be 2 to {MAX_HOLDER_NAME} characters")
    if not all(c.isalpha() or c in _NAME_PUNCTUATION for c in name) or not any(c.isalpha() for c in name):
        raise InvalidHolderName("holder_name may hold only letters, spaces, dots, apostrophes and hyphens")
    return name
