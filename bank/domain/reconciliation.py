"""Reconciliation of the Bank's operations with the analytics store: what each side holds per account and day, where
they differ, and which operations the store lacks."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bank.domain.model import Deposit, Transfer

# Event ids chosen for an event whose outbox row and every stored copy are gone (kernel-independent, stable).
REDELIVERY_NAMESPACE = uuid.UUID("6f1c3f9e-8a51-4b8e-9d2a-5c0f8e2b7a41")


@dataclass(frozen=True)
class Tally:
    """Operations of one account on one UTC day: how many, and their amounts added (debits and credits alike)."""

    count: int = 0
    total: Decimal = Decimal("0.00")


Key = tuple[uuid.UUID, date]  # (account, UTC day)


@dataclass(frozen=True)
class Mismatch:
    account_id: uuid.UUID
    day: date
    expected: Tally  # the Bank's
    stored: Tally  # the analytics store's, each event once


def compare(expected: Mapping[Key, Tally], stored: Mapping[Key, Tally]) -> list[Mismatch]:
    """Every account-day whose count or sum differs, in order; a day one side lacks counts as an empty tally."""
    keys = sorted(set(expected) | set(stored), key=lambda k: (k[1], str(k[0])))
    return [
        Mismatch(account, day, expected.get((account, day), Tally()), stored.get((account, day), Tally()))
        for account, day in keys
        if expected.get((account, day), Tally()) != stored.get((account, day), Tally())
    ]


@dataclass(frozen=True)
class Movement:
    """A completed operation as the Bank recorded it: the source of its event."""

    operation: Transfer | Deposit

    @property
    def event_type(self) -> str:
        return "TransferCompleted" if isinstance(self.operation, Transfer) else "TopUpCompleted"

    @property
    def operation_id(self) -> str:
        """The id the analytics store knows it by: the transfer id, or the top-up id of a deposit."""
        return str(self.operation.id) if isinstance(self.operation, Transfer) else self.operation.topup_id

    @property
    def accounts(self) -> tuple[uuid.UUID, ...]:
        """The accounts whose history holds it."""
        o = self.operation
        return (o.from_account_id, o.to_account_id) if isinstance(o, Transfer) else (o.account_id,)

    def fallback_event_id(self) -> uuid.UUID:
        """The event id of a redelivery when no copy of the original id survives anywhere: stable, so two repairs of
        the same operation still deduplicate downstream."""
        return uuid.uuid5(REDELIVERY_NAMESPACE, f"{self.event_type}:{self.operation_id}")


@dataclass
class Report:
    """One reconciliation of [start, end) UTC days."""

    checked: int  # account-days either side holds
    mismatches: list[Mismatch]
    missing: list[Movement] = field(default_factory=list)  # operations the store lacks, each once
    redelivered: list[uuid.UUID] = field(default_factory=list)  # event ids written to the outbox again

    @property
    def consistent(self) -> bool:
        return not self.mismatches
