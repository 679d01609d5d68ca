"""The Bank's business and pipeline metrics: transfers and deposits by outcome, money moved, holds, outbox rows
committed, and what is read at scrape time: the open holds and the WAL its replication slots hold back."""

import math
from collections.abc import Iterable
from decimal import Decimal

from prometheus_client import Counter, Gauge
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from kernel.errors import ServiceError
from kernel.metrics import IDEMPOTENT_REPLAYS, register_loop_gauges

TRANSFERS = Counter(
    "wallet_transfers",
    "Transfers asked of the Bank by outcome: completed, or the reason it was refused in snake_case (replays apart)",
    ["outcome"],
)
DEPOSITS = Counter(
    "wallet_deposits",
    "Deposits (settled top-ups) asked of the Bank by outcome: completed, or the reason refused (replays apart)",
    ["outcome"],
)
MONEY_MOVED = Counter(
    "wallet_money_moved",
    "Amount moved by completed transfers and deposits, in units of the currency",
    ["currency", "operation"],
)
OUTBOX_ROWS = Counter(
    "wallet_outbox_rows_written",
    "Outbox rows committed, by event type (each becomes a message on the operations topic)",
    ["type"],
)
RECONCILIATION_MISMATCHES = Gauge(
    "wallet_reconciliation_mismatched_days",
    "Account-days whose operation count or sum differ between PostgreSQL and ClickHouse at the last reconciliation "
    "(NaN: it could not run)",
)
RECONCILIATION_MISSING = Gauge(
    "wallet_reconciliation_missing_events", "Operations PostgreSQL committed that ClickHouse lacked at the last check"
)
RECONCILIATION_REDELIVERED = Counter(
    "wallet_reconciliation_redelivered_events", "Events written to the outbox again because ClickHouse lacked them"
)
RECONCILIATION_CHECKED_AT = Gauge(
    "wallet_reconciliation_last_run_timestamp_seconds", "When the last reconciliation completed (Unix time)"
)
HOLDS = Counter(
    "wallet_holds",
    "Holds by what happened to them: placed, captured, voided, expired (by the expiry worker)",
    ["event"],
)
OPEN_HOLDS = "wallet_holds_open"
OPEN_HOLDS_AMOUNT = "wallet_holds_open_amount"
# By the partial index of open holds.
_OPEN_HOLDS = text("SELECT currency, count(*), sum(amount) FROM holds WHERE status = 'placed' GROUP BY currency")
RETAINED_WAL = "wallet_replication_slot_retained_wal_bytes"
# pg_replication_slots and pg_current_wal_lsn() need no privilege; an invalidated slot has no restart_lsn.
_RETAINED_WAL = text(
    "SELECT slot_name, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots "
    "WHERE restart_lsn IS NOT NULL"
)
COMPLETED = "completed"
INTERNAL = "internal"
_completed_transfers = TRANSFERS.labels(COMPLETED)
_completed_deposits = DEPOSITS.labels(COMPLETED)
_transfer_replays = IDEMPOTENT_REPLAYS.labels("transfer")
_deposit_replays = IDEMPOTENT_REPLAYS.labels("deposit")


def outcome(error: BaseException) -> str:
    """A refusal's outcome label: the Bank error's reason in snake_case, `internal` for anything else."""
    return error.reason.lower() if isinstance(error, ServiceError) else INTERNAL


def transfer_answered(amount: Decimal, currency: str, replayed: bool) -> None:
    if replayed:
        _transfer_replays.inc()
        return
    _completed_transfers.inc()
    MONEY_MOVED.labels(currency, "transfer").inc(float(amount))


def deposit_answered(amount: Decimal, currency: str, replayed: bool) -> None:
    if replayed:
        _deposit_replays.inc()
        return
    _completed_deposits.inc()
    MONEY_MOVED.labels(currency, "deposit").inc(float(amount))


def transfer_refused(error: BaseException) -> None:
    TRANSFERS.labels(outcome(error)).inc()


def deposit_refused(error: BaseException) -> None:
    DEPOSITS.labels(outcome(error)).inc()


def outbox_rows_committed(types: Iterable[str]) -> None:
    for event_type in types:
        OUTBOX_ROWS.labels(event_type).inc()


def watch_replication_slots(engine: AsyncEngine) -> None:
    """Serve the WAL each replication slot retains (Debezium's included), read from PostgreSQL at each scrape.
    Every replica reports the same database-wide figure."""

    async def read() -> Iterable[Metric]:
        gauge = GaugeMetricFamily(RETAINED_WAL, _HELP, labels=["slot"])
        async with engine.connect() as connection:
            for slot, retained in await connection.execute(_RETAINED_WAL):
                gauge.add_metric([slot], float(retained))
        return [gauge]

    register_loop_gauges({RETAINED_WAL: _HELP}, read)


_HELP = "WAL bytes PostgreSQL keeps for a replication slot: written since the slot's restart_lsn"


def hold_event(event: str, count: int = 1) -> None:
    HOLDS.labels(event).inc(count)


def watch_open_holds(engine: AsyncEngine) -> None:
    """Serve the open holds per currency (count and amount held), read from PostgreSQL at each scrape."""
    helps = {
        OPEN_HOLDS: "Holds placed and not yet captured, voided or expired",
        OPEN_HOLDS_AMOUNT: "Amount reserved by open holds, in units of the currency",
    }

    async def read() -> Iterable[Metric]:
        count = GaugeMetricFamily(OPEN_HOLDS, helps[OPEN_HOLDS], labels=["currency"])
        amount = GaugeMetricFamily(OPEN_HOLDS_AMOUNT, helps[OPEN_HOLDS_AMOUNT], labels=["currency"])
        async with engine.connect() as connection:
            for currency, open_count, held in await connection.execute(_OPEN_HOLDS):
                count.add_metric([currency], open_count)
                amount.add_metric([currency], float(held))
        return [count, amount]

    register_loop_gauges(helps, read)


def reconciled(mismatched_days: int | None, missing: int = 0, redelivered: int = 0) -> None:
    """A reconciliation's outcome; None when it could not run (a store unreachable)."""
    RECONCILIATION_MISMATCHES.set(math.nan if mismatched_days is None else mismatched_days)
    if mismatched_days is not None:
        RECONCILIATION_MISSING.set(missing)
        RECONCILIATION_REDELIVERED.inc(redelivered)
        RECONCILIATION_CHECKED_AT.set_to_current_time()
