"""An account's history: its operations, the filter a client asks for, and the keyset rules of a page."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum

from analytics.domain.errors import InvalidPageSize, InvalidTimeRange
from kernel.ids import parse_uuid

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class OperationType(Enum):
    TRANSFER = "transfer"
    TOPUP = "topup"


class Direction(Enum):
    DEBIT = "debit"
    CREDIT = "credit"


@dataclass(frozen=True)
class Position:
    """Where an operation sits in newest-first order; the next page starts strictly older than it."""

    occurred_at_us: int
    event_id: uuid.UUID


@dataclass(frozen=True)
class Operation:
    """One account's side of one event: a transfer's debit or credit, or a top-up's credit."""

    event_id: uuid.UUID
    occurred_at_us: int
    type: OperationType
    direction: Direction
    amount: Decimal
    currency: str
    operation_id: str
    counterparty_id: str | None = None
    description: str | None = None
    kind: str = ""  # a transfer's: transfer, reversal or capture; topup for a top-up
    reverses_operation_id: str | None = None  # a reversal's: the transfer it corrects
    hold_id: str | None = None  # a capture's: the hold it captured

    @property
    def position(self) -> Position:
        return Position(self.occurred_at_us, self.event_id)

    @property
    def occurred_at(self) -> datetime:
        return EPOCH + timedelta(microseconds=self.occurred_at_us)


def microseconds(seconds: int, nanos: int) -> int:
    """A bound in microseconds since the epoch; a sub-microsecond part rounds up, so that an inclusive
    lower bound never admits an earlier operation and an exclusive upper bound never drops a later one."""
    return seconds * 1_000_000 + -(-nanos // 1000)


@dataclass(frozen=True)
class HistoryFilter:
    """What a client asks for; a page token is valid only with the filter it was issued for."""

    account_id: uuid.UUID
    types: frozenset[OperationType] = frozenset()  # empty: every type
    from_us: int | None = None  # inclusive
    to_us: int | None = None  # exclusive

    @classmethod
    def parse(
        cls,
        account_id: str,
        types: Iterable[OperationType] = (),
        from_us: int | None = None,
        to_us: int | None = None,
    ) -> "HistoryFilter":
        account = parse_uuid(account_id, "account_id")
        if any(bound is not None and bound < 0 for bound in (from_us, to_us)):
            raise InvalidTimeRange("from and to must not be before 1970-01-01T00:00:00Z")
        if from_us is not None and to_us is not None and from_us >= to_us:
            raise InvalidTimeRange("from must be earlier than to")
        chosen = frozenset(types)
        # Asking for every type is asking for no type filter: one filter, one token binding.
        return cls(account, frozenset() if chosen == set(OperationType) else chosen, from_us, to_us)

    def canonical(self) -> bytes:
        """The same bytes for the same filter, in whatever order its types were given."""
        types = ",".join(sorted(t.value for t in self.types))
        bounds = "|".join("" if b is None else str(b) for b in (self.from_us, self.to_us))
        return f"{self.account_id}|{types}|{bounds}".encode()


def page_size(requested: int) -> int:
    """0 asks for the default; anything outside 1..MAX_PAGE_SIZE is rejected, not silently clamped."""
    if requested == 0:
        return DEFAULT_PAGE_SIZE
    if not 1 <= requested <= MAX_PAGE_SIZE:
        raise InvalidPageSize(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {requested}")
    return requested


@dataclass(frozen=True)
class Page:
    operations: list[Operation]
    next_after: Position | None  # None: this is the last page

    @classmethod
    def cut(cls, newest_first: list[Operation], size: int) -> "Page":
        """`newest_first` holds up to size + 1 operations: the extra one only proves there is a next page,
        so the last page never ends with a token that leads to an empty one."""
        operations = newest_first[:size]
        more = len(newest_first) > size
        return cls(operations, operations[-1].position if more else None)
