"""This process's settlement workers: one background task per top-up, restarted on failure, resumed on start-up."""

import asyncio
import logging
import time
import uuid
from datetime import timedelta

from card_adapter.domain.card import Card
from card_adapter.domain.topup import TopUp, now
from card_adapter.service_layer.backoff import Backoff
from card_adapter.service_layer.ports import UnitOfWorkFactory
from card_adapter.service_layer.settlement import Settlement

log = logging.getLogger("card_adapter.settlement_workers")
POLL_S = 0.05


class SettlementWorkers:
    def __init__(self, settlement: Settlement, uow_factory: UnitOfWorkFactory, backoff: Backoff) -> None:
        self._settlement = settlement
        self._uow_factory = uow_factory
        self._backoff = backoff
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    def start(self, topup_id: uuid.UUID, card: Card | None = None) -> None:
        """Settle the top-up in the background unless this process already does."""
        if topup_id not in self._tasks:
            task = asyncio.create_task(self._run(topup_id, card), name=f"settle-{topup_id}")
            self._tasks[topup_id] = task
            task.add_done_callback(lambda _: self._tasks.pop(topup_id, None))

    async def _run(self, topup_id: uuid.UUID, card: Card | None) -> None:
        attempt = 0
        while True:
            try:
                await self._settlement.settle(topup_id, card)
                return
            except Exception:  # a database outage or a bug: the state on disk is sound, start over from it
                log.exception("settling top-up %s failed; retrying", topup_id)
            await asyncio.sleep(self._backoff.delay(attempt))
            attempt += 1

    async def wait_final(self, topup_id: uuid.UUID, timeout_s: float) -> TopUp | None:
        """The top-up once final, or as it stands when `timeout_s` runs out (None if unknown)."""
        deadline = time.monotonic() + timeout_s
        while True:
            if task := self._tasks.get(topup_id):
                await asyncio.wait({task}, timeout=max(0.0, deadline - time.monotonic()))
            async with self._uow_factory() as uow:
                topup = await uow.get_topup(topup_id)
            if topup is None or topup.final or time.monotonic() >= deadline:
                return topup
            await asyncio.sleep(POLL_S)  # settled by another process: watch the database

    async def resume_unfinished(self, untouched_for_s: float | None = None) -> int:
        """Start a worker for every unfinished top-up (only those idle for `untouched_for_s`, if given)."""
        since = now() - timedelta(seconds=untouched_for_s) if untouched_for_s is not None else None
        async with self._uow_factory() as uow:
            unfinished = await uow.unfinished_topups(since)
        for topup in unfinished:
            self.start(topup.id)
        return len(unfinished)

    async def sweep_forever(self, interval_s: float) -> None:
        """Pick up top-ups whose worker died elsewhere (another replica); claims keep it to one worker each."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.resume_unfinished(untouched_for_s=interval_s)
            except Exception:
                log.exception("sweeping unfinished top-ups failed")

    async def close(self) -> None:
        """Stop every worker; their top-ups stay durable and resume on the next start."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
