"""Use case: compare the Bank's operations with the analytics store per account and day, and deliver again, through
the outbox, the events the store lacks (it deduplicates by event id, so a redelivery can only fill a gap)."""

import logging
import uuid
from datetime import datetime
from typing import Protocol

from bank.domain import events
from bank.domain.events import OutboxEvent
from bank.domain.model import Transfer
from bank.domain.reconciliation import Key, Movement, Report, Tally, compare

log = logging.getLogger("bank.reconciliation")


class Ledger(Protocol):
    """The Bank's side (PostgreSQL)."""

    async def tallies(self, start: datetime, end: datetime) -> dict[Key, Tally]: ...
    async def movements(self, key: Key) -> list[Movement]: ...
    async def outbox_event_id(self, movement: Movement) -> uuid.UUID | None: ...
    async def deliver_again(self, event: OutboxEvent) -> None: ...


class OperationsStore(Protocol):
    """The analytics store's side (ClickHouse), each event once."""

    async def tallies(self, start: datetime, end: datetime) -> dict[Key, Tally]: ...
    async def operation_ids(self, key: Key) -> set[str]: ...
    async def event_id(self, movement: Movement) -> uuid.UUID | None: ...


async def reconcile(ledger: Ledger, store: OperationsStore, start: datetime, end: datetime, repair: bool) -> Report:
    """[start, end) in whole UTC days or not, compared per account and day; with `repair`, every missing operation's
    event is written to the outbox again, under its original id where one survives."""
    expected, stored = await ledger.tallies(start, end), await store.tallies(start, end)
    report = Report(checked=len(expected.keys() | stored.keys()), mismatches=compare(expected, stored))
    seen: set[tuple[str, str]] = set()
    for mismatch in report.mismatches:
        key = (mismatch.account_id, mismatch.day)
        present = await store.operation_ids(key)
        for movement in await ledger.movements(key):
            identity = (movement.event_type, movement.operation_id)
            if movement.operation_id not in present and identity not in seen:
                seen.add(identity)
                report.missing.append(movement)
    if repair:
        for movement in report.missing:
            event = await _event(ledger, store, movement)
            await ledger.deliver_again(event)
            report.redelivered.append(event.id)
            log.warning(
                "reconciliation: delivered %s %s again as event %s (missing from the analytics store)",
                movement.event_type,
                movement.operation_id,
                event.id,
            )
    return report


async def _event(ledger: Ledger, store: OperationsStore, movement: Movement) -> OutboxEvent:
    """The event as first published: its id from a copy the store still holds (the other side of a transfer), else
    from its outbox row, else a stable new one (nothing downstream holds the original, so nothing can double)."""
    event_id = await store.event_id(movement) or await ledger.outbox_event_id(movement) or movement.fallback_event_id()
    if isinstance(movement.operation, Transfer):
        return events.transfer_completed(movement.operation, event_id=event_id)
    return events.topup_completed(movement.operation, event_id=event_id)
