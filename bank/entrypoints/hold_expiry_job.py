"""The expiry of holds, run by every Bank replica: every BANK_HOLD_EXPIRY_INTERVAL_S the holds past their expiry are
released, a batch per transaction (bank.service_layer.hold_service.expire_due).

Crash-safe because each batch is one transaction: a worker that dies before its commit leaves its holds placed and
their money held, and the next run (its own or another replica's) expires them. Replicas share the work without
coordination: each locks its batch with SKIP LOCKED, so no hold is expired twice and none waits on another's."""

import asyncio
import logging

from bank import metrics
from bank.service_layer.hold_service import HoldUnitOfWorkFactory, expire_due

log = logging.getLogger("bank.holds")


class HoldExpiryJob:
    def __init__(self, uow_factory: HoldUnitOfWorkFactory, interval_s: float, batch: int) -> None:
        self._uow_factory = uow_factory
        self._interval_s = interval_s
        self._batch = batch

    async def expire(self) -> int:
        """Batches until none is full (nothing more is due now); how many holds were expired."""
        expired = 0
        while True:
            done = await expire_due(self._uow_factory, self._batch)
            expired += len(done)
            metrics.hold_event("expired", len(done))
            if len(done) < self._batch:
                return expired

    async def run(self) -> None:
        while True:
            try:
                if expired := await self.expire():
                    log.info("expired %d holds", expired)
            except Exception as error:  # the database away: the holds stay placed until a later run
                log.warning("hold expiry could not run: %s: %s", type(error).__name__, error)
            await asyncio.sleep(self._interval_s)
