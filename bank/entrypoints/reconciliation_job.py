"""Continuous reconciliation of PostgreSQL with ClickHouse, run by the Bank's server: the metrics, a health name
(wallet.bank.v1.Reconciliation: NOT_SERVING while the stores differ or cannot be compared) and the repair.

It lives in the Bank because the repair is a write to the Bank's outbox, and only the Bank writes its database: the
events go again through the one path every event takes (outbox -> Debezium -> Kafka -> ClickHouse), with their
original ids, so ClickHouse's deduplication makes a repair idempotent. ClickHouse is only read, three queries
(bank/adapters/clickhouse_operations.py), with settings of its own (BANK_CLICKHOUSE_*). In Analytics it would need the
Bank's database, and in a process of its own one more thing to supervise for a loop of one query a minute."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from grpc_health.v1 import health, health_pb2

from bank import metrics
from bank.config import Settings
from bank.domain.reconciliation import Report
from bank.service_layer.reconciliation_service import Ledger, OperationsStore, reconcile

RECONCILIATION = "wallet.bank.v1.Reconciliation"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
log = logging.getLogger("bank.reconciliation")


def window(settings: Settings, now: datetime) -> tuple[datetime, datetime]:
    """The time compared: back lookback_hours from settle_s ago (younger events may still be in the pipeline)."""
    end = now - timedelta(seconds=settings.reconcile_settle_s)
    return end - timedelta(hours=settings.reconcile_lookback_hours), end


class ReconciliationJob:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        store: OperationsStore,
        health_servicer: health.aio.HealthServicer | None = None,
    ) -> None:
        self._settings = settings
        self._ledger = ledger
        self._store = store
        self._health = health_servicer

    async def check(self, repair: bool = True) -> Report | None:
        """One reconciliation of the window, repairing what it finds; None when a store could not be read."""
        start, end = window(self._settings, datetime.now(UTC))
        try:
            report = await reconcile(self._ledger, self._store, start, end, repair)
        except Exception as error:  # a store unreachable: consistency cannot be vouched for
            log.warning("reconciliation could not run: %s: %s", type(error).__name__, error)
            metrics.reconciled(None)
            await self._report(False)
            return None
        if not report.consistent:
            log.error(
                "reconciliation: %d account-days differ, %d operations missing from ClickHouse, %d delivered again",
                len(report.mismatches),
                len(report.missing),
                len(report.redelivered),
            )
        metrics.reconciled(len(report.mismatches), len(report.missing), len(report.redelivered))
        await self._report(report.consistent)
        return report

    async def run(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self._settings.reconcile_interval_s)

    async def _report(self, consistent: bool) -> None:
        if self._health is not None:
            status = (
                health_pb2.HealthCheckResponse.SERVING if consistent else health_pb2.HealthCheckResponse.NOT_SERVING
            )
            await self._health.set(RECONCILIATION, status)
