"""Aggregates of an account's operations: per calendar period (totals in and out, counts, the largest operation) and
per counterparty, over a time range a client asks for."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum

from analytics.domain.errors import InvalidTimeRange
from analytics.domain.history import Operation
from kernel.errors import InvalidRequest
from kernel.ids import parse_uuid

DAY_US = 86_400_000_000
EPOCH_DAY = date(1970, 1, 1)
# A range may touch this many periods (a year of days); a summary stays one screen's worth, and one query's cost.
MAX_PERIODS = 366
MAX_COUNTERPARTY_DAYS = 366
DEFAULT_COUNTERPARTIES = 5
MAX_COUNTERPARTIES = 50


class Period(Enum):
    DAY = "day"
    WEEK = "week"  # ISO: from Monday
    MONTH = "month"


def period_start(day: date, period: Period) -> date:
    """The first day of the period `day` falls in."""
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def period_end(start: date, period: Period) -> date:
    """The day after the period starting on `start` (exclusive)."""
    if period is Period.WEEK:
        return start + timedelta(days=7)
    if period is Period.MONTH:
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def day_of(us: int) -> date:
    return EPOCH_DAY + timedelta(days=us // DAY_US)


def periods_touched(from_us: int, to_us: int, period: Period) -> int:
    """How many periods [from_us, to_us) reaches into (to_us > from_us)."""
    start, last = period_start(day_of(from_us), period), period_start(day_of(to_us - 1), period)
    if period is Period.MONTH:
        return (last.year - start.year) * 12 + last.month - start.month + 1
    return (last - start).days // (7 if period is Period.WEEK else 1) + 1


def _range(from_us: int | None, to_us: int | None) -> tuple[int, int]:
    if from_us is None or to_us is None:
        raise InvalidTimeRange("from and to are both required")
    if from_us < 0:
        raise InvalidTimeRange("from must not be before 1970-01-01T00:00:00Z")
    if from_us >= to_us:
        raise InvalidTimeRange("from must be earlier than to")
    return from_us, to_us


@dataclass(frozen=True)
class SummaryQuery:
    account_id: uuid.UUID
    period: Period
    from_us: int  # inclusive
    to_us: int  # exclusive

    @classmethod
    def parse(cls, account_id: str, period: Period | None, from_us: int | None, to_us: int | None) -> "SummaryQuery":
        account = parse_uuid(account_id, "account_id")
        if period is None:
            raise InvalidRequest("period must be one of day, week, month")
        start, end = _range(from_us, to_us)
        if (touched := periods_touched(start, end, period)) > MAX_PERIODS:
            raise InvalidTimeRange(
                f"the range touches {touched} {period.value} periods, at most {MAX_PERIODS} are allowed"
            )
        return cls(account, period, start, end)


@dataclass(frozen=True)
class PeriodSummary:
    """One period's operations of one currency, each event once."""

    start: date
    period: Period
    currency: str
    total_in: Decimal
    total_out: Decimal
    count_in: int
    count_out: int
    largest: Operation

    @property
    def end(self) -> date:
        return period_end(self.start, self.period)

    @property
    def count(self) -> int:
        return self.count_in + self.count_out


@dataclass(frozen=True)
class CounterpartyQuery:
    account_id: uuid.UUID
    from_us: int
    to_us: int
    limit: int

    @classmethod
    def parse(cls, account_id: str, from_us: int | None, to_us: int | None, limit: int) -> "CounterpartyQuery":
        account = parse_uuid(account_id, "account_id")
        start, end = _range(from_us, to_us)
        if end - start > MAX_COUNTERPARTY_DAYS * DAY_US:
            raise InvalidTimeRange(f"from and to must be at most {MAX_COUNTERPARTY_DAYS} days apart")
        if limit == 0:
            limit = DEFAULT_COUNTERPARTIES
        if not 1 <= limit <= MAX_COUNTERPARTIES:
            raise InvalidRequest(f"limit must be between 1 and {MAX_COUNTERPARTIES}, got {limit}")
        return cls(account, start, end, limit)


@dataclass(frozen=True)
class Counterparty:
    account_id: str
    currency: str
    total_in: Decimal
    total_out: Decimal
    count: int

    @property
    def total(self) -> Decimal:
        return self.total_in + self.total_out
