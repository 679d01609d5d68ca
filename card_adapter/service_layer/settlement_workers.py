"""This process's settlement workers: one background task per top-up, restarted on failure, resumed on start-up;
and, for a top-up declined without a charge, one that watches the gateway for a late capture."""

import asyncio
import logging
import time
import uuid
from collections.abc import Coroutine
from datetime import timedelta

from card_adapter.domain.card import Card
from card_adapter.domain.topup import State, TopUp
from card_adapter.service_layer.backoff import Backoff
from card_adapter.service_layer.ports import UnitOfWorkFactory
from card_adapter.service_layer.settlement import Settlement
from kernel.clock import now

log = logging.getLogger("card_adapter.settlement_workers")
POLL_S = 0.05


class SettlementWorkers:
    def __init__(
        self, settlement: Settlement, uow_factory: UnitOfWorkFactory, backoff: Backoff, watch_backoff: Backoff
    ) -> None:
        self._settlement = settlement
        self._uow_factory = uow_factory
        self._backoff = backoff
        self._watch_backoff = watch_backoff  # paces the looks for a late capture
        self._settling: dict[uuid.UUID, asyncio.Task[None]] = {}
        # Apart from the settling tasks, so that waiting for a top-up's outcome never waits out its watch.
        self._watching: dict[uuid.UUID, asyncio.Task[None]] = {}

    def start(self, topup_id: uuid.UUID, card: Card | None = None) -> None:
        """Settle the top-up in the background unless this process already settles or watches it."""
        if topup_id not in self._settling and topup_id not in self._watching:
            self._spawn(self._settling, topup_id, self._settle_then_watch(topup_id, card), "settle")

    def _spawn(
        self,
        tasks: dict[uuid.UUID, asyncio.Task[None]],
        topup_id: uuid.UUID,
        work: Coroutine[None, None, None],
        what: str,
    ) -> None:
        task = asyncio.create_task(work, name=f"{what}-{topup_id}")
        tasks[topup_id] = task
        task.add_done_callback(lambda _: tasks.pop(topup_id, None))

    async def _settle_then_watch(self, topup_id: uuid.UUID, card: Card | None) -> None:
        topup = await self._settle(topup_id, card)
        if topup is not None and topup.state == State.FAILING:
            self._spawn(self._watching, topup_id, self._watch(topup_id), "watch")

    async def _watch(self, topup_id: uuid.UUID) -> None:
        """Look for a late capture now and then, until the top-up is final (or another worker has it)."""
        attempt = 0
        while True:
            await asyncio.sleep(self._watch_backoff.delay(attempt))
            attempt += 1
            topup = await self._settle(topup_id, None)
            if topup is None or topup.final:
                return

    async def _settle(self, topup_id: uuid.UUID, card: Card | None) -> TopUp | None:
        attempt = 0
        while True:
            try:
                return await self._settlement.settle(topup_id, card)
            except Exception:  # a database outage or a bug: the state on disk is sound, start over from it
                log.exception("settling top-up %s failed; retrying", topup_id)
            await asyncio.sleep(self._backoff.delay(attempt))
            attempt += 1

    async def wait_decided(self, topup_id: uuid.UUID, timeout_s: float) -> TopUp | None:
        """The top-up once completed or declined, or as it stands when `timeout_s` runs out (None if unknown)."""
        deadline = time.monotonic() + timeout_s
        while True:
            if task := self._settling.get(topup_id):
                await asyncio.wait({task}, timeout=max(0.0, deadline - time.monotonic()))
            async with self._uow_factory() as uow:
                topup = await uow.get_topup(topup_id)
            if topup is None or topup.decided or time.monotonic() >= deadline:
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
        tasks = [*self._settling.values(), *self._watching.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
