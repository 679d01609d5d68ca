"""Point-in-time balances and statements, read from the ledger's entries (bank.domain.ledger).

One rule for both: the balance at an instant T counts every entry at or before T; a statement of [from, to) lists
the entries at or after `from` and before `to`, so its opening balance is the balance just before `from` and its
closing balance the balance just before `to` (the balance at `to` less any movement at exactly `to`). Consecutive
statements [a, b), [b, c) therefore list every movement once, and the operation history's [from, to) (the same
half-open rule) lists the same movements."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from kernel.errors import InvalidTimeRange

MAX_STATEMENT_PERIOD = timedelta(days=366)
MAX_STATEMENT_LINES = 1000


class LineKind(StrEnum):
    OPENING = "opening"  # an account loaded with a balance (seeds, tests)
    TRANSFER = "transfer"
    REVERSAL = "reversal"  # a transfer correcting an earlier one
    CAPTURE = "capture"  # the captured part of a hold
    TOPUP = "topup"  # a deposit of a card top-up


def parse_instant(text: str, what: str) -> datetime:
    """An RFC 3339 time with its offset, in UTC; InvalidTimeRange if malformed or without an offset."""
    try:
        instant = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidTimeRange(f"{what} must be an RFC 3339 time with an offset, got {text!r}") from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidTimeRange(f"{what} needs an offset (e.g. Z or +03:00), got {text!r}")
    return instant.astimezone(UTC)


def past_instant(text: str, what: str, now: datetime) -> datetime:
    """An instant not after `now`: the future's balance is not known yet, and an answer about it would change."""
    instant = parse_instant(text, what)
    if instant > now:
        raise InvalidTimeRange(f"{what} ({instant.isoformat()}) is in the future; the Bank's time is {now.isoformat()}")
    return instant


@dataclass(frozen=True)
class Period:
    """[start, end): at most MAX_STATEMENT_PERIOD long, ending no later than now."""

    start: datetime
    end: datetime

    @classmethod
    def parse(cls, start: str, end: str, now: datetime) -> "Period":
        period = cls(parse_instant(start, "from"), past_instant(end, "to", now))
        if period.start >= period.end:
            raise InvalidTimeRange("from must be earlier than to")
        if period.end - period.start > MAX_STATEMENT_PERIOD:
            raise InvalidTimeRange(f"from and to must be at most {MAX_STATEMENT_PERIOD.days} days apart")
        return period


@dataclass(frozen=True)
class BalanceAt:
    """An account's balance at an instant: its entries up to then, less what the holds open then reserved."""

    account_id: uuid.UUID
    currency: str
    balance: Decimal
    held: Decimal
    at: datetime
    updated_at: datetime  # its last entry at or before `at`; else its creation, or `at` if that came later

    @property
    def available(self) -> Decimal:
        return self.balance - self.held


@dataclass(frozen=True)
class Movement:
    """One of the account's entries, with what a statement shows of the movement it belongs to."""

    movement_id: uuid.UUID
    kind: LineKind
    amount: Decimal  # signed: the change to the account's balance
    occurred_at: datetime
    counterparty_account_id: uuid.UUID | None = None
    description: str | None = None

    @property
    def is_debit(self) -> bool:
        return self.amount < 0


@dataclass(frozen=True)
class StatementLine:
    movement: Movement
    balance_after: Decimal


@dataclass(frozen=True)
class Statement:
    account_id: uuid.UUID
    currency: str
    period: Period
    opening_balance: Decimal
    lines: list[StatementLine]

    @property
    def closing_balance(self) -> Decimal:
        return self.lines[-1].balance_after if self.lines else self.opening_balance

    @property
    def total_in(self) -> Decimal:
        return sum((line.movement.amount for line in self.lines if not line.movement.is_debit), Decimal("0.00"))

    @property
    def total_out(self) -> Decimal:
        return -sum((line.movement.amount for line in self.lines if line.movement.is_debit), Decimal("0.00"))


def statement(
    account_id: uuid.UUID, currency: str, period: Period, opening: Decimal, movements: list[Movement]
) -> Statement:
    """`movements` in time order, each line with the balance after it; InvalidTimeRange above MAX_STATEMENT_LINES."""
    if len(movements) > MAX_STATEMENT_LINES:
        raise InvalidTimeRange(
            f"the period holds more than {MAX_STATEMENT_LINES} operations; ask for a narrower period"
        )
    lines, balance = [], opening
    for movement in movements:
        balance += movement.amount
        lines.append(StatementLine(movement, balance))
    return Statement(account_id, currency, period, opening, lines)
